import { RateLimitedError, type PollPage } from './poller.js';

/** Requests one poll makes at most unless a poller says otherwise; the rest is read by the next poll from the stored cursor. */
export const MAX_PAGES_PER_POLL = 10;

/** What one step of a walk did: the page to deliver (none when the step only changed course), where to go next, and a spent quota. */
export interface PageStep<C> {
  /** Delivered (its events enqueued, its state stored) before anything else happens. */
  page?: PollPage;
  /** The cursor of the next step; absent: the poll is over. */
  next?: C;
  /** The source said its quota is spent: the poll stops after delivering `page`, waiting this long. */
  rateLimited?: { retryAfterMs: number; reason: string };
}

/**
 * The page loop every API poller runs: at most `maxSteps` steps (requests) per poll; each step's
 * page is yielded with the state to resume from after it, so the runner delivers it and stores
 * its state before the next request, and a poll that fails part-way resumes after the last
 * delivered page. A page that says the quota is spent is delivered, then
 * {@link RateLimitedError} is thrown so the runner waits. The rest of a long walk is read by the
 * next poll from the stored cursor.
 */
export async function* walkPages<C>(
  start: C,
  maxSteps: number,
  step: (cursor: C) => Promise<PageStep<C>>,
): AsyncGenerator<PollPage> {
  let cursor = start;
  for (let n = 0; n < maxSteps; n++) {
    const { page, next, rateLimited } = await step(cursor);
    if (page) yield page;
    if (rateLimited) throw new RateLimitedError(rateLimited.retryAfterMs, rateLimited.reason);
    if (next === undefined) return;
    cursor = next;
  }
}

/**
 * Guards a pass through a chain of API page tokens against chains that never end: a pass ends
 * when a page comes back empty, hands out a token already requested in this poll (the listing is
 * cycling), or the pass reaches `maxPagesPerPass` pages (counted across polls).
 */
export function passGuard(maxPagesPerPass: number) {
  const requested = new Set<string>();
  return {
    /** Notes a token about to be requested. */
    request(token: string | undefined): void {
      if (token !== undefined) requested.add(token);
    },
    /** Whether the pass must end after a page (`pages`: its number in the pass, from 1). */
    ends(next: string | undefined, pages: number, empty: boolean): boolean {
      return empty || (next !== undefined && requested.has(next)) || pages >= maxPagesPerPass;
    },
  };
}
