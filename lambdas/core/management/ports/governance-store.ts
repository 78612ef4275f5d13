import type { OutboxEvent } from '../../lifecycle/ports/lifecycle-store.js';

/** A state of Switchboard's own (crisis mode, a spike entry's cooldown), kept in a partition of its own. */
export interface GovernanceState {
  /** Bumped on every stored change; 0 for never stored. */
  revision: number;
}

/** One state to store, if it is still at `expectedRevision` (0: not stored yet). */
export interface StateWrite {
  /** The partition, named like an engagement id (`switchboard:crisis`), whose audit chain its events join. */
  partition: string;
  next: GovernanceState;
  expectedRevision: number;
}

/**
 * Where crisis mode and spike cooldowns are kept, each with its events in the same audit trail
 * and outbox as engagements' (so `history switchboard:crisis` and `audit verify` cover them).
 */
export interface GovernanceStore {
  read<T extends GovernanceState>(partition: string): Promise<T | undefined>;
  /** Stores every write and the events in one transaction; `conflict` when any state moved meanwhile (nothing stored). */
  commit(writes: StateWrite[], events: OutboxEvent[]): Promise<'written' | 'conflict'>;
}
