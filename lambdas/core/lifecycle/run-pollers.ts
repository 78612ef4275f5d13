import pLimit from 'p-limit';
import { parseDurationMs } from '../config/duration.js';
import type { PlatformId } from '../engagement/platform-ids.js';
import type { IntakeDelivery } from '../intake/delivery.js';
import type { PlatformSecret } from '../platforms/adapter.js';
import {
  clampWaitMs,
  RateLimitedError,
  type Poller,
  type PollLog,
  type PollState,
  type PollTarget,
} from '../polling/poller.js';
import type { HealthRecorder } from './ports/health-recorder.js';
import type { PollStateStore } from './ports/poll-state-store.js';

/** Events per intake message, so a large page never exceeds the queue's message size. */
const EVENTS_PER_MESSAGE = 50;
/** Failure backoff: doubles from one minute, at most an hour. */
const backoffMs = (failures: number) => Math.min(60 * 60_000, 60_000 * 2 ** Math.max(0, failures - 1));

/** What running the pollers needs from the outside world. */
export interface RunPollersDependencies {
  pollerFor(platform: string): Poller | undefined;
  state: PollStateStore;
  enqueue(delivery: IntakeDelivery): Promise<void>;
  fetch: typeof fetch;
  now(): Date;
  secretFor?(platform: PlatformId): Promise<PlatformSecret>;
  /** Told how each poll ended (not of targets that were not due). */
  health?: HealthRecorder;
  /** When the run must be over (the Lambda's remaining time, less a margin). */
  deadline?: Date;
  log?(level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>): void;
}

/** How one target's poll ended. */
export interface TargetOutcome {
  platform: string;
  target: string;
  status: 'polled' | 'not-due' | 'rate-limited' | 'failed';
  emitted: number;
  error?: string;
}

/** Longest a single HTTP request of a poller may take. */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Polls every target that is due (its `every` has passed and no backoff holds it), at most four
 * at a time, most overdue first. For each page a poller yields, the events are enqueued into the
 * intake queue first and the page's state stored after, so a failure part-way resumes after the
 * last delivered page. If storing the state fails, the next poll emits those items again and the
 * process function's conditional write on the engagement id keeps them from reaching a
 * department twice.
 *
 * One target's failure never affects another's: everything a target does (reading its state
 * included) is inside its own error handling, and each target's health is recorded as it ends.
 * With a `deadline` (the Lambda's remaining time), no target starts after it and every request
 * is aborted at it (each request also times out after ten seconds); pages already delivered stay
 * delivered.
 */
export async function runPollers(
  targets: readonly PollTarget[],
  deps: RunPollersDependencies,
): Promise<TargetOutcome[]> {
  const limit = pLimit(4);
  const log = deps.log ?? (() => undefined);
  const deadline = deps.deadline
    ? AbortSignal.timeout(Math.max(0, deps.deadline.getTime() - deps.now().getTime()))
    : undefined;
  const signal = () =>
    deadline
      ? AbortSignal.any([deadline, AbortSignal.timeout(REQUEST_TIMEOUT_MS)])
      : AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  // Every request of a poll gets the deadline and a per-request timeout, whatever the poller passes.
  const fetchWithin: typeof fetch = (input, init) =>
    deps.fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal()]) : signal() });

  const record = async (o: TargetOutcome) => {
    if (o.status === 'not-due' || !deps.health) return;
    const result = o.status === 'polled' ? 'ok' : o.status === 'rate-limited' ? 'rate-limited' : 'failed';
    await deps.health
      .polled(o.platform, o.target, deps.now().toISOString(), {
        result,
        emitted: o.emitted,
        ...(o.error && result === 'failed' ? { error: o.error } : {}),
      })
      .catch((err: Error) => log('warn', 'connector health not recorded', { error: err.message }));
  };

  const pollOne = async (target: PollTarget, state: PollState): Promise<TargetOutcome> => {
    const outcome: TargetOutcome = { platform: target.platform, target: target.id, status: 'polled', emitted: 0 };
    const poller = deps.pollerFor(target.platform);
    if (!poller) return { ...outcome, status: 'failed', error: `no poller for platform "${target.platform}"` };
    if (deps.deadline && deps.now().getTime() >= deps.deadline.getTime()) return { ...outcome, status: 'not-due' };
    const now = deps.now();
    let delivered = state;
    let secret: PlatformSecret | undefined;
    try {
      secret = deps.secretFor ? await deps.secretFor(target.platform) : undefined;
      const pollLog: PollLog = (level, message, data) =>
        log(level, message, { platform: target.platform, target: target.id, ...data });
      for await (const page of poller.poll(target, state, {
        fetch: fetchWithin,
        now,
        secret,
        log: pollLog,
        ...(deadline ? { signal: deadline } : {}),
      })) {
        for (let i = 0; i < page.events.length; i += EVENTS_PER_MESSAGE) {
          await deps.enqueue({
            v: 1,
            platform: target.platform,
            receivedAt: now.toISOString(),
            headers: {},
            events: page.events.slice(i, i + EVENTS_PER_MESSAGE),
            source: `poll:${target.id}`,
          });
        }
        outcome.emitted += page.events.length;
        const next = {
          ...page.state,
          lastPolledAt: now.toISOString(),
          consecutiveFailures: 0,
          nextPollAfter: undefined,
          lastError: undefined,
        };
        await deps.state.put(target.platform, target.id, next);
        delivered = next; // only what was stored counts as where to resume
      }
      return outcome;
    } catch (err) {
      const message = redactSecrets(err instanceof Error ? err.message : String(err), secret);
      const limited = err instanceof RateLimitedError;
      const failures = (delivered.consecutiveFailures ?? 0) + (limited ? 0 : 1);
      const waitMs = limited ? clampWaitMs(err.retryAfterMs) : backoffMs(failures);
      try {
        await deps.state.put(target.platform, target.id, {
          ...delivered,
          consecutiveFailures: failures,
          nextPollAfter: new Date(now.getTime() + waitMs).toISOString(),
          lastError: message,
        });
      } catch (putErr) {
        log('error', 'poll state not stored after a failure', {
          platform: target.platform,
          target: target.id,
          error: (putErr as Error).message,
        });
      }
      log(limited ? 'warn' : 'error', limited ? 'poll target is rate limited' : 'poll failed', {
        platform: target.platform,
        target: target.id,
        error: message,
        retryInMs: waitMs,
      });
      return { ...outcome, status: limited ? 'rate-limited' : 'failed', error: message };
    }
  };

  // States first (one read each), so the most overdue targets are polled first when time is short.
  const states = await Promise.all(
    targets.map(async (target) => {
      try {
        return { target, state: await deps.state.get(target.platform, target.id) };
      } catch (err) {
        return { target, error: (err as Error).message };
      }
    }),
  );
  const now = deps.now();
  const due = states.filter((s) => s.error !== undefined || isDue(s.target, s.state ?? {}, now));
  due.sort(
    (a, b) => Date.parse(a.state?.lastPolledAt ?? '1970-01-01') - Date.parse(b.state?.lastPolledAt ?? '1970-01-01'),
  );
  const outcomes = new Map<PollTarget, TargetOutcome>();
  await Promise.all(
    due.map(({ target, state, error }) =>
      limit(async () => {
        const o =
          error !== undefined
            ? {
                platform: target.platform,
                target: target.id,
                status: 'failed' as const,
                emitted: 0,
                error: `poll state could not be read: ${error}`,
              }
            : await pollOne(target, state ?? {});
        outcomes.set(target, o);
        await record(o);
      }),
    ),
  );
  return targets.map((t) => outcomes.get(t) ?? { platform: t.platform, target: t.id, status: 'not-due', emitted: 0 });
}

/** A source's requested wait, made finite (else 15 minutes) and bounded: at least a minute, at most a day. */
export { clampWaitMs };

function isDue(target: PollTarget, state: PollState, now: Date): boolean {
  if (state.nextPollAfter && Date.parse(state.nextPollAfter) > now.getTime()) return false;
  if (!state.lastPolledAt) return true;
  const every = parseDurationMs(target.every) ?? 15 * 60_000;
  return now.getTime() - Date.parse(state.lastPolledAt) >= every;
}

/**
 * Error messages end up in poll state, health items and logs: credentials in URLs (user info,
 * query strings such as `?key=`) and any value of the platform's secret are masked first.
 */
export function redactSecrets(message: string, secret?: PlatformSecret): string {
  let out = message.replace(/(https?:\/\/)[^\s/@]+@/gi, '$1***@').replace(/(https?:\/\/[^\s?#]+)\?[^\s#]*/gi, '$1?***');
  for (const value of Object.values(secret ?? {}))
    if (typeof value === 'string' && value.length >= 4) out = out.replaceAll(value, '***');
  return out;
}
