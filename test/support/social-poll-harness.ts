import type { IncomingMessage } from 'node:http';
import type { IntakeDelivery } from '../../lambdas/core/intake/delivery.js';
import { runPollers, type TargetOutcome } from '../../lambdas/core/lifecycle/run-pollers.js';
import type { NormalizedEvent, PlatformSecret } from '../../lambdas/core/platforms/adapter.js';
import type { Poller, PollPage, PollState, PollTarget } from '../../lambdas/core/polling/poller.js';
import type { PollStateStore } from '../../lambdas/core/ports/poll-state-store.js';

/** In-memory {@link PollStateStore} (the real one is DynamoDB). */
export class MemoryPollState implements PollStateStore {
  readonly states = new Map<string, PollState>();
  async get(platform: string, id: string): Promise<PollState> {
    return structuredClone(this.states.get(`${platform}:${id}`) ?? {});
  }
  async put(platform: string, id: string, state: PollState): Promise<void> {
    this.states.set(`${platform}:${id}`, structuredClone(state));
  }
}

/** What one direct poll produced: the pages yielded and, if it ended in one, the error. */
export interface Polled {
  pages: PollPage[];
  events: NormalizedEvent[];
  /** The state of the last page yielded (the input state when none was). */
  state: PollState;
  error?: Error;
}

/** Runs a poller to its end (or its error), keeping every page it yielded before failing. */
export async function pollOnce(poller: Poller, target: PollTarget, state: PollState, secret: PlatformSecret, now: Date): Promise<Polled> {
  const pages: PollPage[] = [];
  try {
    for await (const page of poller.poll(target, state, { fetch, now, secret })) pages.push(page);
    return { pages, events: pages.flatMap((p) => p.events), state: pages.at(-1)?.state ?? state };
  } catch (err) {
    return { pages, events: pages.flatMap((p) => p.events), state: pages.at(-1)?.state ?? state, error: err as Error };
  }
}

/** The runner with an in-memory state store and queue, as the poller Lambda runs it. */
export function pollRunner(poller: Poller, secret: PlatformSecret) {
  const store = new MemoryPollState();
  const enqueued: IntakeDelivery[] = [];
  return {
    store,
    enqueued,
    externalIds: () => enqueued.flatMap((d) => d.events?.map((e) => e.draft.externalId) ?? []),
    async run(target: PollTarget, at: Date): Promise<TargetOutcome | undefined> {
      const [outcome] = await runPollers([target], {
        pollerFor: (platform) => (platform === poller.platform ? poller : undefined),
        state: store,
        enqueue: async (d) => void enqueued.push(d),
        fetch,
        now: () => at,
        secretFor: async () => secret,
      });
      return outcome;
    },
    state: (target: PollTarget) => store.states.get(`${target.platform}:${target.id}`),
  };
}

/** The path and query of a recorded request, the query as a multi-map. */
export function requested(req: IncomingMessage | undefined): { path: string; query: URLSearchParams; headers: IncomingMessage['headers'] } {
  const url = new URL(req?.url ?? '/', 'http://loopback.invalid');
  return { path: url.pathname, query: url.searchParams, headers: req?.headers ?? {} };
}

/** The origin of a feed-server URL (its answers do not depend on the path). */
export const originOf = (url: string) => new URL(url).origin;
