import { createHash } from 'node:crypto';
import * as z from 'zod';
import { parseDurationMs } from '../config/duration.js';
import type { PlatformSecret } from '../platforms/adapter.js';
import { RateLimitedError, retryAfterMs } from './poller.js';
import { clampWaitMs } from './social-api-support.js';

/*
 * Small helpers shared by the pollers of JSON APIs with credentials (reddit, bluesky): target
 * settings, secrets, JSON bodies and rate-limit headers. Error messages name what failed and the
 * HTTP status, never a body, a header value or a secret.
 */

/** A target id: it keys the target's state, so it is short and plain. */
export const targetIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be lower-case letters, digits and dashes (at most 64)');

/** How often a target is polled: an ISO 8601 duration of at least a minute (the poller runs every minute). */
export const everySchema = (fallback: string) =>
  z
    .string()
    .refine((v) => (parseDurationMs(v) ?? 0) >= 60_000, 'must be an ISO 8601 duration of at least one minute, e.g. PT5M or PT15M')
    .default(fallback);

/** An API base URL (overridable so tests and the local twin can point at loopback); no trailing slash. */
export const baseUrlSchema = (fallback: string) =>
  z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as ' + fallback })
    .transform((u) => u.replace(/\/+$/, ''))
    .default(fallback);

/** The values of `keys` from the platform's secret; throws naming the missing keys (never the values). */
export function requireSecret<K extends string>(secret: PlatformSecret | undefined, keys: readonly K[], platform: string): Record<K, string> {
  const missing = keys.filter((k) => typeof secret?.[k] !== 'string' || secret[k] === '');
  if (missing.length > 0) throw new Error(`the ${platform} secret lacks ${missing.join(', ')}`);
  return Object.fromEntries(keys.map((k) => [k, secret![k]!])) as Record<K, string>;
}

/** A short digest of a secret value, so caches keyed by credentials hold no credential. */
export const digest = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 32);

/** Reads a JSON body; a body that is not JSON becomes an Error that names `what` (never the body). */
export async function readJson(res: Response, what: string): Promise<unknown> {
  const text = await res.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${what} answered a body that is not JSON`);
  }
}

/** Checks a body against a schema; the Error names the first mismatching path, not the value found there. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : 'the top level';
  throw new Error(`${what} answered an unexpected body (at ${where}: ${issue?.code ?? 'invalid'})`);
}

/**
 * A rate-limit reset header as milliseconds from `now`. Values above 10^9 are read as a Unix time
 * in seconds (Bluesky's `RateLimit-Reset`), smaller ones as seconds to wait (Reddit's
 * `X-Ratelimit-Reset`). Undefined when absent or unreadable.
 */
export function resetHeaderMs(value: string | null, now: Date): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) return undefined;
  return n > 1e9 ? Math.max(0, n * 1000 - now.getTime()) : Math.ceil(n * 1000);
}

/** Whether a remaining-quota header says nothing is left (`0`, `0.0`). */
export function quotaSpent(value: string | null): boolean {
  if (value === null || value.trim() === '') return false;
  const n = Number(value);
  return Number.isFinite(n) && n < 1;
}

/**
 * Throws for an answer that is not a success: 429 (and 503 with Retry-After) as
 * {@link RateLimitedError}, waiting for Retry-After, else the reset header, else `fallbackMs`;
 * redirects (never followed, so credentials stay with the configured host) and other statuses as
 * Errors. The body of a failed answer is discarded unread.
 */
export async function failUnlessOk(res: Response, what: string, now: Date, resetHeader: string, fallbackMs: number, detail = ''): Promise<void> {
  if (res.ok) return;
  await res.body?.cancel().catch(() => undefined);
  const reset = resetHeaderMs(res.headers.get(resetHeader), now);
  if (res.status === 429) throw new RateLimitedError(clampWaitMs(retryAfterMs(res.headers.get('retry-after'), now, reset ?? fallbackMs), fallbackMs), `${what} answered 429${detail}`);
  if (res.status === 503 && res.headers.get('retry-after')) throw new RateLimitedError(clampWaitMs(retryAfterMs(res.headers.get('retry-after'), now, fallbackMs), fallbackMs), `${what} answered 503${detail}`);
  if (res.status >= 300 && res.status < 400) throw new Error(`${what} answered a redirect (${res.status})${detail}; redirects are not followed`);
  throw new Error(`${what} answered ${res.status}${detail}`);
}
