import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { ENGAGEMENT_ROUTED } from '../core/engagement/engagement-routed.js';
import {
  type EventPublisher,
  isStoredEvent,
  type Publishable,
  type PublishOptions,
  type PublishResult,
} from '../core/lifecycle/ports/event-publisher.js';

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
  /**
   * Byte budget of one PutEvents call, counted as EventBridge does (Source + DetailType +
   * Detail + Resources). AWS allows 1 MB since January 2026; the default stays at the
   * historical 256 KB so older regions and quotas are safe. @default 262144
   */
  maxRequestBytes?: number;
}

type Pending = { id: string; entry: PutEventsRequestEntry; bytes: number };

/**
 * Publishes "Engagement Routed" and lifecycle events in calls of at most ten entries and
 * {@link PublisherOptions.maxRequestBytes} bytes. PutEvents reports failures per entry
 * (`FailedEntryCount`) rather than throwing, so each response is checked and only the failed,
 * retryable entries are sent again: the one kind of retry the SDK cannot do. A whole call that
 * fails (throttled, a server error, a timeout) is the SDK's to retry, with the client's
 * `maxAttempts` and request timeout, and its entries are reported as failed once it gives up.
 * An entry larger than the budget fails on its own without a call.
 */
export class EventBridgePublisher implements EventPublisher {
  private readonly maxAttempts: number;
  private readonly backoffBaseMs: number;
  private readonly maxRequestBytes: number;

  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBusName: string,
    options: PublisherOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 4;
    this.backoffBaseMs = options.backoffBaseMs ?? 100;
    this.maxRequestBytes = options.maxRequestBytes ?? 256 * 1024;
  }

  async publish(engagements: Publishable[], options: PublishOptions = {}): Promise<PublishResult> {
    const result: PublishResult = { published: [], failed: [] };
    let pending: Pending[] = [];
    for (const e of engagements) {
      const entry = this.entry(e);
      const bytes = Buffer.byteLength(`${entry.Source}${entry.DetailType}${entry.Detail}`, 'utf8');
      if (bytes > this.maxRequestBytes)
        result.failed.push({
          id: e.id,
          errorCode: 'EntryTooLarge',
          errorMessage: `event is ${bytes} bytes; the limit is ${this.maxRequestBytes}`,
        });
      else pending.push({ id: e.id, entry, bytes });
    }
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 1) await sleep(Math.random() * this.backoffBaseMs * 2 ** (attempt - 2));
      // Past the deadline nothing more is sent: what is left fails now, so the caller can hand it
      // on before its function times out (a function that dies after a PutEvents that went
      // through has its batch delivered again, and publishes it twice).
      if (options.deadline !== undefined && Date.now() >= options.deadline) {
        for (const c of pending)
          result.failed.push({
            id: c.id,
            errorCode: 'DeadlineReached',
            errorMessage: 'no time left to publish it in this invocation',
          });
        break;
      }
      const last = attempt >= this.maxAttempts;
      const retry: Pending[] = [];
      // The calls of one round run together: one by one, a stalled bus would make a round of
      // ten calls last ten request timeouts.
      await Promise.all(
        [...this.chunks(pending)].map(async (chunk) => {
          try {
            const out = await this.client.send(new PutEventsCommand({ Entries: chunk.map((c) => c.entry) }));
            chunk.forEach((c, j) => {
              const r = out.Entries?.[j];
              if (r?.EventId && !r.ErrorCode) result.published.push(c.id);
              else if (!last && RETRYABLE.has(r?.ErrorCode ?? 'InternalFailure')) retry.push(c);
              else
                result.failed.push({ id: c.id, errorCode: r?.ErrorCode ?? 'Unknown', errorMessage: r?.ErrorMessage });
            });
          } catch (err) {
            // The SDK has already retried the call as far as its client allows.
            for (const c of chunk)
              result.failed.push({ id: c.id, errorCode: (err as Error).name, errorMessage: (err as Error).message });
          }
        }),
      );
      pending = retry;
    }
    return result;
  }

  private *chunks(pending: Pending[]): Generator<Pending[]> {
    let chunk: Pending[] = [];
    let bytes = 0;
    for (const p of pending) {
      if (chunk.length === MAX_ENTRIES || bytes + p.bytes > this.maxRequestBytes) {
        yield chunk;
        chunk = [];
        bytes = 0;
      }
      chunk.push(p);
      bytes += p.bytes;
    }
    if (chunk.length > 0) yield chunk;
  }

  private entry(item: Publishable): PutEventsRequestEntry {
    const stored = isStoredEvent(item);
    return {
      EventBusName: this.eventBusName,
      Source: stored ? item.source : ENGAGEMENT_ROUTED.source,
      DetailType: stored ? item.detailType : ENGAGEMENT_ROUTED.detailType,
      Detail: JSON.stringify(stored ? item.detail : item),
      Resources: [],
    };
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
