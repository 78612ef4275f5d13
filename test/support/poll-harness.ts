import type { IntakeDelivery } from '#core/intake/delivery.js';
import { runPollers, type TargetOutcome } from '#core/lifecycle/run-pollers.js';
import type { NormalizedEvent, PlatformSecret } from '#core/platforms/adapter.js';
import type { Poller, PollLog, PollPage, PollState, PollTarget } from '#core/polling/poller.js';
import { MemoryPollState } from './memory-poll-state.js';
import type { ScriptedHttpServer } from './scripted-http-server.js';

/** A {@link PollLog} that keeps the warnings a poller reports (the messages only, as a reader of the log sees them). */
export function recordedLog(): { log: PollLog; warnings: string[] } {
  const warnings: string[] = [];
  return { log: (level, message) => void (level === 'warn' && warnings.push(message)), warnings };
}

/** A {@link recordedLog} for a test file, emptied before each test. */
export function recordedLogForTests(): { log: PollLog; warnings: string[] } {
  const recorded = recordedLog();
  beforeEach(() => void recorded.warnings.splice(0));
  return recorded;
}

/** What one direct poll produced: the pages yielded, the warnings reported and, if it ended in one, the error. */
export interface Polled {
  pages: PollPage[];
  events: NormalizedEvent[];
  /** The state of the last page yielded (the input state when none was). */
  state: PollState;
  warnings: string[];
  error?: Error;
}

/** Runs a poller to its end (or its error), keeping every page it yielded before failing. */
export async function pollOnce(
  poller: Poller,
  target: PollTarget,
  state: PollState,
  secret: PlatformSecret | undefined,
  now: Date,
): Promise<Polled> {
  const pages: PollPage[] = [];
  const { log, warnings } = recordedLog();
  const polled = (error?: Error): Polled => ({
    pages,
    events: pages.flatMap((p) => p.events),
    state: pages.at(-1)?.state ?? state,
    warnings,
    ...(error && { error }),
  });
  try {
    for await (const page of poller.poll(target, state, { fetch, now, log, ...(secret && { secret }) }))
      pages.push(page);
    return polled();
  } catch (err) {
    return polled(err as Error);
  }
}

/** The pages of a poll that must succeed (its error is thrown). */
export async function pollPages(
  poller: Poller,
  target: PollTarget,
  state: PollState,
  secret: PlatformSecret | undefined,
  now: Date,
): Promise<PollPage[]> {
  const { pages, error } = await pollOnce(poller, target, state, secret, now);
  if (error) throw error;
  return pages;
}

/** The runner with an in-memory state store and queue, as the poller Lambda runs it. */
export function pollRunner(poller: Poller, secret: PlatformSecret | undefined, store = new MemoryPollState()) {
  const enqueued: IntakeDelivery[] = [];
  return {
    store,
    enqueued,
    externalIds: () => enqueued.flatMap((d) => d.events?.map((e) => e.draft.externalId) ?? []),
    /** Polls the targets that are due at `at` (one target: its outcome first). */
    async runAll(targets: PollTarget[], at: Date): Promise<TargetOutcome[]> {
      return runPollers(targets, {
        pollerFor: (platform) => (platform === poller.platform ? poller : undefined),
        state: store,
        enqueue: async (d) => void enqueued.push(d),
        fetch,
        now: () => at,
        ...(secret && { secretFor: async () => secret }),
      });
    },
    async run(target: PollTarget, at: Date): Promise<TargetOutcome | undefined> {
      return (await this.runAll([target], at))[0];
    },
    state: (target: PollTarget) => store.states.get(`${target.platform}:${target.id}`),
  };
}

/** Serves each body in turn: the poll must fail with its message, never quoting `marker`, and emit nothing. */
export async function expectBodiesRefused(
  server: ScriptedHttpServer,
  poll: () => Promise<Polled>,
  marker: string,
  cases: readonly (readonly [string, RegExp])[],
): Promise<void> {
  for (const [body, message] of cases) {
    server.answer({ status: 200, body });
    const { error, events } = await poll();
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain(marker);
    expect(events).toEqual([]);
  }
}
