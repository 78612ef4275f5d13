import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { Engagement } from '../core/engagement/engagement.schema.js';
import type { EventPublisher, PublishResult } from '../core/ports/event-publisher.js';

/** Envelope of the event departments receive (DESIGN.md contract). */
export const ENGAGEMENT_ROUTED = { source: 'switchboard', detailType: 'Engagement Routed' } as const;

/** PutEvents takes at most 10 entries per call. */
const MAX_ENTRIES = 10;
/** Per-entry codes worth another try (PutEventsResultEntry docs); the rest will fail again. */
const RETRYABLE = new Set(['InternalFailure', 'ThrottlingException', 'InternalException', 'ServiceUnavailable']);

/** Options for {@link EventBridgePublisher}. */
export interface PublisherOptions {
  /** Attempts per entry, the first included. @default 4 */
  maxAttempts?: number;
  /** Base of the exponential backoff between attempts, in ms (full jitter). @default 100 */
  backoffBaseMs?: number;
}

/**
 * Publishes "Engagement Routed" events in batches of ten. PutEvents reports failures per entry
 * (`FailedEntryCount`) rather than throwing, so each response is checked and only the failed,
 * retryable entries are sent again; a whole-call error (throttling of the API itself) retries
 * the entries of that call.
 */
export class EventBridgePublisher implements EventPublisher {
  private readonly maxAttempts: number;
  private readonly backoffBaseMs: number;

  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBusName: string,
    options: PublisherOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 4;
    this.backoffBaseMs = options.backoffBaseMs ?? 100;
  }

  async publish(engagements: Engagement[]): Promise<PublishResult> {
    const result: PublishResult = { published: [], failed: [] };
    let pending = engagements.map((e) => ({ id: e.id, entry: this.entry(e) }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 1) await sleep(Math.random() * this.backoffBaseMs * 2 ** (attempt - 2));
      const retry: typeof pending = [];
      for (let i = 0; i < pending.length; i += MAX_ENTRIES) {
        const chunk = pending.slice(i, i + MAX_ENTRIES);
        const last = attempt >= this.maxAttempts;
        try {
          const out = await this.client.send(new PutEventsCommand({ Entries: chunk.map((c) => c.entry) }));
          chunk.forEach((c, j) => {
            const r = out.Entries?.[j];
            if (r?.EventId && !r.ErrorCode) result.published.push(c.id);
            else if (!last && RETRYABLE.has(r?.ErrorCode ?? 'InternalFailure')) retry.push(c);
            else result.failed.push({ id: c.id, errorCode: r?.ErrorCode ?? 'Unknown', errorMessage: r?.ErrorMessage });
          });
        } catch (err) {
          if (!last) retry.push(...chunk);
          else for (const c of chunk) result.failed.push({ id: c.id, errorCode: (err as Error).name, errorMessage: (err as Error).message });
        }
      }
      pending = retry;
    }
    return result;
  }

  private entry(engagement: Engagement): PutEventsRequestEntry {
    return {
      EventBusName: this.eventBusName,
      Source: ENGAGEMENT_ROUTED.source,
      DetailType: ENGAGEMENT_ROUTED.detailType,
      Detail: JSON.stringify(engagement),
      Resources: [],
    };
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
