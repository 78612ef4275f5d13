import type { Assignment } from '../../assignments/assignment.js';
import type { Engagement } from '../../engagement/engagement.schema.js';

/**
 * An event Switchboard publishes about an engagement, written with the change it reports and
 * kept as that change's audit record; the table's stream publishes it (the outbox), so a change
 * is never stored without its event nor its event published without the change.
 */
export interface OutboxEvent {
  engagementId: string;
  /** Unique among the engagement's events and the same when a change is computed again. */
  key: string;
  /** When the change happened (ISO 8601); events sort by it. */
  at: string;
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
}

/** One assignment to store, on the condition that it is still at `expectedRevision` (0: not stored yet). */
export interface AssignmentWrite {
  next: Assignment;
  expectedRevision: number;
}

/**
 * Where assignments (one per engagement × department) and their events are kept. Writes are
 * conditional on the stored revision, so two changes applied at once cannot both win: the loser
 * reads again and applies its change to what the winner wrote.
 */
export interface LifecycleStore {
  /**
   * The assignment: the stored one, else a new one (revision 0) when the engagement was routed to
   * that department; undefined when it never was.
   */
  read(engagementId: string, department: string): Promise<Assignment | undefined>;
  /** The engagement as it was published, or undefined when none is stored under that id. */
  readEngagement(engagementId: string): Promise<Engagement | undefined>;
  /**
   * Stores every assignment and event together, or nothing. Resolves false when another writer
   * changed one of the assignments first; throws on any other failure.
   */
  commit(writes: AssignmentWrite[], events: OutboxEvent[]): Promise<boolean>;
}
