import type { Engagement } from '../../engagement/engagement.schema.js';

/** Outcome of publishing a set of engagements: which ids the bus accepted and which it did not. */
export interface PublishResult {
  published: string[];
  failed: { id: string; errorCode: string; errorMessage?: string }[];
}

/** Options of {@link EventPublisher.publish}. */
export interface PublishOptions {
  /** Epoch ms after which no further call is made: what is left is reported failed (`DeadlineReached`). */
  deadline?: number;
}

/** Publishes "Engagement Routed" events (EventBridge on AWS and in the local twin). */
export interface EventPublisher {
  publish(engagements: Engagement[], options?: PublishOptions): Promise<PublishResult>;
}
