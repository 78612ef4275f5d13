import { createHash } from 'node:crypto';
import type * as z from 'zod';
import type { PlatformId } from '../engagement/platform-ids.js';
import type { PlatformSecret } from '../platforms/adapter.js';
import { parseJsonPrecise } from '../shared/precise-json.js';
import {
  clampWaitMs,
  RateLimitedError,
  retryAfterMs,
  type Poller,
  type PollContext,
  type PollLog,
  type PollPage,
  type PollState,
} from './poller.js';

/*
 * The HTTP toolkit every API poller uses: requests without redirects, JSON that keeps 64-bit ids,
 * one body check, secrets, the rate-limit rule and the stored-cursor policy. `what` in every
 * signature names the source in messages (`reddit r/acme/new`, `WordPress`). Nothing here ever
 * puts a body, a header value, a URL with credentials or a secret into an error or a log line:
 * bodies may carry personal data, and messages end up in logs, health items and the poll state.
 */

/** Sent by every API poller that does not need a platform-specific agent. */
export const USER_AGENT = 'Switchboard/0.1 (engagement poller; +https://github.com/switchboard)';

// ---- Requests ----

/**
 * fetch for credentialed requests: redirects are not followed (a 3xx other than 304 is an
 * Error, so credentials never travel to another origin) unless `followRedirects` (anonymous
 * requests), the run's `signal` is passed on, and a network failure is reported by `what` and
 * the error's code only (no URL, no header values).
 */
export async function pollFetch(
  fetchFn: typeof fetch,
  input: string | URL,
  init: RequestInit,
  what: string,
  signal?: AbortSignal,
  followRedirects = false,
): Promise<Response> {
  let res: Response;
  try {
    res = await fetchFn(input, { ...init, redirect: followRedirects ? 'follow' : 'manual', ...(signal && { signal }) });
  } catch (err) {
    throw new Error(`${what} could not be reached${failureCode(err)}`);
  }
  if (res.status >= 300 && res.status < 400 && res.status !== 304) {
    await discard(res);
    throw new Error(`${what} answered a redirect (${res.status}); redirects are not followed`);
  }
  return res;
}

/** A GET of a JSON API with credentials in `headers` (see {@link pollFetch}). */
export function getJson(
  fetchFn: typeof fetch,
  url: string | URL,
  headers: Record<string, string>,
  what: string,
  signal?: AbortSignal,
): Promise<Response> {
  return pollFetch(
    fetchFn,
    url,
    { headers: { 'user-agent': USER_AGENT, accept: 'application/json', ...headers } },
    what,
    signal,
  );
}

/** ` (ECONNREFUSED)`, ` (TimeoutError)` or '' — a code, never a message (messages may quote URLs or headers). */
function failureCode(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  if (typeof cause === 'string' && /^[A-Za-z0-9_]{1,40}$/.test(cause)) return ` (${cause})`;
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError' ? ` (${name})` : '';
}

/** Drops a body unread (a failed answer's body is never quoted). */
export const discard = (res: Response): Promise<void> => res.body?.cancel().catch(() => undefined) ?? Promise.resolve();

/** `base` (which may carry a path prefix) + `path` + query parameters, repeated names allowed, undefined values left out. */
export function apiUrl(base: string, path: string, params: readonly (readonly [string, string | undefined])[]): string {
  const url = new URL(base.replace(/\/+$/, '') + path);
  for (const [name, value] of params) if (value !== undefined) url.searchParams.append(name, value);
  return url.toString();
}

// ---- Bodies ----

/** JSON text → a value, integers beyond 2^53 as digit strings; undefined when it is not JSON. */
export { parseJsonPrecise };

/**
 * The body as JSON, integers beyond 2^53 kept as digit strings (64-bit ids keep every digit); a
 * body that is not JSON → an Error that does not quote it. `exactIntegers: false` is for APIs
 * that send every id as a string (X): a number where an id belongs has been through a JSON
 * number somewhere and may already have lost digits, so it stays a number and the id schema
 * refuses it rather than storing a wrong id.
 */
export async function readJson(res: Response, what: string, { exactIntegers = true } = {}): Promise<unknown> {
  let text: string;
  try {
    text = await res.text();
  } catch {
    throw new Error(`${what} answered ${res.status} but the body could not be read`);
  }
  const value = exactIntegers ? parseJsonPrecise(text) : parseJsonLossy(text);
  if (value === undefined) throw new Error(`${what} answered ${res.status} with a body that is not JSON`);
  return value;
}

function parseJsonLossy(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Checks a body against its schema; the Error names the first wrong path and what was expected there, never the value found. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : 'the top level';
  throw new Error(
    `${what} answered an unexpected body (at ${where}: ${issue?.code === 'invalid_type' ? `expected ${issue.expected}` : (issue?.code ?? 'invalid')})`,
  );
}

/**
 * The items of a page that match `schema`; the others are counted and skipped (one bad item must
 * not fail the page forever) and reported by count and the first issue's path, never by value.
 */
export function validItems<S extends z.ZodType>(
  schema: S,
  raw: readonly unknown[],
  what: string,
  log: PollLog | undefined,
): z.output<S>[] {
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
      first = `${index}${issue?.path.length ? `.${issue.path.map(String).join('.')}` : ''}: ${issue?.code ?? 'invalid'}`;
    }
  }
  if (invalid > 0) reportSkipped(log, what, invalid, first);
  return items;
}

/** Notes skipped malformed items (their count and where, never a value). */
export function reportSkipped(log: PollLog | undefined, what: string, count: number, where?: string): void {
  log?.(
    'warn',
    `${what}: skipped ${count} malformed item${count === 1 ? '' : 's'}${where ? ` (first at ${where})` : ''}`,
  );
}

/** A short, safe label for an API error code in a JSON error body (`invalid_grant`, `PERMISSION_DENIED`), as ` (code)`, or ''. */
export function errorCode(value: unknown, ...path: string[]): string {
  let v: unknown = value;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' && /^[A-Za-z][A-Za-z0-9_.]{0,63}$/.test(v) ? ` (${v})` : '';
}

/** The error code of a failed JSON answer (see {@link errorCode}); the body is consumed, a body that is not JSON gives ''. */
export async function answeredErrorCode(res: Response, ...path: string[]): Promise<string> {
  return errorCode(await res.text().then(parseJsonPrecise, () => undefined), ...path);
}

// ---- Secrets ----

/** The values of `keys` in the platform's secret; the Error names the missing keys, never a value. */
export function requireSecret<K extends string>(
  secret: PlatformSecret | undefined,
  platform: string,
  keys: readonly K[],
): Record<K, string> {
  const missing = keys.filter((k) => typeof secret?.[k] !== 'string' || secret[k] === '');
  if (missing.length > 0)
    throw new Error(
      `the ${platform} secret has no ${missing.map((k) => `"${k}"`).join(', ')}; add ${missing.length === 1 ? 'it' : 'them'} to the ${platform} secret`,
    );
  return Object.fromEntries(keys.map((k) => [k, secret![k]!])) as Record<K, string>;
}

/**
 * A poller of an API with credentials: each poll gets its target parsed by the platform's target
 * schema and the values of `secretKeys` from the platform's secret (a missing key fails the poll,
 * named), so the keys a poller declares and the keys it reads are one list.
 */
export function credentialedPoller<S extends z.ZodType, K extends string>(
  platform: PlatformId,
  schema: S,
  secretKeys: readonly K[],
  poll: (
    settings: z.output<S>,
    credentials: Record<K, string>,
    state: PollState,
    context: PollContext,
  ) => AsyncIterable<PollPage>,
): Poller {
  return {
    platform,
    secretKeys,
    async *poll(target, state, context) {
      yield* poll(schema.parse(target), requireSecret(context.secret, platform, secretKeys), state, context);
    },
  };
}

/** A short digest of a secret value, so caches keyed by credentials hold no credential. */
export const digest = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 32);

// ---- Rate limits ----

/** Where a source tells its rate limit, and how long to wait when it does not say. */
export interface RateLimits {
  /** The wait when a limit is hit without a usable Retry-After or reset header. */
  fallbackMs: number;
  /** Headers that tell when the quota resets (the first present is read), e.g. `X-RateLimit-Reset`. */
  reset?: readonly string[];
  /** Headers that tell the requests left (the first present is read), e.g. `X-RateLimit-Remaining`. */
  remaining?: readonly string[];
}

/** The first of `names` present in the answer, with its value. */
function header(res: Response, names: readonly string[] | undefined): { name: string; value: string } | undefined {
  for (const name of names ?? []) {
    const value = res.headers.get(name);
    if (value !== null && value.trim() !== '') return { name, value };
  }
  return undefined;
}

/**
 * A reset header as milliseconds from `now`: numbers above 10^9 are a Unix time in seconds (X,
 * Bluesky), smaller ones seconds to wait (Reddit), anything else an HTTP or ISO 8601 time
 * (Mastodon). Undefined when absent or unreadable.
 */
export function resetWaitMs(value: string | null | undefined, now: Date): number | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const n = Number(trimmed);
    return n > 1e9 ? Math.max(0, n * 1000 - now.getTime()) : Math.ceil(n * 1000);
  }
  const at = Date.parse(trimmed);
  return Number.isFinite(at) ? Math.max(0, at - now.getTime()) : undefined;
}

/**
 * The one rate-limit rule: 429, and 503 with Retry-After (a 503 without it is a failure like any
 * 5xx), is a {@link RateLimitedError} that waits for Retry-After, else the reset header, else
 * `fallbackMs`, clamped to [1 minute, 24 hours]; so is any answer whose body the poller read as
 * a rate limit (`bodySaysLimited`: YouTube's 403 `rateLimitExceeded`). Undefined for any other
 * answer. The body is discarded.
 */
export async function rateLimited(
  res: Response,
  now: Date,
  limits: RateLimits,
  what: string,
  detail = '',
  bodySaysLimited = false,
): Promise<RateLimitedError | undefined> {
  const retryAfter = res.headers.get('retry-after');
  if (!bodySaysLimited && res.status !== 429 && !(res.status === 503 && retryAfter)) return undefined;
  await discard(res);
  const reset = resetWaitMs(header(res, limits.reset)?.value, now);
  return new RateLimitedError(
    clampWaitMs(retryAfterMs(retryAfter, now, reset ?? limits.fallbackMs), limits.fallbackMs),
    `${what} answered ${res.status}${detail}`,
  );
}

/** Throws the {@link rateLimited} error of a rate-limited answer; any other answer is left alone. */
export async function throwIfRateLimited(
  res: Response,
  now: Date,
  limits: RateLimits,
  what: string,
  detail = '',
): Promise<void> {
  const limited = await rateLimited(res, now, limits, what, detail);
  if (limited) throw limited;
}

/** Throws for an answer that is not a success: a rate limit as {@link rateLimited}, any other as an Error naming the status; the body is discarded unread. */
export async function failUnlessOk(
  res: Response,
  now: Date,
  limits: RateLimits,
  what: string,
  detail = '',
): Promise<void> {
  if (res.ok) return;
  await throwIfRateLimited(res, now, limits, what, detail);
  await discard(res);
  throw new Error(`${what} answered ${res.status}${detail}`);
}

/**
 * Whether a good answer says the quota is spent (the remaining header below 1): the wait until
 * the reset header (else `fallbackMs`, clamped as above) and the reason, for the page walk to
 * deliver the page and then stop. Undefined while requests remain or the header is absent.
 */
export function quotaSpent(
  res: Response,
  now: Date,
  limits: RateLimits,
  what: string,
): { retryAfterMs: number; reason: string } | undefined {
  const remaining = header(res, limits.remaining);
  const left = remaining ? Number(remaining.value) : Number.NaN;
  if (!remaining || !Number.isFinite(left) || left >= 1) return undefined;
  return {
    retryAfterMs: clampWaitMs(resetWaitMs(header(res, limits.reset)?.value, now), limits.fallbackMs),
    reason: `${what} rate limit used up (${remaining.name}: 0)`,
  };
}

// ---- Stored cursors ----

/**
 * The one stored-cursor policy: a cursor the poller itself stored that no longer reads (an older
 * format after a deployment, a damaged item) is dropped with a warning, and the poll starts as
 * that target's first poll does (the newest page, or its backfill window), while `seen` keeps
 * anything delivered before from being emitted twice. Not an Error: failing would stop the
 * target until someone deleted its state — which starts it afresh the same way, only later and
 * with more missed. Starting as a first poll never floods (a first poll reads a bounded window).
 */
export function readStoredCursor<S extends z.ZodType>(
  schema: S,
  text: string | undefined,
  what: string,
  log: PollLog | undefined,
  format: 'json' | 'text' = 'json',
): z.output<S> | undefined {
  if (text === undefined || text === '') return undefined;
  const result = schema.safeParse(format === 'json' ? parseJsonPrecise(text) : text);
  if (result.success) return result.data;
  log?.('warn', `${what}: the stored cursor is unreadable; polling starts again as a first poll`);
  return undefined;
}
