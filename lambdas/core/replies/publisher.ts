import type { Engagement } from '../engagement/engagement.schema.js';
import type { PlatformId } from '../engagement/platform-ids.js';
import type { PlatformSecret } from '../platforms/adapter.js';

/**
 * Publishing a reply to a platform (docs/replies.md): one publisher per platform, each a file
 * under `publishers/`, behind this interface. A publisher makes one attempt and says what came of
 * it; deciding whether and when to try again (and never posting twice) is the caller's
 * (`publish-reply.ts`), from the outcome and whether the platform honours an idempotency key.
 */

/** How long a publisher waits for a platform before it gives up on a request (docs/design.md). */
export const PUBLISH_TIMEOUT_MS = 10_000;

/** One reply to publish. */
export interface PublishRequest {
  /** Switchboard's id of the reply: the idempotency key wherever a platform takes one. */
  replyId: string;
  /** The text to post, as checked against the voice policy. */
  text: string;
  /** The engagement answered: its platform id (`externalId`), thread, account and author. */
  inReplyTo: Pick<Engagement, 'id' | 'platform' | 'kind' | 'externalId' | 'author'> &
    Partial<Pick<Engagement, 'thread' | 'account' | 'url'>>;
  /** The platform's secret (credentials for publishing; docs: README, "Secrets"). */
  secret: PlatformSecret;
  /** The config's `platforms.<id>` settings: `replyUrl` (generic), `apiBaseUrl` (any; tests, self-hosted). */
  settings: { replyUrl?: string | undefined; apiBaseUrl?: string | undefined };
}

/** What the publisher may use: no ambient network, clock or timers. */
export interface PublishContext {
  fetch: typeof fetch;
  now: () => Date;
  /** Aborts the request after {@link PUBLISH_TIMEOUT_MS} (the caller sets it). */
  signal: AbortSignal;
}

/**
 * What one attempt came to:
 * - `published`: the platform made the reply (or had made it already, for this idempotency key);
 * - `retry`: nothing was made, or the platform dedupes by the key: safe to send again, after
 *   `retryAfterMs` when the platform said (a 429 with its rate-limit headers, a 503's Retry-After);
 * - `uncertain`: the platform may have made it (a timeout or a 5xx without an idempotency key):
 *   sending again could post twice, so the reply is checked against the platform ({@link
 *   ReplyPublisher.find}) or handed to a person first;
 * - `failed`: the platform refused it for good (a 4xx such as a deleted post, bad credentials).
 */
export type PublishOutcome =
  | { kind: 'published'; platformReplyId: string }
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  | { kind: 'uncertain'; reason: string }
  | { kind: 'failed'; reason: string };

/** A platform's reply publisher. */
export interface ReplyPublisher {
  platform: PlatformId;
  /** Whether the platform dedupes by an idempotency key, so a timed-out request may simply be sent again. */
  idempotent: boolean;
  /** The secret's keys publishing needs (checked before an attempt; a missing one fails the reply). */
  secretKeys: readonly string[];
  /** One attempt. Never throws for what the platform answers; a bug may throw. */
  publish(request: PublishRequest, context: PublishContext): Promise<PublishOutcome>;
  /**
   * After an `uncertain` attempt on a platform without idempotency keys: the id of a reply this
   * account already made to the engagement with this text, if the platform shows one; undefined
   * when there is none (then sending again is safe). Absent: the platform cannot tell, and an
   * uncertain reply waits for a person.
   */
  find?(request: PublishRequest, context: PublishContext): Promise<string | undefined>;
}
