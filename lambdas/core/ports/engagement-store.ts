import type { Engagement } from '../engagement/engagement.schema.js';

/** The audit record written with every routing decision, so auditors can explain it later. */
export interface RoutingAuditRecord {
  engagementId: string;
  at: string;
  departments: string[];
  rules: string[];
  priority: Engagement['routing']['priority'];
  configVersion: string;
  slaDueAt?: string;
  /** The intake message the engagement came from (SQS message id), for tracing. */
  deliveryId: string;
}

/** An engagement as stored, with how far it got through publishing. */
export interface StoredEngagement {
  engagement: Engagement;
  publishedAt?: string;
}

/** Result of {@link EngagementStore.saveNew}. */
export type SaveResult = { created: true } | { created: false; existing: StoredEngagement };

/** Where engagements and their audit trail are kept (DynamoDB on AWS and in the local twin). */
export interface EngagementStore {
  /**
   * Stores the engagement and its routing audit record together, only if no engagement with
   * that id exists; otherwise returns what is stored, so a redelivery re-publishes the first
   * decision (if it was never published) instead of making a second one.
   */
  saveNew(engagement: Engagement, audit: RoutingAuditRecord): Promise<SaveResult>;
  /** Records that the "Engagement Routed" event was accepted by the bus. */
  markPublished(engagementId: string, at: string): Promise<void>;
  /** Keeps the raw delivery for the retention period (for audit and reprocessing). */
  saveRawDelivery(deliveryId: string, platform: string, receivedAt: string, bodyBase64: string): Promise<void>;
}
