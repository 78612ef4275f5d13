import type { PublishContext, PublishOutcome } from '../publisher.js';
import { arrayOf, field } from './common.js';
import { DEFAULT_RETRY_MS, failureOutcome, type Sent } from './http.js';

/**
 * What Facebook and Instagram (the Graph API) share: the host, the pinned version and how a
 * refusal is read. Graph API versions live about two years; v25.0 is the version the current
 * reference pages show (https://developers.facebook.com/docs/graph-api/reference/object/comments).
 */
export const GRAPH_API = 'https://graph.facebook.com';
export const GRAPH_VERSION = 'v25.0';

/**
 * Graph throttling codes (https://developers.facebook.com/docs/graph-api/overview/rate-limiting/):
 * 4 app, 17 user, 32 page, 613 custom limits, 80001–80014 business use case limits. Graph answers
 * them as 400/403, not 429, so they are read from the error body.
 */
const THROTTLED = new Set([4, 17, 32, 613]);
const isThrottled = (code: number) => THROTTLED.has(code) || (code >= 80_000 && code <= 80_014);

/**
 * The outcome of a Graph answer that is not a success: a throttling code waits for the longest
 * `estimated_time_to_regain_access` (minutes) of `X-Business-Use-Case-Usage`, else a minute; any
 * other answer as {@link failureOutcome}, with the Graph error code (a number) in the reason.
 */
export async function graphFailure(
  sent: Sent,
  idempotent: boolean,
  context: PublishContext,
  what: string,
): Promise<PublishOutcome> {
  if ('error' in sent || sent.response.status >= 500 || sent.response.status === 429)
    return failureOutcome(sent, idempotent, context, what);
  const { response } = sent;
  const body: unknown = await response.json().catch(() => undefined);
  const code = field(body, 'error', 'code');
  if (typeof code === 'number' && isThrottled(code))
    return {
      kind: 'retry',
      reason: `${what} throttled the request (${response.status}, code ${code})`,
      retryAfterMs: regainAccessMs(response.headers.get('x-business-use-case-usage')) ?? DEFAULT_RETRY_MS,
    };
  const outcome = await failureOutcome(sent, idempotent, context, what);
  return typeof code === 'number' && Number.isSafeInteger(code) && outcome.kind === 'failed'
    ? { kind: 'failed', reason: `${outcome.reason.slice(0, -1)}, code ${code})` }
    : outcome;
}

/** The longest `estimated_time_to_regain_access` (minutes) in a `X-Business-Use-Case-Usage` header, in ms. */
function regainAccessMs(header: string | null): number | undefined {
  if (!header) return undefined;
  let usage: unknown;
  try {
    usage = JSON.parse(header);
  } catch {
    return undefined;
  }
  const minutes = Object.values(usage && typeof usage === 'object' ? usage : {})
    .flatMap((entries) => arrayOf(entries))
    .map((entry) => field(entry, 'estimated_time_to_regain_access'))
    .filter((m): m is number => typeof m === 'number' && Number.isFinite(m) && m >= 0);
  return minutes.length > 0 ? Math.max(...minutes) * 60_000 : undefined;
}

/** The Graph request headers: the token as a bearer (never in a URL, which may be logged). */
export const graphHeaders = (token: string): Record<string, string> => ({
  authorization: `Bearer ${token}`,
  accept: 'application/json',
});
