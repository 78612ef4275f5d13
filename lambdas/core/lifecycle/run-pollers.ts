import pLimit from 'p-limit';
import { parseDurationMs } from '../config/duration.js';
import type { PlatformId } from '../engagement/platform-ids.js';
import type { IntakeDelivery } from '../intake/delivery.js';
import type { PlatformSecret } from '../platforms/adapter.js';
import { RateLimitedError, type Poller, type PollState, type PollTarget } from '../polling/poller.js';
import type { HealthRecorder } from '../ports/health-recorder.js';
import type { PollStateStore } from '../ports/poll-state-store.js';

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

/**
 * Polls every target that is due (its `every` has passed and no backoff holds it), at most four
 * at a time. For each page a poller yields, the events are enqueued into the intake queue first
 * and the page's state stored after, so a failure part-way resumes after the last delivered page.
 * If storing the state itself fails, the next poll emits those items again and the process
 * function's conditional write on the engagement id keeps them from reaching a department twice.
 */
export async function runPollers(targets: readonly PollTarget[], deps: RunPollersDependencies): Promise<TargetOutcome[]> {
  const limit = pLimit(4);
  const log = deps.log ?? (() => undefined);
  const outcomes = await Promise.all(
    targets.map((target) =>
      limit(async (): Promise<TargetOutcome> => {
        const outcome: TargetOutcome = { platform: target.platform, target: target.id, status: 'polled', emitted: 0 };
        const poller = deps.pollerFor(target.platform);
        if (!poller) return { ...outcome, status: 'failed', error: `no poller for platform "${target.platform}"` };
        const now = deps.now();
        let state: PollState = await deps.state.get(target.platform, target.id);
        if (!isDue(target, state, now)) return { ...outcome, status: 'not-due' };
        let secret: PlatformSecret | undefined;
        try {
          secret = deps.secretFor ? await deps.secretFor(target.platform) : undefined;
          for await (const page of poller.poll(target, state, { fetch: deps.fetch, now, secret })) {
            for (let i = 0; i < page.events.length; i += EVENTS_PER_MESSAGE) {
              await deps.enqueue({ v: 1, platform: target.platform, receivedAt: now.toISOString(), headers: {}, events: page.events.slice(i, i + EVENTS_PER_MESSAGE), source: `poll:${target.id}` });
            }
            outcome.emitted += page.events.length;
            state = { ...page.state, lastPolledAt: now.toISOString(), consecutiveFailures: 0, nextPollAfter: undefined, lastError: undefined };
            await deps.state.put(target.platform, target.id, state);
          }
          return outcome;
        } catch (err) {
          const message = redactSecrets((err as Error).message, secret);
          const failures = (state.consecutiveFailures ?? 0) + 1;
          const limited = err instanceof RateLimitedError;
          const waitMs = limited ? err.retryAfterMs : backoffMs(failures);
          await deps.state.put(target.platform, target.id, {
            ...state,
            consecutiveFailures: limited ? (state.consecutiveFailures ?? 0) : failures,
            nextPollAfter: new Date(now.getTime() + waitMs).toISOString(),
            lastError: message,
          });
          log(limited ? 'warn' : 'error', limited ? 'poll target is rate limited' : 'poll failed', { platform: target.platform, target: target.id, error: message, retryInMs: waitMs });
          return { ...outcome, status: limited ? 'rate-limited' : 'failed', error: message };
        }
      }),
    ),
  );
  const at = deps.now().toISOString();
  for (const o of outcomes) {
    if (o.status === 'not-due' || !deps.health) continue;
    const result = o.status === 'polled' ? 'ok' : o.status === 'rate-limited' ? 'rate-limited' : 'failed';
    await deps.health.polled(o.platform, o.target, at, { result, emitted: o.emitted, ...(o.error && result === 'failed' ? { error: o.error } : {}) }).catch((err: Error) => log('warn', 'connector health not recorded', { error: err.message }));
  }
  return outcomes;
}

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
  for (const value of Object.values(secret ?? {})) if (value.length >= 4) out = out.replaceAll(value, '***');
  return out;
}
