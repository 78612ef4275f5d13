import { retryAfterMs } from '../../polling/poller.js';
import type { PublishContext, PublishOutcome } from '../publisher.js';

/**
 * What every publisher does with HTTP: one request without redirects (credentials never follow
 * one), and the platform's answer read as an outcome the same way everywhere. Nothing here puts a
 * body, a header value or a credential into a reason: reasons are logged and stored.
 */

/** Waited when a platform rate-limits without saying how long. */
export const DEFAULT_RETRY_MS = 60_000;

/** The answer of one request, or why there was none. */
export type Sent = { response: Response } | { error: 'refused' | 'timeout' | 'network'; detail: string };

/** One request to the platform; never throws for the network. */
export async function send(context: PublishContext, url: string | URL, init: RequestInit): Promise<Sent> {
  try {
    const response = await context.fetch(url, { ...init, redirect: 'manual', signal: context.signal });
    return { response };
  } catch (err) {
    const code = String((err as { cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code ?? '');
    if (context.signal.aborted || (err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError')
      return { error: 'timeout', detail: 'no answer in time' };
    // Refused before anything was sent: nothing can have been made.
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN')
      return { error: 'refused', detail: code };
    return { error: 'network', detail: code || (err as Error).name };
  }
}

/**
 * The outcome of an answer that is not a success: a 429 (or a 503 with Retry-After) waits as the
 * platform says (`Retry-After`, or a reset time such as X's `x-rate-limit-reset`); other 5xx and a
 * 408 may have made the reply unless the platform dedupes (`idempotent`); any other 4xx refuses
 * for good, naming the status.
 */
export async function failureOutcome(
  sent: Sent,
  idempotent: boolean,
  context: PublishContext,
  what: string,
): Promise<PublishOutcome> {
  if ('error' in sent) {
    if (sent.error === 'refused') return { kind: 'retry', reason: `${what} could not be reached (${sent.detail})` };
    const reason = `${what} ${sent.error === 'timeout' ? 'did not answer in time' : `failed on the network (${sent.detail})`}`;
    return idempotent ? { kind: 'retry', reason } : { kind: 'uncertain', reason };
  }
  const { response } = sent;
  await response.body?.cancel().catch(() => undefined);
  const status = response.status;
  if (status === 429 || (status === 503 && response.headers.has('retry-after')))
    return {
      kind: 'retry',
      reason: `${what} rate-limited the reply (${status})`,
      retryAfterMs: rateLimitWaitMs(response.headers, context.now()),
    };
  if (status >= 500 || status === 408) {
    const reason = `${what} answered ${status}`;
    return idempotent ? { kind: 'retry', reason } : { kind: 'uncertain', reason };
  }
  if (status >= 300 && status < 400) return { kind: 'failed', reason: `${what} answered a redirect (${status})` };
  return { kind: 'failed', reason: `${what} refused the reply (${status})` };
}

/**
 * How long a rate-limited platform asks to wait: `Retry-After` (seconds or an HTTP date), else the
 * first reset header present: X's `x-rate-limit-reset` (a unix time in seconds), Reddit's
 * `x-ratelimit-reset` (seconds from now), Mastodon's `X-RateLimit-Reset` (an ISO 8601 time),
 * Bluesky's `RateLimit-Reset` (a unix time in seconds). Numbers above 10^9 are read as unix times,
 * smaller ones as seconds to wait, anything else as a date; a reset in the past waits nothing.
 * An empty or unreadable header is passed over (an empty one once read as "wait 0 s").
 */
export function rateLimitWaitMs(headers: Headers, now: Date): number {
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter) return retryAfterMs(retryAfter, now, DEFAULT_RETRY_MS);
  for (const name of ['x-rate-limit-reset', 'x-ratelimit-reset', 'ratelimit-reset']) {
    const value = headers.get(name)?.trim();
    if (!value) continue;
    if (/^\d+(\.\d+)?$/.test(value)) {
      const n = Number(value);
      return n > 1_000_000_000 ? Math.max(0, n * 1000 - now.getTime()) : Math.ceil(n * 1000);
    }
    const at = Date.parse(value);
    if (Number.isFinite(at)) return Math.max(0, at - now.getTime());
  }
  return DEFAULT_RETRY_MS;
}

/** The JSON body of a success, or undefined when it is not JSON. */
export async function jsonOf(response: Response): Promise<Record<string, unknown> | undefined> {
  try {
    const body: unknown = await response.json();
    return body && typeof body === 'object' ? (body as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
