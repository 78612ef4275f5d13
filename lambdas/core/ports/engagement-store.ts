import type { Engagement } from '../engagement/engagement.schema.js';
import type { RuleReason } from '../routing/reasons.js';

/** The audit record written with every routing decision, so auditors can explain it later. */
export interface RoutingAuditRecord {
  engagementId: string;
  at: string;
  departments: string[];
  rules: string[];
  priority: Engagement['routing']['priority'];
  configVersion: string;
  /** The enrichment model that read the text (`<name>@<version>`); absent in records written before it existed. */
  modelVersion?: string;
  slaDueAt?: string;
  /**
   * Why each rule of `rules` matched: the fields, operators and engagement values of the
   * conditions that held (for `$or`, of the branch that matched). Kept in the audit trail only,
   * never published. Empty when no rule matched; absent in records written before it existed.
   */
  reasons?: RuleReason[];
  /** The intake message the engagement came from (SQS message id), for tracing. */
  deliveryId: string;
}

/** An engagement as stored, with how far it got through publishing. */
export interface StoredEngagement {
  engagement: Engagement;
  publishedAt?: string;
  /** The intake message holding (or that last held) the right to publish it; from {@link EngagementStore.readStored}. */
  leaseHolder?: string;
}

/** Result of {@link EngagementStore.saveNew}. */
export type SaveResult = { created: true } | { created: false; existing: StoredEngagement };

/**
 * The right to publish an engagement, held by one intake message until `until`. Two
 * deliveries of the same platform event processed at once would otherwise both see "stored,
 * not yet published" and both publish.
 */
export interface PublishLease {
  /** The intake message (SQS message id) holding the lease; its own redelivery may take it back at once. */
  holder: string;
  until: string;
}

/** Result of {@link EngagementStore.claimPublication}. */
export type ClaimResult = 'claimed' | 'published' | 'held';

/** An edit or deletion of a stored engagement, as the platform reported it. */
export type EngagementChange =
  | { change: 'edited'; at: string; deliveryId: string; text: string; keywords: string[] }
  | { change: 'deleted'; at: string; deliveryId: string };

/** Where engagements and their audit trail are kept (DynamoDB on AWS and in the local twin). */
export interface EngagementStore {
  /**
   * Stores the engagement and its routing audit record together, only if no engagement with
   * that id exists; otherwise returns what is stored, so a redelivery re-publishes the first
   * decision (if it was never published) instead of making a second one.
   */
  saveNew(engagement: Engagement, audit: RoutingAuditRecord, lease: PublishLease): Promise<SaveResult>;
  /**
   * Takes the publish lease of a stored, unpublished engagement when it is free, expired at
   * `now`, or already held by `lease.holder`. Answers `published` when publishing is done,
   * `held` when another delivery holds a live lease (try again later).
   */
  claimPublication(engagementId: string, lease: PublishLease, now: string): Promise<ClaimResult>;
  /**
   * Applies an edit (new text and keywords) or a deletion (a tombstone: the text is removed,
   * `deletedAt` set) to a stored engagement and records it in its audit trail. Routing is not
   * changed and nothing is published again. Answers `missing` when no such engagement is stored
   * and `deleted` when it was deleted before (a late edit must not bring deleted text back).
   */
  applyChange(engagementId: string, change: EngagementChange): Promise<'applied' | 'missing' | 'deleted'>;
  /** The stored engagement and how far it got through publishing (a consistent read), or undefined. */
  readStored(engagementId: string): Promise<StoredEngagement | undefined>;
  /** Records that the "Engagement Routed" event was accepted by the bus. */
  markPublished(engagementId: string, at: string): Promise<void>;
  /** Keeps the raw delivery for the retention period (for audit and reprocessing). */
  saveRawDelivery(deliveryId: string, platform: string, receivedAt: string, bodyBase64: string): Promise<void>;
}
