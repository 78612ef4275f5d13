import type { PlatformId } from '../engagement/platform-ids.js';
import type { NormalizedEvent, PlatformSecret } from '../platforms/adapter.js';

/** Where a poller resumes: its own cursor plus HTTP conditional-request state, kept per target. */
export interface PollState {
  /** The poller's own position (a since-id, a page token, a timestamp). */
  cursor?: string;
  etag?: string;
  lastModified?: string;
  /** Keys of recently emitted items (with their version), so an item is emitted once. */
  seen?: string[];
  lastPolledAt?: string;
  /** Not polled again before this time (rate limit or failure backoff). */
  nextPollAfter?: string;
  consecutiveFailures?: number;
  lastError?: string;
}

/** One target of a poller, from `polling:` in the config; `id` keys its state. */
export interface PollTarget {
  platform: PlatformId;
  id: string;
  /** How often it is polled, ISO 8601 (PT15M). */
  every: string;
  [setting: string]: unknown;
}

/** Where a poller reports what is worth knowing but fails nothing (skipped items, a cursor started afresh). */
export type PollLog = (level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>) => void;

/** What a poller may use: HTTP (fetch), the clock, the platform's secret and the run's log. */
export interface PollContext {
  /** Already bounded by a per-request timeout and the run's deadline. */
  fetch: typeof fetch;
  now: Date;
  secret?: PlatformSecret;
  /** Aborts at the run's deadline: a poller may check it to stop between pages. */
  signal?: AbortSignal;
  /** The run's log (the runner adds the platform and target); none: nothing is reported. */
  log?: PollLog;
}

/** A page of a poll: the events found and the state to resume from after them. */
export interface PollPage {
  events: NormalizedEvent[];
  state: PollState;
}

/**
 * A source without push. `poll` yields pages; the runner enqueues each page's events and
 * stores its state before asking for the next, so a poll that fails part-way resumes after
 * the last page that was delivered and never emits it again.
 */
export interface Poller {
  readonly platform: PlatformId;
  /** Keys the platform's secret must hold for this poller (API tokens); none for public sources. */
  readonly secretKeys?: readonly string[];
  poll(target: PollTarget, state: PollState, context: PollContext): AsyncIterable<PollPage>;
}

/** The source asked to slow down (429, 503 with Retry-After, rate-limit headers). */
export class RateLimitedError extends Error {
  constructor(
    readonly retryAfterMs: number,
    message: string,
  ) {
    super(message);
    this.name = 'RateLimitedError';
  }
}

/** Shortest and longest wait a source may ask for (a reset in the past or years ahead is not trusted). */
export const MIN_WAIT_MS = 60_000;
export const MAX_WAIT_MS = 24 * 60 * 60_000;

/** A requested wait made finite and bounded to [1 minute, 24 hours]; absent or not finite → `fallbackMs` (bounded too). */
export function clampWaitMs(ms: number | undefined, fallbackMs = 15 * 60_000): number {
  const value = ms !== undefined && Number.isFinite(ms) ? ms : fallbackMs;
  return Math.min(MAX_WAIT_MS, Math.max(MIN_WAIT_MS, Number.isFinite(value) ? value : MIN_WAIT_MS));
}

/** Reads a Retry-After header (seconds or an HTTP date) as milliseconds from `now`. */
export function retryAfterMs(header: string | null, now: Date, fallbackMs: number): number {
  if (!header) return fallbackMs;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now.getTime()) : fallbackMs;
}
