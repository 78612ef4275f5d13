import type { PlatformId } from '../engagement/platform-ids.js';
import type { PlatformSecret } from '../platforms/adapter.js';
import type { ReplyStore } from './ports/reply-store.js';
import { PUBLISH_TIMEOUT_MS, type PublishOutcome, type ReplyPublisher } from './publisher.js';
import type { PublishAttempt, Reply } from './reply.js';
import { replyFailed, replyPublished } from './reply-events.js';

/**
 * Publishing a queued reply exactly once (docs/replies.md, "Exactly once"). The queue delivers at
 * least once and the publisher may crash or time out at any point, so:
 * - **One attempt at a time.** Before a request goes out, the reply is claimed (`attempt.status:
 *   sending`) by a write conditional on its revision; a second delivery of the same message sees
 *   the claim and waits for its lease to end.
 * - **Same key every time.** Every request carries the reply's id as the idempotency key, where
 *   the platform takes one: a request that timed out, or whose answer was lost in a crash, is
 *   simply sent again, and the platform makes the reply once.
 * - **Uncertain, not sent twice.** Where the platform takes no key, an attempt that may have
 *   posted (a timeout, a 5xx, a claim whose lease ran out) is `uncertain`: the platform is asked
 *   whether our reply is there (the publisher's `find`) before anything is sent again, and
 *   without a way to ask, the reply fails as uncertain for a person to check.
 * - **Done is recorded once.** "Reply Published" is written with the state change; the
 *   assignment's `responded` is a status report with the reply's own report id, so applying it
 *   again changes nothing.
 */

/** How long a claim holds: past it, the attempt is taken to have died with its publisher. */
export const ATTEMPT_LEASE_MS = 60_000;
/** Attempts before a reply that keeps being retried fails. */
export const MAX_ATTEMPTS = 8;

/** What publishing runs with. */
export interface PublishDependencies {
  replies: ReplyStore;
  publisherFor(platform: PlatformId): ReplyPublisher | undefined;
  /** The platform's secret (credentials to publish with). */
  secretFor(platform: PlatformId): Promise<PlatformSecret>;
  /** The config's `platforms.<id>` settings. */
  settings(platform: PlatformId): { replyUrl?: string | undefined; apiBaseUrl?: string | undefined };
  /** Sets the engagement's assignment of the replying department `responded` (idempotent). */
  responded(reply: Reply): Promise<void>;
  fetch: typeof fetch;
  now(): Date;
  /** @default PUBLISH_TIMEOUT_MS */
  timeoutMs?: number;
  log?(level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>): void;
}

/** Done (whatever the reply's final state), or: deliver the message again after `retryAfterMs`. */
export type PublishResult =
  | { done: true; state: Reply['state'] | 'missing' }
  | { done: false; retryAfterMs: number; reason: string };

/** The wait before attempt `count + 1` after a retryable one: 1 s, 2 s, 4 s… up to five minutes. */
export const backoffMs = (count: number): number => Math.min(300_000, 1_000 * 2 ** Math.max(0, count - 1));

/**
 * Deliveries of one reply's message after which it is failed rather than tried again (below the
 * queue's receive count, so a reply never sits in the dead-letter queue still `queued`).
 */
export const MAX_DELIVERIES = 25;
/** After an attempt that may have posted, the wait before looking or sending again: a request still in flight lands first. */
export const UNCERTAIN_WAIT_MS = 30_000;

/**
 * Publishes the reply if it is queued and no attempt is out; see the module's doc. `delivery` is
 * how many times its message has been delivered: past {@link MAX_DELIVERIES} the reply fails
 * (as uncertain when an attempt may have posted) instead of waiting forever.
 */
export async function publishReply(replyId: string, deps: PublishDependencies, delivery = 1): Promise<PublishResult> {
  try {
    return await publishOnce(replyId, deps, delivery);
  } catch (err) {
    // Something it needs failed (the table, a secret, the platform's listing): try again later,
    // waiting longer each time; the delivery count bounds it.
    return { done: false, retryAfterMs: backoffMs(delivery) * 5, reason: (err as Error).message };
  }
}

async function publishOnce(replyId: string, deps: PublishDependencies, delivery: number): Promise<PublishResult> {
  const reply = await deps.replies.get(replyId);
  if (!reply) return { done: true, state: 'missing' };
  if (reply.state === 'published') {
    // Published, then the run died before the assignment was told: tell it now (idempotent).
    await deps.responded(reply);
    return { done: true, state: reply.state };
  }
  if (reply.state !== 'queued') return { done: true, state: reply.state };
  const publisher = deps.publisherFor(reply.platform);
  if (!publisher) return fail(reply, `replies to ${reply.platform} are not supported`, deps);
  const attempt = reply.attempt;
  // An attempt may have posted it (one out, or one that went wrong without saying).
  const outstanding = attempt?.status === 'sending' || attempt?.status === 'uncertain';
  // Its engagement's author was erased (or its text expired) before it went: nothing to send.
  if (!reply.text)
    return fail(
      reply,
      outstanding
        ? 'its text was erased while an attempt was out: it may have been posted, check the platform'
        : 'its text was erased before it was published',
      deps,
      outstanding,
    );
  if (delivery > MAX_DELIVERIES)
    return fail(
      reply,
      `gave up after ${delivery - 1} deliveries (${attempt?.reason ?? 'no attempt went through'})`,
      deps,
      outstanding,
    );

  const now = deps.now();
  if (attempt?.status === 'sending') {
    const held = ATTEMPT_LEASE_MS - (now.getTime() - Date.parse(attempt.at));
    if (held > 0) return { done: false, retryAfterMs: held, reason: 'another attempt is out' };
  }
  if (
    (attempt?.status === 'retrying' || attempt?.status === 'uncertain') &&
    attempt.notBefore &&
    Date.parse(attempt.notBefore) > now.getTime()
  )
    return {
      done: false,
      retryAfterMs: Date.parse(attempt.notBefore) - now.getTime(),
      reason: attempt.reason ?? 'waiting',
    };

  const secret = await deps.secretFor(reply.platform);
  const engagement = await deps.replies.engagement(reply.engagementId);
  if (!engagement || engagement.gone)
    return fail(
      reply,
      `engagement ${reply.engagementId} is ${engagement ? engagement.gone : 'no longer stored'}`,
      deps,
      outstanding,
    );
  const request = {
    replyId: reply.id,
    text: reply.text,
    inReplyTo: engagement,
    secret,
    settings: deps.settings(reply.platform),
  };
  const missing = publisher.secretKeys.filter((k) => !secret[k]);
  if (missing.length > 0) return fail(reply, `the ${reply.platform} secret lacks ${missing.join(', ')}`, deps);
  // The platform rate-limited this account (for another reply, perhaps): every reply to it waits.
  const account = engagement.account?.id ?? 'default';
  const pausedUntil = await deps.replies.pausedUntil(reply.platform, account);
  if (pausedUntil && Date.parse(pausedUntil) > deps.now().getTime())
    return {
      done: false,
      retryAfterMs: Date.parse(pausedUntil) - deps.now().getTime(),
      reason: `${reply.platform} rate-limited this account until ${pausedUntil}`,
    };

  // An attempt that may have posted, on a platform without idempotency keys: look before sending again.
  const mayHavePosted = !publisher.idempotent && (attempt?.status === 'uncertain' || attempt?.status === 'sending');
  if (mayHavePosted) {
    if (!publisher.find)
      return fail(
        reply,
        `${attempt?.reason ?? 'the last attempt was cut off'}; it may have been posted: check ${reply.platform} before sending it again`,
        deps,
        true,
      );
    const found = await publisher.find(request, context(deps));
    if (found) return published(reply, found, deps);
  }
  if ((attempt?.count ?? 0) >= MAX_ATTEMPTS)
    return fail(
      reply,
      `gave up after ${attempt?.count} attempts (${attempt?.reason ?? 'no reason'})`,
      deps,
      outstanding,
    );

  const claimed: Reply = {
    ...reply,
    // The lease counts from the claim, not from when this delivery began.
    attempt: { count: (attempt?.count ?? 0) + 1, status: 'sending', at: deps.now().toISOString() },
    revision: reply.revision + 1,
  };
  if ((await deps.replies.update(claimed, reply.revision, [])) === 'conflict')
    return { done: false, retryAfterMs: 1_000, reason: 'the reply changed meanwhile' };

  let outcome: PublishOutcome;
  try {
    outcome = await publisher.publish(request, context(deps));
  } catch (err) {
    // A bug or an unexpected answer: treated as an attempt that may have posted.
    const reason = `the ${reply.platform} publisher failed: ${(err as Error).message}`;
    outcome = publisher.idempotent ? { kind: 'retry', reason } : { kind: 'uncertain', reason };
  }
  switch (outcome.kind) {
    case 'published':
      return published(claimed, outcome.platformReplyId, deps);
    case 'failed':
      return fail(claimed, outcome.reason, deps);
    case 'retry':
    case 'uncertain': {
      const wait =
        outcome.kind === 'retry' ? (outcome.retryAfterMs ?? backoffMs(claimed.attempt!.count)) : UNCERTAIN_WAIT_MS;
      // A wait the platform named (a rate limit, a Retry-After) holds for every reply to this account.
      if (outcome.kind === 'retry' && outcome.retryAfterMs !== undefined)
        await deps.replies.pause(
          reply.platform,
          account,
          new Date(deps.now().getTime() + outcome.retryAfterMs).toISOString(),
        );
      const next: PublishAttempt = {
        count: claimed.attempt!.count,
        status: outcome.kind === 'retry' ? 'retrying' : 'uncertain',
        at: deps.now().toISOString(),
        reason: outcome.reason,
        notBefore: new Date(deps.now().getTime() + wait).toISOString(),
      };
      deps.log?.('warn', 'a reply attempt did not go through', {
        replyId: reply.id,
        outcome: outcome.kind,
        reason: outcome.reason,
      });
      await deps.replies.update({ ...claimed, attempt: next, revision: claimed.revision + 1 }, claimed.revision, []);
      return { done: false, retryAfterMs: wait, reason: outcome.reason };
    }
  }
}

function context(deps: PublishDependencies) {
  return {
    fetch: deps.fetch,
    now: () => deps.now(),
    signal: AbortSignal.timeout(deps.timeoutMs ?? PUBLISH_TIMEOUT_MS),
  };
}

async function published(reply: Reply, platformReplyId: string, deps: PublishDependencies): Promise<PublishResult> {
  const at = deps.now().toISOString();
  const next: Reply = { ...reply, state: 'published', platformReplyId, at, revision: reply.revision + 1 };
  if ((await deps.replies.update(next, reply.revision, [replyPublished(next, at)])) === 'conflict') {
    const stored = await deps.replies.get(reply.id);
    // Someone else recorded it first (the message delivered twice): what they stored stands.
    if (stored?.state === 'published') {
      await deps.responded(stored);
      return { done: true, state: 'published' };
    }
    // Changed under this attempt (an erasure emptied its text): still ours, and it was posted.
    if (stored?.state === 'queued' && stored.attempt?.count === reply.attempt?.count)
      return published(stored, platformReplyId, deps);
    return { done: false, retryAfterMs: 1_000, reason: 'the reply changed meanwhile' };
  }
  await deps.responded(next);
  return { done: true, state: 'published' };
}

async function fail(
  reply: Reply,
  reason: string,
  deps: PublishDependencies,
  uncertain = false,
): Promise<PublishResult> {
  const at = deps.now().toISOString();
  const next: Reply = { ...reply, state: 'failed', failure: reason, at, revision: reply.revision + 1 };
  deps.log?.('error', 'a reply failed', { replyId: reply.id, platform: reply.platform, reason, uncertain });
  if ((await deps.replies.update(next, reply.revision, [replyFailed(next, at, uncertain)])) === 'conflict')
    return { done: false, retryAfterMs: 1_000, reason: 'the reply changed meanwhile' };
  return { done: true, state: 'failed' };
}
