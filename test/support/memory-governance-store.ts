import type { OutboxEvent } from '#core/lifecycle/ports/lifecycle-store.js';
import type { GovernanceState, GovernanceStore, StateWrite } from '#core/management/ports/governance-store.js';

/** One commit the store accepted: its writes and events, as they were stored together. */
export interface GovernanceCommit {
  writes: StateWrite[];
  events: OutboxEvent[];
}

/**
 * The governance store in memory, with the table's all-or-nothing conditional writes: a write
 * applies only while its partition is still at `expectedRevision` (0: not stored yet), and a
 * commit with any write off its revision stores nothing and answers `conflict`.
 *
 * Like the DynamoDB transaction it stands for, a commit may not touch one partition twice, nor
 * (its states being where the writer read them) store an event whose key its partition holds
 * already: both throw, being the caller's bugs, not races. Every stored change must bump the
 * revision.
 */
export class MemoryGovernanceStore implements GovernanceStore {
  readonly states = new Map<string, GovernanceState>();
  /** Every event committed, in order. */
  readonly events: OutboxEvent[] = [];
  /** Every commit accepted, in order (which writes and events went together). */
  readonly commits: GovernanceCommit[] = [];
  /** Commits answered `conflict` (by revision or because the test asked for it). */
  conflicts = 0;
  /** Runs before each commit, to let a test change a stored state under a writer. */
  beforeCommit: (() => void) | undefined;
  private forcedConflicts = 0;

  /** The next `times` commits answer `conflict` and store nothing, as if another writer came first. */
  conflictNext(times = 1): this {
    this.forcedConflicts += times;
    return this;
  }

  /** Stores a state directly (a test's starting point). */
  put(partition: string, state: GovernanceState): this {
    this.states.set(partition, structuredClone(state));
    return this;
  }

  async read<T extends GovernanceState>(partition: string): Promise<T | undefined> {
    const state = this.states.get(partition);
    return state === undefined ? undefined : (structuredClone(state) as T);
  }

  async commit(writes: StateWrite[], events: OutboxEvent[]): Promise<'written' | 'conflict'> {
    this.beforeCommit?.();
    const partitions = writes.map((w) => w.partition);
    if (new Set(partitions).size !== partitions.length)
      throw new Error(`one commit writes a partition twice: ${partitions.join(', ')}`);
    for (const w of writes)
      if (w.next.revision <= w.expectedRevision)
        throw new Error(
          `a write to ${w.partition} does not bump its revision (${w.expectedRevision} → ${w.next.revision})`,
        );
    if (this.forcedConflicts > 0) {
      this.forcedConflicts--;
      this.conflicts++;
      return 'conflict';
    }
    if (writes.some((w) => (this.states.get(w.partition)?.revision ?? 0) !== w.expectedRevision)) {
      this.conflicts++;
      return 'conflict';
    }
    // With every state where the writer read it, an event already stored is the writer's bug.
    const keys = new Set(this.events.map((e) => `${e.engagementId}|${e.key}`));
    for (const e of events) {
      const key = `${e.engagementId}|${e.key}`;
      if (keys.has(key)) throw new Error(`event ${key} is stored already`);
      keys.add(key);
    }
    for (const w of writes) this.states.set(w.partition, structuredClone(w.next));
    this.events.push(...structuredClone(events));
    this.commits.push(structuredClone({ writes, events }));
    return 'written';
  }

  /** The committed events of one detail type, in order. */
  eventsOf(detailType: string): OutboxEvent[] {
    return this.events.filter((e) => e.detailType === detailType);
  }
}
