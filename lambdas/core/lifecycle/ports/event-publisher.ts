import type { Engagement } from '../../engagement/engagement.schema.js';

/**
 * A lifecycle event as the table keeps it (an `EVENT#` item): published as it was written.
 * `id` is {@link storedEventId} of its engagement and key.
 */
export interface StoredEvent {
  id: string;
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
}

/** What the publish function publishes: an engagement ("Engagement Routed") or a stored lifecycle event. */
export type Publishable = Engagement | StoredEvent;

/** Whether it is a stored lifecycle event rather than an engagement. */
export const isStoredEvent = (p: Publishable): p is StoredEvent => 'detailType' in p;

/**
 * The id a stored lifecycle event is published, handed off and redriven under: its engagement's
 * id and its key, as a JSON pair (an engagement id never starts with "[", so the two kinds of id
 * cannot be mistaken for each other).
 */
export const storedEventId = (engagementId: string, key: string): string => JSON.stringify([engagementId, key]);

/** The engagement id and key of a {@link storedEventId}, or undefined for an engagement's id. */
export function parseStoredEventId(id: string): { engagementId: string; key: string } | undefined {
  if (!id.startsWith('[')) return undefined;
  try {
    const [engagementId, key] = JSON.parse(id) as unknown[];
    return typeof engagementId === 'string' && typeof key === 'string' ? { engagementId, key } : undefined;
  } catch {
    return undefined;
  }
}

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

/** Publishes "Engagement Routed" and lifecycle events (EventBridge on AWS and in the local twin). */
export interface EventPublisher {
  publish(items: Publishable[], options?: PublishOptions): Promise<PublishResult>;
}
