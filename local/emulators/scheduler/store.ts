import type { ScheduleDescription } from './types.js';
import { describeError, notFound } from './errors.js';
import { DEFAULT_GROUP, keyOf, type StoredGroup, type StoredSchedule } from './records.js';
import { readStateFile, writeStateFile } from './state-file.js';
import { byKey } from './paging.js';

/** What the store needs from the emulator's options. */
export interface ScheduleStoreOptions {
  region: string;
  accountId: string;
  now: () => number;
  log: (line: string) => void;
  stateFile: string | undefined;
}

/**
 * The schedules and groups in memory, written to the state file (when there is one) on every
 * change. Callers change the maps, then call {@link ScheduleStore.persist}.
 */
export class ScheduleStore {
  readonly groups = new Map<string, StoredGroup>();
  /** By {@link keyOf}. */
  readonly schedules = new Map<string, StoredSchedule>();
  #closed = false;

  constructor(private readonly options: ScheduleStoreOptions) {}

  scheduleArn(groupName: string, name: string): string {
    return `arn:aws:scheduler:${this.options.region}:${this.options.accountId}:schedule/${groupName}/${name}`;
  }

  /** The group, created now unless it exists; not persisted (the caller decides). */
  ensureGroup(name: string): StoredGroup {
    const existing = this.groups.get(name);
    if (existing) return existing;
    const at = this.options.now();
    const arn = `arn:aws:scheduler:${this.options.region}:${this.options.accountId}:schedule-group/${name}`;
    const group: StoredGroup = { name, arn, creationDate: at, lastModificationDate: at };
    this.groups.set(name, group);
    return group;
  }

  /** The group, or the ResourceNotFoundException AWS answers. */
  findGroup(name: string): StoredGroup {
    const group = this.groups.get(name);
    if (!group) throw notFound(`Schedule group ${name} does not exist.`);
    return group;
  }

  /** The schedule, or the ResourceNotFoundException AWS answers (for its group first). */
  findSchedule(name: string, groupName: string): StoredSchedule {
    this.findGroup(groupName);
    const schedule = this.schedules.get(keyOf(groupName, name));
    if (!schedule) throw notFound(`Schedule ${name} does not exist.`);
    return schedule;
  }

  /** Enabled schedules with an invocation still to come. */
  pending(): number {
    return [...this.schedules.values()].filter((s) => s.state === 'ENABLED' && s.nextFireAt !== undefined && !s.firing)
      .length;
  }

  /** Every schedule, sorted by group then name. */
  list(): ScheduleDescription[] {
    return [...this.schedules.entries()].sort(byKey).map(([, schedule]) => describe(schedule));
  }

  /** Writes the state file, if any; a failure is logged, not thrown. */
  persist(): void {
    const file = this.options.stateFile;
    if (!file || this.#closed) return;
    try {
      writeStateFile(file, { groups: [...this.groups.values()], schedules: [...this.schedules.values()] });
    } catch (error) {
      // Told, not thrown: this runs in timer callbacks too, where a throw would end the twin.
      this.options.log(`Scheduler could not write its state file ${file}: ${describeError(error)}`);
    }
  }

  /** Reads the state file, if any, and makes sure the default group exists. */
  load(): void {
    const file = this.options.stateFile;
    const state = file ? readStateFile(file) : undefined;
    if (state) this.#restore(state.groups, state.schedules);
    this.ensureGroup(DEFAULT_GROUP);
  }

  /** Stops writing the state file: what a stopped emulator's late callbacks change is not kept. */
  close(): void {
    this.#closed = true;
  }

  #restore(groups: StoredGroup[], schedules: StoredSchedule[]): void {
    for (const group of groups) this.groups.set(group.name, group);
    let due = 0;
    for (const schedule of schedules) {
      // An invocation the last stop interrupted is repeated: its nextFireAt is already past.
      if (schedule.firing) schedule.firing = false;
      if (
        schedule.state === 'ENABLED' &&
        schedule.nextFireAt !== undefined &&
        schedule.nextFireAt <= this.options.now()
      )
        due += 1;
      this.schedules.set(keyOf(schedule.groupName, schedule.name), schedule);
    }
    if (due > 0) this.options.log(`Scheduler: ${due} schedule(s) came due while the twin was down; they fire now.`);
  }
}

function describe(s: StoredSchedule): ScheduleDescription {
  return {
    name: s.name,
    groupName: s.groupName,
    arn: s.arn,
    scheduleExpression: s.scheduleExpression,
    scheduleExpressionTimezone: s.scheduleExpressionTimezone,
    state: s.state,
    actionAfterCompletion: s.actionAfterCompletion,
    targetArn: s.target.Arn as string,
    input: typeof s.target.Input === 'string' ? s.target.Input : undefined,
    nextFireAt: s.firing ? undefined : s.nextFireAt,
    firing: s.firing,
  };
}
