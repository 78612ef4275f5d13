import type * as z from 'zod';
import { parseJsonPrecise } from '../platforms/shared-secret.js';
import { RateLimitedError, retryAfterMs } from './poller.js';
import { clampWaitMs } from './social-api-support.js';

/**
 * Reading the answers of JSON REST APIs for the `wordpress` and `google-business` pollers:
 * rate-limit statuses and headers, JSON that keeps integers beyond 2^53 as digit strings, and
 * errors that name what was wrong without ever quoting the body (it may carry personal data,
 * and error messages end up in logs and in the poll state).
 */

/** 429 (always) and 503 with Retry-After → {@link RateLimitedError}; `source` names the API in the message. */
export function throwIfRateLimited(res: Response, now: Date, source: string, fallbackMs: number): void {
  const retryAfter = res.headers.get('retry-after');
  if (res.status === 429 || (res.status === 503 && retryAfter)) {
    throw new RateLimitedError(clampWaitMs(retryAfterMs(retryAfter, now, fallbackMs), fallbackMs), `${source} answered ${res.status}`);
  }
}

/**
 * How long to wait when the answer says the quota is used up: `X-RateLimit-Remaining: 0` (or the
 * IETF draft's `RateLimit-Remaining: 0`) with `X-RateLimit-Reset`/`RateLimit-Reset`, read as unix
 * seconds when it is a large number (above 10^9) and as seconds from now otherwise. Undefined
 * while requests remain (or the headers are absent); `fallbackMs` when the reset is missing or
 * unreadable.
 */
export function exhaustedWaitMs(res: Response, now: Date, fallbackMs: number): number | undefined {
  const remaining = res.headers.get('x-ratelimit-remaining') ?? res.headers.get('ratelimit-remaining');
  if (remaining === null || remaining.trim() === '' || Number(remaining) > 0 || !Number.isFinite(Number(remaining))) return undefined;
  const reset = Number(res.headers.get('x-ratelimit-reset') ?? res.headers.get('ratelimit-reset') ?? Number.NaN);
  if (!Number.isFinite(reset) || reset < 0) return clampWaitMs(undefined, fallbackMs);
  return clampWaitMs(reset > 1e9 ? reset * 1000 - now.getTime() : reset * 1000, fallbackMs);
}

/** The body as JSON (integers beyond 2^53 kept as digit strings); a body that is not JSON → an Error that does not quote it. */
export async function readJson(res: Response, source: string): Promise<unknown> {
  let text: string;
  try {
    text = await res.text();
  } catch {
    throw new Error(`${source} answered ${res.status} but the body could not be read`);
  }
  const value = parseJsonPrecise(text);
  if (value === undefined) throw new Error(`${source} answered ${res.status} with a body that is not JSON (${text.length} characters)`);
  return value;
}

/**
 * Validates a parsed body; failures → an Error listing the first issues by JSON path (zod's
 * messages name the expected type or format, never the value received).
 */
export function parseBody<S extends z.ZodType>(schema: S, value: unknown, expected: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.reduce<string>((p, k) => (typeof k === 'number' ? `${p}[${k}]` : `${p}.${String(k)}`), 'body')}: ${issue.message}`)
    .join('; ');
  throw new Error(`Expected ${expected}. ${issues}`);
}

/** A short, safe label for an API error code from a JSON error body (`invalid_grant`, `PERMISSION_DENIED`), or ''. */
export function errorCode(value: unknown, ...path: string[]): string {
  let v: unknown = value;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' && /^[A-Za-z][A-Za-z0-9_.]{0,63}$/.test(v) ? ` (${v})` : '';
}

/**
 * A poller's stored JSON cursor, or an empty cursor when there is none or it no longer reads
 * (an older format): the poll then starts afresh and its seen list prevents repeats.
 */
export function readJsonCursor<S extends z.ZodType<object>>(schema: S, text: string | undefined): Partial<z.output<S>> {
  if (!text) return {};
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}
