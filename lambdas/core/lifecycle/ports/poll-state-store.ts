import type { PollState } from '../../polling/poller.js';

/** Where pollers keep their cursors and conditional-request state (DynamoDB on AWS and in the twin). */
export interface PollStateStore {
  get(platform: string, targetId: string): Promise<PollState>;
  put(platform: string, targetId: string, state: PollState): Promise<void>;
}
