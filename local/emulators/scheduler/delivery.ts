import type { JsonObject } from '../aws-json-server.js';
import { describeError } from './errors.js';
import { type RetryLimits, retryLimitsOf } from './retry-policy.js';
import type { SchedulerDeliverySource, SchedulerDeliveryTarget, SchedulerOptions } from './types.js';

/** What invocations need from the emulator's options. */
export interface InvokerOptions {
  deliver: SchedulerOptions['deliver'];
  log: (line: string) => void;
  now: () => number;
  retryDelaysMs: readonly number[];
}

/**
 * Runs invocations: delivery to the target, retries per its RetryPolicy, then its dead-letter
 * queue or a logged drop. Counts the invocations in flight so that tests and the twin can drain.
 */
export class Invoker {
  #inFlight = 0;
  #drainWaiters: Array<() => void> = [];
  readonly #sleeps = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  #closed = false;

  constructor(private readonly options: InvokerOptions) {}

  /** Invocations being delivered, retried or dead-lettered. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Resolves when no invocation is in flight (or the invoker stopped). */
  drain(): Promise<void> {
    if (this.#inFlight === 0 || this.#closed) return Promise.resolve();
    return new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
  }

  /**
   * One invocation of `target` (as the schedule stores it). Resolves when it is over;
   * `onCompleted` runs first, unless the invoker stopped meanwhile, so that drain() sees its effect.
   */
  async invoke(target: JsonObject, source: SchedulerDeliverySource, onCompleted?: () => void): Promise<void> {
    this.#inFlight += 1;
    try {
      const delivery = deliveryTargetOf(target);
      const given = await this.#deliverWithRetries(delivery, retryLimitsOf(target, this.options.retryDelaysMs), source);
      if (given !== undefined) await this.#deadLetter(target, delivery, source, given);
    } finally {
      if (!this.#closed) onCompleted?.();
      this.#settle();
    }
  }

  /** Abandons retries (their sleeps end at once) and releases drain() waiters. */
  stop(): void {
    this.#closed = true;
    for (const { timer, wake } of this.#sleeps) {
      clearTimeout(timer);
      wake();
    }
    this.#sleeps.clear();
    this.#releaseDrainWaiters();
  }

  /** Delivers until it works; when it gives up, answers why (for the log), else undefined. */
  async #deliverWithRetries(
    delivery: SchedulerDeliveryTarget,
    limits: RetryLimits,
    source: SchedulerDeliverySource,
  ): Promise<string | undefined> {
    const started = this.options.now();
    for (let retries = 0; ; retries += 1) {
      let failure: unknown;
      try {
        // A fresh object each attempt: a deliverer that keeps or changes it sees only its own.
        await this.options.deliver({ ...delivery }, source);
        return undefined;
      } catch (error) {
        failure = error;
      }
      if (this.#closed) return undefined;
      const delay = this.options.retryDelaysMs[retries];
      const exhausted = this.#exhausted(failure, retries, delay, limits, started);
      if (exhausted !== undefined) {
        return `${describeError(failure)} (${retries + 1} attempt(s), stopped by ${exhausted})`;
      }
      await this.#sleep(delay as number);
      if (this.#closed) return undefined;
    }
  }

  /** What stops the retries after a failure, if anything: the limit that is reached. */
  #exhausted(
    failure: unknown,
    retries: number,
    delay: number | undefined,
    limits: RetryLimits,
    started: number,
  ): string | undefined {
    // The EventBridge deliverers' DeliveryError says when retrying cannot help.
    if ((failure as { retryable?: unknown } | null)?.retryable === false) return 'a non-retryable error';
    if (retries >= limits.maxRetries || delay === undefined) return 'MaximumRetryAttempts';
    if (this.options.now() + delay - started > limits.maxAgeMs) return 'MaximumEventAgeInSeconds';
    return undefined;
  }

  /** Sends a given-up invocation to the target's DLQ (same input), or logs the drop. */
  async #deadLetter(
    target: JsonObject,
    delivery: SchedulerDeliveryTarget,
    source: SchedulerDeliverySource,
    reason: string,
  ): Promise<void> {
    const { log } = this.options;
    const where = `schedule ${source.groupName}/${source.name}, target ${delivery.arn}`;
    const dlq = (target.DeadLetterConfig as JsonObject | undefined)?.Arn;
    if (typeof dlq !== 'string') {
      log(`Scheduler dropped an invocation (${where}): ${reason}; no DLQ configured.`);
      return;
    }
    try {
      await this.options.deliver({ ...delivery, arn: dlq }, source);
      log(`Scheduler sent an invocation to its DLQ ${dlq} (${where}): ${reason}.`);
    } catch (error) {
      log(`Scheduler dropped an invocation (${where}): ${reason}; its DLQ ${dlq} failed too: ${describeError(error)}.`);
    }
  }

  /** Waits before a retry; stop() ends the wait at once. */
  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.#sleeps.delete(entry);
          resolve();
        }, ms),
        wake: resolve,
      };
      entry.timer.unref();
      this.#sleeps.add(entry);
    });
  }

  #settle(): void {
    this.#inFlight -= 1;
    if (this.#inFlight > 0) return;
    this.#releaseDrainWaiters();
  }

  #releaseDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** What `deliver` receives for a stored target. */
function deliveryTargetOf(target: JsonObject): SchedulerDeliveryTarget {
  return {
    arn: target.Arn as string,
    input: typeof target.Input === 'string' ? target.Input : undefined,
    roleArn: typeof target.RoleArn === 'string' ? target.RoleArn : undefined,
  };
}
