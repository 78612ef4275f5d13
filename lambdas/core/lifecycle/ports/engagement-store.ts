import type { Engagement } from '../../engagement/engagement.schema.js';
import type { RuleReason } from '../../routing/reasons.js';

/**
 * What the audit trail keeps of a routing decision beyond the engagement's own `routing`
 * (departments, rules, priority, config version, SLA deadline) and `enrichment` (model and
 * version): when it was made, from which delivery, and why each rule matched. It is stored in
 * the engagement's item, so a decision and its engagement are written together in one
 * conditional write and can never be found apart.
 */
export interface RoutingAuditRecord {
  at: string;
  /** The intake message the engagement came from (SQS message id), for tracing. */
  deliveryId: string;
  /** Where the raw webhook delivery is kept ({@link EngagementStore.saveRawDeliveries}); absent for polled engagements. */
  rawKey?: string;
  /**
   * Why each rule of `routing.rules` matched: the fields, operators and engagement values of
   * the conditions that held (for `$or`, of the branch that matched). Kept in the audit trail
   * only, never published. Empty when no rule matched.
   */
  reasons: RuleReason[];
  /** How the engagement's case placed it, for an engagement of a conversation. */
  case?: CaseAudit;
}

/** What the audit keeps of how its case placed an engagement (docs/design.md, "Lifecycle": cases). */
export interface CaseAudit {
  id: string;
  /** `opened`: the first of its case; `sticky`/`reopened`: sent to the holders. */
  mode: 'opened' | 'sticky' | 'reopened';
  /** The departments holding the case when the engagement arrived (those it went to). */
  holders: string[];
  /** Matching `sticky: false` rules whose departments were added. */
  overriddenBy?: string[];
}

/** An engagement as stored, with its routing decision. */
export interface StoredEngagement {
  engagement: Engagement;
  decision?: RoutingAuditRecord;
  editedAt?: string;
  deletedAt?: string;
}

/** A webhook delivery as it arrived: the exact bytes, and where and when from. */
export interface RawDelivery {
  /** The intake message (SQS message id). */
  deliveryId: string;
  platform: string;
  receivedAt: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** An edit or deletion of a stored engagement, as the platform reported it. */
export type EngagementChange =
  | { change: 'edited'; at: string; deliveryId: string; text: string; keywords: string[] }
  | { change: 'deleted'; at: string; deliveryId: string };

/**
 * Where engagements and their audit trail are kept (DynamoDB on AWS and in the local twin).
 * Storing is all the intake does: the table's stream publishes every engagement once it is
 * stored (the outbox), so nothing here knows about publishing.
 */
export interface EngagementStore {
  /**
   * Stores the engagement with its routing decision, only if no engagement with that id exists
   * (one conditional write). `exists` means a redelivery or a concurrent copy stored it first:
   * its first decision stands and is what departments get.
   */
  saveNew(engagement: Engagement, decision: RoutingAuditRecord): Promise<'created' | 'exists'>;
  /**
   * Applies an edit (new text and keywords) or a deletion to a stored engagement and records it
   * in its audit trail. A deletion erases as `switchboard erase` does: text, identity and
   * permalink removed (in the engagement and its delivery copies), the raw delivery cut out, the
   * departments told ("Engagement Erased"), `deletedAt` set. Routing is not
   * changed and nothing is published again. Answers `missing` when no such engagement is stored
   * and `deleted` when it was deleted before (a late edit must not bring deleted text back).
   */
  applyChange(engagementId: string, change: EngagementChange): Promise<'applied' | 'missing' | 'deleted'>;
  /** The stored engagement and its decision (a consistent read), or undefined. */
  readStored(engagementId: string): Promise<StoredEngagement | undefined>;
  /**
   * Keeps the raw webhook deliveries of one intake batch for the retention period (for audit
   * and reprocessing), together and compressed under `rawKey`: the one copy of each delivery
   * kept once it is processed, at a fraction of a write unit per delivery.
   */
  saveRawDeliveries(rawKey: string, deliveries: RawDelivery[]): Promise<void>;
}
