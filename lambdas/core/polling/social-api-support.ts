import * as z from 'zod';
import type { PlatformSecret } from '../platforms/adapter.js';

/**
 * Helpers shared by the pollers of JSON APIs with credentials (mastodon, x, youtube): target
 * ids, secrets, requests, bodies, rate-limit headers. Nothing here ever puts a secret, a URL
 * with credentials or a response body into an error message.
 */

/** A target's `id` (it keys the poll state). */
export const TargetIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be lower-case letters, digits and dashes (at most 64)');

/** An `every` setting: checked as a duration (of at least a minute) by the config schema. */
export const everySchema = (fallback: string) => z.string().default(fallback);

/** An API base URL a target may override (tests and the local twin point it at loopback). */
export const apiBaseUrlSchema = (fallback: string) => z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as ' + fallback }).default(fallback);

/** Pages a single poll reads at most; the rest is read by the next poll from the stored cursor. */
export const MAX_PAGES_PER_POLL = 10;

export const USER_AGENT = 'Switchboard/0.1 (engagement poller; +https://github.com/switchboard)';

/** The value of `key` in the platform's secret; the error names the key, never a value. */
export function requireSecret(secret: PlatformSecret | undefined, platform: string, key: string): string {
  const value = secret?.[key];
  if (typeof value !== 'string' || value === '') throw new Error(`the ${platform} secret has no "${key}"; add it to the ${platform} secret`);
  return value;
}

/** `base` (which may carry a path prefix) + `path` + query parameters, repeated names allowed. */
export function apiUrl(base: string, path: string, params: readonly (readonly [string, string | undefined])[]): string {
  const url = new URL(base.replace(/\/+$/, '') + path);
  for (const [name, value] of params) if (value !== undefined) url.searchParams.append(name, value);
  return url.toString();
}

/** Shortest and longest wait taken from a rate-limit header (a reset in the past or years ahead is not trusted). */
export const MIN_WAIT_MS = 60_000;
export const MAX_WAIT_MS = 24 * 60 * 60_000;

/** A wait read from rate-limit headers, clamped to [1 minute, 24 hours]; absent or not finite → `fallbackMs` (clamped too). */
export function clampWaitMs(ms: number | undefined, fallbackMs: number): number {
  const value = ms !== undefined && Number.isFinite(ms) ? ms : fallbackMs;
  return Math.min(MAX_WAIT_MS, Math.max(MIN_WAIT_MS, Number.isFinite(value) ? value : MIN_WAIT_MS));
}

/**
 * fetch for credentialed requests: redirects are never followed (a 3xx other than 304 is an
 * error, so credentials never travel to another origin), the run's `signal` is passed on, and a
 * network failure is reported by `label` and the error's code only (no URL, no header values).
 */
export async function safeFetch(fetchFn: typeof fetch, input: string | URL, init: RequestInit, label: string, signal?: AbortSignal, followRedirects = false): Promise<Response> {
  let res: Response;
  try {
    res = await fetchFn(input, { ...init, redirect: followRedirects ? 'follow' : 'manual', ...(signal && { signal }) });
  } catch (err) {
    throw new Error(`${label} could not be reached${failureCode(err)}`);
  }
  if (res.status >= 300 && res.status < 400 && res.status !== 304) {
    await res.body?.cancel().catch(() => undefined);
    throw new Error(`${label} answered a redirect (${res.status}); redirects are not followed`);
  }
  return res;
}

/** ` (ECONNREFUSED)`, ` (TimeoutError)` or '' — a code, never a message (messages may quote URLs or headers). */
function failureCode(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  if (typeof cause === 'string' && /^[A-Za-z0-9_]{1,40}$/.test(cause)) return ` (${cause})`;
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError' ? ` (${name})` : '';
}

/** fetch of a JSON API with credentials in `headers` (see {@link safeFetch}). */
export async function request(fetchFn: typeof fetch, url: string, headers: Record<string, string>, label: string, signal?: AbortSignal): Promise<Response> {
  return safeFetch(fetchFn, url, { headers: { 'user-agent': USER_AGENT, accept: 'application/json', ...headers } }, label, signal);
}

/**
 * The items of a page that match `schema`; the others are counted and skipped (one bad item must
 * not fail the page forever), reported by count and the first issue's path, never by value.
 */
export function validItems<S extends z.ZodType>(schema: S, raw: readonly unknown[], label: string): { items: z.output<S>[]; invalid: number } {
  const items: z.output<S>[] = [];
  let invalid = 0;
  let first: string | undefined;
  for (const [index, value] of raw.entries()) {
    const result = schema.safeParse(value);
    if (result.success) {
      items.push(result.data);
      continue;
    }
    invalid++;
    if (first === undefined) {
      const issue = result.error.issues[0];
      first = `${index}${issue && issue.path.length ? '.' + issue.path.map(String).join('.') : ''}: ${issue?.code ?? 'invalid'}`;
    }
  }
  if (invalid > 0) reportSkipped(label, invalid, first);
  return { items, invalid };
}

/** Notes skipped malformed items (count and where, never a value). */
export function reportSkipped(label: string, count: number, where?: string): void {
  console.warn(`${label}: skipped ${count} malformed item${count === 1 ? '' : 's'}${where ? ` (first at ${where})` : ''}`);
}

/** The body as JSON; a body that is not JSON is an error that does not quote it. */
export async function readJson(res: Response, label: string): Promise<unknown> {
  const text = await res.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${label} answered ${res.status} with a body that is not JSON`);
  }
}

/** Checks a body against its schema; the error names the fields that are wrong, not their values. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, label: string): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 3).map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.code === 'invalid_type' ? `expected ${i.expected}` : i.code}`);
  throw new Error(`${label} answered an unexpected body (${issues.join('; ')})`);
}

/**
 * Milliseconds until a rate-limit reset header: unix seconds (X, GoToSocial), an ISO 8601 time
 * (Mastodon) or small numbers as seconds from now. Undefined when absent or unreadable.
 */
export function resetWaitMs(header: string | null, now: Date): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const n = Number(trimmed);
    return n > 1e9 ? Math.max(0, n * 1000 - now.getTime()) : n * 1000;
  }
  const at = Date.parse(trimmed);
  return Number.isFinite(at) ? Math.max(0, at - now.getTime()) : undefined;
}

/** Compares decimal id strings by value without turning them into numbers (ids beyond 2^53). */
export function compareDecimalIds(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Reads a JSON cursor the poller itself stored; an unreadable one is an error, not a silent restart. */
export function readCursor<S extends z.ZodType>(schema: S, cursor: string | undefined, label: string): z.output<S> | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(cursor) as unknown;
  } catch {
    value = undefined;
  }
  const result = schema.safeParse(value);
  if (!result.success) throw new Error(`the stored ${label} cursor is unreadable; delete the target's poll state to start again from the newest items`);
  return result.data;
}

/** Keeps the last `limit` entries of a seen-set. */
export const lastSeen = (seen: Iterable<string>, limit: number) => [...seen].slice(-limit);
