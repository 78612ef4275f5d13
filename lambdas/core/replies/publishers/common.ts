import { createHash } from 'node:crypto';
import type { EngagementKind } from '../../engagement/engagement.schema.js';
import type { PublishContext, PublishOutcome, PublishRequest } from '../publisher.js';
import { failureOutcome, jsonOf, type Sent, send } from './http.js';

/*
 * What the platform publishers share beyond HTTP: which engagements a platform can answer with a
 * public reply, the API base URL, text comparison for `find`, and preparatory requests (a token,
 * a lookup) whose failure cannot have posted anything. Like http.ts, nothing here puts a body, a
 * header value, a URL or a credential into a reason or an Error message.
 */

/** `settings.apiBaseUrl` (tests, self-hosted) or the platform's real base URL, without a trailing slash. */
export function baseUrl(request: PublishRequest, real: string): string {
  return (request.settings.apiBaseUrl ?? real).replace(/\/+$/, '');
}

/**
 * `failed` when the engagement is of a kind the platform cannot answer with a public reply (a
 * reaction has nothing to reply under; a direct message is answered privately, which these
 * publishers do not do), else undefined.
 */
export function unanswerable(
  request: PublishRequest,
  kinds: readonly EngagementKind[],
  platform: string,
): PublishOutcome | undefined {
  if (kinds.includes(request.inReplyTo.kind)) return undefined;
  return {
    kind: 'failed',
    reason: `${platform} replies are published for ${kinds.join(', ')} engagements, not ${request.inReplyTo.kind}`,
  };
}

/** A secret value the caller has already checked is present (`secretKeys`). */
export const secretOf = (request: PublishRequest, key: string): string => request.secret[key] ?? '';

/** A short digest of a secret, so per-container caches keyed by credentials hold no credential. */
export const digest = (value: string): string => createHash('sha256').update(value).digest('hex').slice(0, 32);

/**
 * Whether a reply the platform shows is the one we sent: the same words once whitespace is
 * collapsed, the HTML escapes some platforms add (`&amp;`) are undone and links are set aside
 * (X shows every link as a t.co link). Case and punctuation count.
 */
export function sameText(shown: string, sent: string): boolean {
  return comparable(shown) === comparable(sent);
}

function comparable(text: string): string {
  return text
    .normalize('NFC')
    .replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, name: string) =>
      name === 'amp' ? '&' : name === 'lt' ? '<' : name === 'gt' ? '>' : name === 'quot' ? '"' : "'",
    )
    .replace(/https?:\/\/\S+/g, '<link>')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * A request made before the reply is sent (a token, a lookup of the post answered): nothing can
 * have been posted yet, so a timeout or a 5xx is simply tried again (`retry`), a rate limit waits
 * as the platform says, and any other refusal is `failed`.
 */
export async function prepare(
  context: PublishContext,
  url: string | URL,
  init: RequestInit,
  what: string,
): Promise<{ ok: Response } | { outcome: PublishOutcome }> {
  const sent = await send(context, url, init);
  if ('response' in sent && sent.response.ok) return { ok: sent.response };
  return { outcome: await failureOutcome(sent, true, context, what) };
}

/**
 * The JSON of a successful listing for `find`, or an Error: when the listing cannot be read,
 * `find` must not answer "no reply there" (that would send the reply again), so it throws.
 */
export async function listing(sent: Sent, what: string): Promise<Record<string, unknown>> {
  if ('error' in sent) throw new Error(`${what} could not be read (${sent.error})`);
  if (!sent.response.ok) {
    await sent.response.body?.cancel().catch(() => undefined);
    throw new Error(`${what} answered ${sent.response.status}`);
  }
  const body = await jsonOf(sent.response);
  if (!body) throw new Error(`${what} answered a body that is not JSON`);
  return body;
}

/** An Error for `find` from a preparatory outcome (a token or lookup that failed). */
export function findError(outcome: PublishOutcome, what: string): Error {
  return new Error(`${what}: ${'reason' in outcome ? outcome.reason : 'no answer'}`);
}

/** `value` as a non-empty string id (numbers as their digits), else undefined. */
export function idOf(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

/** `value[key]` when `value` is an object. */
export function field(value: unknown, ...path: string[]): unknown {
  let v = value;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

/** `value` as an array (anything else as none). */
export const arrayOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** A 2xx that made the reply but did not name it: published all the same (a resend would post twice). */
export const publishedWithoutId = (): PublishOutcome => ({ kind: 'published', platformReplyId: '' });

/**
 * Tokens and sessions kept per Lambda container, keyed by a digest of the credentials, until
 * shortly before they expire; a publisher factory makes one cache per publisher.
 */
export class TokenCache<T extends { expiresAt: number }> {
  private readonly entries = new Map<string, T>();

  get(key: string, now: Date): T | undefined {
    const entry = this.entries.get(key);
    return entry && entry.expiresAt > now.getTime() ? entry : undefined;
  }

  set(key: string, value: T): T {
    this.entries.set(key, value);
    return value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
