import type { PollState } from '#core/polling/poller.js';
import type { PollStateStore } from '#core/lifecycle/ports/poll-state-store.js';

/** In-memory {@link PollStateStore} (the real one is DynamoDB); states are copied in and out, as a table would. */
export class MemoryPollState implements PollStateStore {
  readonly states = new Map<string, PollState>();
  async get(platform: string, id: string): Promise<PollState> {
    return structuredClone(this.states.get(`${platform}:${id}`) ?? {});
  }
  async put(platform: string, id: string, state: PollState): Promise<void> {
    this.states.set(`${platform}:${id}`, structuredClone(state));
  }
}
