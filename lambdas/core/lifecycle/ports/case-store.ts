import type { Assignment } from '../../assignments/assignment.js';
import type { Engagement } from '../../engagement/engagement.schema.js';
import type { RoutingAuditRecord } from './engagement-store.js';
import type { AssignmentWrite, OutboxEvent } from './lifecycle-store.js';

/** A case as the table keeps it: the conversation's engagements and the latest of them. */
export interface CaseRecord {
  caseId: string;
  /** The engagement the case's holders are read from: the latest one routed in it. */
  latest: string;
  /** When that engagement was received (ISO 8601): the case's window counts from it. */
  latestAt: string;
  /** The case's engagements, oldest first (the latest hundred). */
  engagements: string[];
  /** Grows by one per stored change; every write is conditional on it (0: not stored yet). */
  version: number;
}

/** What a new engagement of a conversation writes besides itself. */
export interface CaseWrite {
  record: CaseRecord;
  expectedVersion: number;
  /** Assignments of the case that the engagement reopens, with their "Engagement Status Changed". */
  reopened: AssignmentWrite[];
  events: OutboxEvent[];
  /**
   * Holders the placement read but does not write: stored only if none of them changed meanwhile
   * (a department resolving at that moment would make a sticky follow-up a reopening one).
   */
  unchanged: { engagementId: string; department: string; revision: number }[];
}

/**
 * Where cases are kept, and what placing an engagement in one reads: the case, the engagement a
 * reply answers (for a conversation known only by its parent chain), and the assignments of the
 * case's latest engagement (its holders).
 */
export interface CaseStore {
  readCase(caseId: string): Promise<CaseRecord | undefined>;
  /** A stored engagement's author and case, for a reply that names it as its parent. */
  readParent(engagementId: string): Promise<{ authorId: string; receivedAt: string; caseId?: string } | undefined>;
  /** Every assignment of an engagement: the stored ones, and `new` ones for departments it was routed to. */
  assignmentsOf(engagementId: string): Promise<Assignment[]>;
  /**
   * Stores the engagement (only if no engagement with its id exists) together with its case and
   * the assignments it reopens, all or nothing. `exists`: a redelivery stored it first (its first
   * decision stands); `conflict`: the case or a reopened assignment changed meanwhile (place the
   * engagement again).
   */
  saveInCase(
    engagement: Engagement,
    decision: RoutingAuditRecord,
    write: CaseWrite,
  ): Promise<'created' | 'exists' | 'conflict'>;
}
