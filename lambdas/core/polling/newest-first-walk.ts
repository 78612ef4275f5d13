import * as z from 'zod';
import type { NormalizedEvent } from '../platforms/adapter.js';
import { readStoredCursor } from './http.js';
import { MAX_PAGES_PER_POLL, passGuard, walkPages, type PageStep } from './page-walk.js';
import type { PollLog, PollPage, PollState } from './poller.js';

/** One item of a newest-first page. */
export interface WalkItem {
  /** The platform's stable id (a Reddit fullname, an AT-URI): each key is emitted at most once. */
  key: string;
  /** The item's place in the listing's order, epoch milliseconds (creation or index time). */
  at: number;
  /** What to emit; absent for items passed over (the company's own, follows) that still count for the walk. */
  event?: NormalizedEvent;
}

/** One API page, newest first. */
export interface WalkPage {
  items: WalkItem[];
  /** The API's cursor for the next, older page; absent at the end of the listing. */
  next?: string;
  /** The API said its quota is spent: the poll stops after this page and waits this long. */
  rateLimited?: { retryAfterMs: number; reason: string };
}

/** How to walk one listing. */
export interface WalkOptions {
  /** What is walked (`r/acme/new`, `search:acme`); a cursor of another source is not resumed. */
  source: string;
  state: PollState;
  now: Date;
  /**
   * How far below the floor a walk still looks, for items that reach the listing late (search
   * indexing lag, equal timestamps). Items in that band are told apart by `seen`.
   */
  slackMs: number;
  /** Pages per poll at most (default {@link MAX_PAGES_PER_POLL}); an unfinished walk resumes at the next poll. */
  maxPages?: number;
  /** Keys remembered in `seen` at most (newest kept). */
  seenLimit: number;
  /** Where an unreadable stored cursor is reported. */
  log?: PollLog;
  /** Fetches the page at an API cursor (undefined: the newest page). */
  fetchPage(next: string | undefined): Promise<WalkPage>;
}

/** The walk's position, kept as JSON in `PollState.cursor`. */
interface WalkCursor {
  source: string;
  /** Everything at or after this time (less the slack) has been delivered (ISO 8601). */
  floor?: string;
  /** A walk down from the top that has not reached the floor yet: the next page, and the top's time. */
  walk?: { next: string; ceiling: string; pages?: number };
}

/**
 * The usual `slackMs`: listings in the order things were made or indexed (Reddit's `/new`,
 * Bluesky notifications) lag little; search results may be indexed minutes after their time.
 */
export const LISTING_SLACK_MS = 2 * 60_000;
export const SEARCH_SLACK_MS = 15 * 60_000;

/** Pages one walk reads at most, across polls, in units of `maxPages`: a cursor chain that never ends is cut here. */
const WALK_PAGE_LIMIT_FACTOR = 5;

/**
 * Walks a newest-first listing (Reddit `after`, AT Protocol `cursor`) so that each item is emitted
 * once across polls and a failed poll resumes after the last delivered page:
 *
 * - A poll walks from the newest page down until it meets an item older than the floor (the
 *   newest time of the previous complete walk, less `slackMs`), or the listing ends. Items already
 *   in `seen` are skipped; items older than the floor are never emitted.
 * - Each page is yielded with the cursor of the next page in its state, so the runner stores the
 *   resume position after delivering the page. A poll that finds an unfinished walk finishes it
 *   first, then walks down from the top again. When the walk completes, the floor moves up to the
 *   newest time the walk saw (never later than `now`, so a future-dated item cannot hide others).
 * - The first poll of a target (no floor yet) emits the newest page only: older history is not
 *   backfilled.
 * - A resumed walk whose first page comes back empty (the anchor item was removed meanwhile) is
 *   abandoned without moving the floor, and the poll walks down from the top instead; `seen`
 *   keeps the already delivered items from being emitted twice.
 * - When a page says the quota is spent, the page is delivered and then the poll stops (see
 *   {@link walkPages}), so the runner stores the page's state and waits for the reset.
 */
export async function* walkNewestFirst(options: WalkOptions): AsyncGenerator<PollPage> {
  const { source, state, now, slackMs, maxPages = MAX_PAGES_PER_POLL, seenLimit } = options;
  const nowMs = now.getTime();
  const seen = readSeen(state.seen);
  const start = readCursor(state.cursor, source, options.log);
  let resumed = start.walk !== undefined;
  let pageInWalk = 0;
  /** API cursors requested by this poll: a listing that hands one out again is cycling. */
  const guard = passGuard(maxPages * WALK_PAGE_LIMIT_FACTOR);

  yield* walkPages(start, maxPages, async (cursor): Promise<PageStep<WalkCursor>> => {
    const walk = cursor.walk;
    guard.request(walk?.next);
    const page = await options.fetchPage(walk?.next);
    const walkLength = (walk?.pages ?? 0) + 1;
    // A cursor seen before in this poll, or a walk grown too long, ends the walk as the listing's end would.
    const cycling = page.next !== undefined && guard.ends(page.next, walkLength, false);
    const floor = cursor.floor === undefined ? undefined : Date.parse(cursor.floor);
    const lower = floor === undefined ? undefined : floor - slackMs;
    const events: NormalizedEvent[] = [];
    let reachedFloor = false;
    let newest: number | undefined;
    for (const item of page.items) {
      const at = Math.min(item.at, nowMs);
      newest = newest === undefined ? at : Math.max(newest, at);
      if (lower !== undefined && at < lower) {
        reachedFloor = true;
        continue;
      }
      if (seen.has(item.key) || !item.event) continue;
      events.push(item.event);
      seen.set(item.key, at);
    }

    let next: WalkCursor;
    let finished = false;
    if (resumed && pageInWalk === 0 && page.items.length === 0) {
      next = { source, ...(cursor.floor && { floor: cursor.floor }) };
      finished = true;
    } else {
      const ceiling = walk ? Date.parse(walk.ceiling) : newest;
      if (
        floor === undefined ||
        reachedFloor ||
        !page.next ||
        cycling ||
        page.items.length === 0 ||
        ceiling === undefined
      ) {
        const top = Math.max(floor ?? -Infinity, ceiling ?? -Infinity);
        next = { source, ...(Number.isFinite(top) && { floor: new Date(top).toISOString() }) };
        prune(seen, Number.isFinite(top) ? top - slackMs : -Infinity);
        finished = true;
      } else {
        next = {
          source,
          ...(cursor.floor && { floor: cursor.floor }),
          walk: { next: page.next, ceiling: new Date(ceiling).toISOString(), pages: walkLength },
        };
      }
    }

    const delivered: PageStep<WalkCursor> = {
      page: { events, state: { ...state, cursor: JSON.stringify(next), seen: writeSeen(seen, seenLimit) } },
      ...(page.rateLimited && { rateLimited: page.rateLimited }),
    };
    if (!finished) {
      pageInWalk++;
      return { ...delivered, next };
    }
    // A finished resumed (or abandoned) walk is followed by a fresh walk from the top.
    if (!resumed) return delivered;
    resumed = false;
    pageInWalk = 0;
    return { ...delivered, next };
  });
}

const WalkCursorSchema = z.object({
  source: z.string(),
  floor: z
    .string()
    .refine((s) => Number.isFinite(Date.parse(s)))
    .optional()
    .catch(undefined),
  walk: z
    .object({
      next: z.string(),
      ceiling: z.string().refine((s) => Number.isFinite(Date.parse(s))),
      pages: z.number().int().positive().optional().catch(undefined),
    })
    .optional()
    .catch(undefined),
});

/** The stored walk, read by the toolkit's cursor policy; a walk of another source (the target's settings changed) starts over. */
function readCursor(text: string | undefined, source: string, log: PollLog | undefined): WalkCursor {
  const c = readStoredCursor(WalkCursorSchema, text, source, log);
  if (!c || c.source !== source) return { source };
  const walk = c.walk && {
    next: c.walk.next,
    ceiling: c.walk.ceiling,
    ...(c.walk.pages && Number.isSafeInteger(c.walk.pages) && { pages: c.walk.pages }),
  };
  // A walk is only resumable down to a known floor; without one the poll starts over.
  return { source, ...(c.floor && { floor: c.floor }), ...(c.floor && walk && { walk }) };
}

/** `seen` entries are `<key>@<epoch ms>`; unreadable ones are dropped. */
function readSeen(entries: readonly string[] | undefined): Map<string, number> {
  const seen = new Map<string, number>();
  for (const entry of entries ?? []) {
    const at = entry.lastIndexOf('@');
    const ms = Number(entry.slice(at + 1));
    if (at > 0 && Number.isFinite(ms)) seen.set(entry.slice(0, at), ms);
  }
  return seen;
}

function writeSeen(seen: Map<string, number>, limit: number): string[] {
  return [...seen]
    .sort((a, b) => a[1] - b[1])
    .slice(-limit)
    .map(([key, at]) => `${key}@${at}`);
}

function prune(seen: Map<string, number>, below: number): void {
  for (const [key, at] of seen) if (at < below) seen.delete(key);
}
