import type { Invoker } from './delivery.js';
import { nextRateFireAt, timingOf } from './expressions.js';
import { keyOf, type StoredSchedule } from './records.js';
import type { ScheduleStore } from './store.js';

/** setTimeout fires at once for anything longer (2^31 − 1 ms, ~24.8 days): longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One timer per enabled schedule with an invocation to come. When it fires, a rate schedule moves
 * on to its next period; a one-time schedule is marked firing until its invocation is over, then
 * deleted or kept per ActionAfterCompletion.
 */
export class ScheduleFiring {
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #closed = false;

  constructor(
    private readonly store: ScheduleStore,
    private readonly invoker: Invoker,
    private readonly now: () => number,
  ) {}

  /** (Re)sets the schedule's timer for its nextFireAt; a schedule with nothing to come gets none. */
  arm(schedule: StoredSchedule): void {
    const key = keyOf(schedule.groupName, schedule.name);
    this.disarm(key);
    if (this.#closed || schedule.state !== 'ENABLED' || schedule.nextFireAt === undefined || schedule.firing) return;
    const { version } = schedule;
    const delay = Math.max(0, Math.min(schedule.nextFireAt - this.now(), MAX_TIMER_MS));
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      const current = this.store.schedules.get(key);
      if (!current || current.version !== version || current.nextFireAt === undefined) return;
      // Re-arm rather than fire early: after a capped wait, or when the clock moved back.
      if (current.nextFireAt > this.now()) this.arm(current);
      else this.#fire(current);
    }, delay);
    timer.unref();
    this.#timers.set(key, timer);
  }

  /** Clears the timer of the schedule with this key, if any. */
  disarm(key: string): void {
    const timer = this.#timers.get(key);
    if (timer) clearTimeout(timer);
    this.#timers.delete(key);
  }

  /** Arms every stored schedule (at start; those already due fire at once). */
  armAll(): void {
    for (const schedule of this.store.schedules.values()) this.arm(schedule);
  }

  /** Clears every timer; nothing is armed afterwards. */
  stop(): void {
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  #fire(schedule: StoredSchedule): void {
    const timing = timingOf(schedule.scheduleExpression, schedule.scheduleExpressionTimezone);
    const target = { ...schedule.target };
    const source = { name: schedule.name, groupName: schedule.groupName };
    if (timing.kind === 'rate') {
      schedule.nextFireAt = nextRateFireAt(schedule.nextFireAt, timing.periodMs, this.now);
      this.store.persist();
      this.arm(schedule);
      void this.invoker.invoke(target, source);
      return;
    }
    schedule.firing = true;
    this.store.persist();
    const key = keyOf(schedule.groupName, schedule.name);
    const { version } = schedule;
    // Completed before the invocation counts as settled, so drain() sees the schedule gone.
    void this.invoker.invoke(target, source, () => this.#completeOnce(key, version));
  }

  /** ActionAfterCompletion, once a one-time schedule's invocation is over (delivered or given up). */
  #completeOnce(key: string, version: string): void {
    const current = this.store.schedules.get(key);
    // Deleted or updated meanwhile: the newer version is not this invocation's to complete.
    if (!current || current.version !== version) return;
    if (current.actionAfterCompletion === 'DELETE') {
      this.store.schedules.delete(key);
    } else {
      current.firing = false;
      current.nextFireAt = undefined;
    }
    this.store.persist();
  }
}
