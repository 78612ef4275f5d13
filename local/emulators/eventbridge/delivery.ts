import type { DeliveryCounters, EventEnvelope, Target } from './types.js';

/** A failed delivery, classified with the ERROR_CODE EventBridge writes on DLQ messages. */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';

  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface DeliveryRequest {
  targetArn: string;
  body: string;
  event: EventEnvelope;
  /** SQS message attributes (string values), used for DLQ messages. */
  messageAttributes?: Record<string, string>;
  /** FIFO queues need a group; EventBridge takes it from SqsParameters. */
  messageGroupId?: string;
}

/** Sends one payload to one target ARN; throws a {@link DeliveryError} (or any error, treated as retryable). */
export type TargetDeliverer = (request: DeliveryRequest) => Promise<void>;

export interface RetrySettings {
  /** First retry delay; doubles each attempt. Tests set a few milliseconds. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Randomize each delay between half and all of it, as EventBridge's back-off does. */
  jitter: boolean;
}

export const DEFAULT_RETRY: RetrySettings = { baseDelayMs: 1000, maxDelayMs: 300_000, jitter: true };
const DEFAULT_MAX_RETRY_ATTEMPTS = 185;
const DEFAULT_MAX_EVENT_AGE_SECONDS = 86_400;

/** One (event, target) pair to deliver; the target is a snapshot taken when the event matched. */
export interface DeliveryJob {
  /** Jobs with the same channel are delivered one at a time, in order. */
  channel: string;
  ruleArn: string;
  target: Target;
  event: EventEnvelope;
  body: string;
  /** Epoch ms when PutEvents accepted the event; MaximumEventAgeInSeconds counts from here. */
  ingestedAt: number;
}

export interface DeliverySchedulerOptions {
  /** Finds the deliverer for a target ARN; undefined when that kind of target is not supported. */
  delivererFor: (arn: string) => TargetDeliverer | undefined;
  retry?: Partial<RetrySettings>;
  now?: () => number;
  /** Told about failures in words (rule, target, code), never payloads. */
  log?: (message: string) => void;
}

type Failure = { code: string; message: string; retryable: boolean };

/**
 * Delivers matched events to targets asynchronously: PutEvents returns before delivery. Each
 * target is a channel served in order; a retryable failure is retried with exponential back-off
 * (holding back later events of that channel, which keeps them ordered) until the target's
 * RetryPolicy is exhausted. Then, or at once for non-retryable errors, the event goes to the
 * target's DeadLetterConfig queue, or is dropped and counted.
 */
export class DeliveryScheduler {
  readonly counters: Pick<DeliveryCounters, 'delivered' | 'retried' | 'deadLettered' | 'dropped'> = {
    delivered: 0,
    retried: 0,
    deadLettered: 0,
    dropped: 0,
  };

  private readonly channels = new Map<string, DeliveryJob[]>();
  private readonly retry: RetrySettings;
  private readonly now: () => number;
  private readonly timers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  private drainWaiters: Array<() => void> = [];
  private pending = 0;
  private closed = false;

  constructor(private readonly options: DeliverySchedulerOptions) {
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.now = options.now ?? Date.now;
  }

  enqueue(job: DeliveryJob): void {
    if (this.closed) return;
    this.pending += 1;
    const queue = this.channels.get(job.channel);
    if (queue) {
      queue.push(job);
      return;
    }
    this.channels.set(job.channel, [job]);
    setImmediate(() => void this.serve(job.channel));
  }

  /** Resolves once nothing is pending (delivered, dead-lettered or dropped), or the scheduler closed. */
  drain(): Promise<void> {
    if (this.pending === 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Number of (event, target) pairs not yet settled. */
  get pendingCount(): number {
    return this.pending;
  }

  /** Stops delivering: pending retries are abandoned and drain() waiters released. */
  close(): void {
    this.closed = true;
    for (const { timer, wake } of this.timers) {
      clearTimeout(timer);
      wake();
    }
    this.timers.clear();
    this.channels.clear();
    this.settle(this.pending);
  }

  private async serve(channel: string): Promise<void> {
    const queue = this.channels.get(channel);
    while (queue && queue.length > 0 && !this.closed) {
      const job = queue[0] as DeliveryJob;
      await this.deliverWithRetries(job);
      queue.shift();
      if (!this.closed) this.settle(1);
    }
    if (!this.closed) this.channels.delete(channel);
  }

  private async deliverWithRetries(job: DeliveryJob): Promise<void> {
    const maxAttempts = job.target.RetryPolicy?.MaximumRetryAttempts ?? DEFAULT_MAX_RETRY_ATTEMPTS;
    const maxAgeMs = (job.target.RetryPolicy?.MaximumEventAgeInSeconds ?? DEFAULT_MAX_EVENT_AGE_SECONDS) * 1000;
    for (let retries = 0; ; retries += 1) {
      const failure = await this.attempt(job);
      if (failure === undefined) {
        this.counters.delivered += 1;
        return;
      }
      if (this.closed) return;
      if (!failure.retryable) {
        await this.deadLetter(job, failure, retries, undefined);
        return;
      }
      if (retries >= maxAttempts) {
        await this.deadLetter(job, failure, retries, 'MaximumRetryAttempts');
        return;
      }
      const delay = this.backoff(retries + 1);
      if (this.now() + delay - job.ingestedAt > maxAgeMs) {
        await this.deadLetter(job, failure, retries, 'MaximumEventAgeInSeconds');
        return;
      }
      await this.sleep(delay);
      if (this.closed) return;
      this.counters.retried += 1;
    }
  }

  private async attempt(job: DeliveryJob): Promise<Failure | undefined> {
    const deliver = this.options.delivererFor(job.target.Arn);
    if (!deliver) {
      return {
        code: 'NO_RESOURCE',
        message: `Target ${job.target.Arn} is of a kind the local EventBridge cannot deliver to.`,
        retryable: false,
      };
    }
    try {
      await deliver({
        targetArn: job.target.Arn,
        body: job.body,
        event: job.event,
        messageGroupId: job.target.SqsParameters?.MessageGroupId,
      });
      return undefined;
    } catch (error) {
      return toFailure(error);
    }
  }

  private async deadLetter(
    job: DeliveryJob,
    failure: Failure,
    retries: number,
    exhausted: string | undefined,
  ): Promise<void> {
    const where = `rule ${job.ruleArn}, target ${job.target.Id}`;
    const dlqArn = job.target.DeadLetterConfig?.Arn;
    const deliver = dlqArn ? this.options.delivererFor(dlqArn) : undefined;
    if (!dlqArn || !deliver) {
      this.counters.dropped += 1;
      this.options.log?.(
        `EventBridge dropped event ${job.event.id} (${where}): ${failure.code}${dlqArn ? '; its DLQ is not an SQS queue' : ', no DLQ configured'}.`,
      );
      return;
    }
    try {
      await deliver({
        targetArn: dlqArn,
        body: JSON.stringify(job.event),
        event: job.event,
        messageAttributes: {
          RULE_ARN: job.ruleArn,
          TARGET_ARN: job.target.Arn,
          ERROR_CODE: failure.code,
          ERROR_MESSAGE: failure.message,
          // EventBridge writes all six attributes; for errors it never retries, no retry budget applied.
          EXHAUSTED_RETRY_CONDITION: exhausted ?? 'MaximumRetryAttempts',
          RETRY_ATTEMPTS: String(retries),
        },
      });
      this.counters.deadLettered += 1;
      this.options.log?.(`EventBridge sent event ${job.event.id} to its DLQ (${where}): ${failure.code}.`);
    } catch (error) {
      this.counters.dropped += 1;
      this.options.log?.(
        `EventBridge dropped event ${job.event.id} (${where}): ${failure.code}, and its DLQ failed too (${toFailure(error).code}).`,
      );
    }
  }

  private backoff(attempt: number): number {
    const full = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return this.retry.jitter ? full / 2 + Math.random() * (full / 2) : full;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.timers.delete(entry);
          resolve();
        }, ms),
        wake: resolve,
      };
      this.timers.add(entry);
    });
  }

  private settle(count: number): void {
    this.pending = Math.max(0, this.pending - count);
    if (this.pending > 0 && !this.closed) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function toFailure(error: unknown): Failure {
  if (error instanceof DeliveryError) return { code: error.code, message: error.message, retryable: error.retryable };
  return { code: 'UNKNOWN', message: error instanceof Error ? error.message : String(error), retryable: true };
}
