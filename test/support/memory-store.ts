import type { Engagement } from '../../lambdas/core/engagement/engagement.schema.js';
import type { ClaimResult, EngagementChange, EngagementStore, PublishLease, RoutingAuditRecord, SaveResult, StoredEngagement } from '../../lambdas/core/ports/engagement-store.js';
import type { EventPublisher, PublishResult } from '../../lambdas/core/ports/event-publisher.js';

/** In-memory {@link EngagementStore} for unit tests of the lifecycle (the real one is tested against DynamoDB Local). */
export class MemoryStore implements EngagementStore {
  readonly engagements = new Map<string, StoredEngagement>();
  readonly leases = new Map<string, PublishLease>();
  readonly audits: RoutingAuditRecord[] = [];
  readonly raw = new Map<string, string>();
  failSaveFor = new Set<string>();

  async saveNew(engagement: Engagement, audit: RoutingAuditRecord, lease: PublishLease): Promise<SaveResult> {
    if (this.failSaveFor.has(engagement.id)) throw new Error('injected store failure');
    const existing = this.engagements.get(engagement.id);
    if (existing) return { created: false, existing: structuredClone(existing) };
    this.engagements.set(engagement.id, { engagement: structuredClone(engagement) });
    this.leases.set(engagement.id, lease);
    this.audits.push(audit);
    return { created: true };
  }

  async claimPublication(id: string, lease: PublishLease, now: string): Promise<ClaimResult> {
    if (this.engagements.get(id)?.publishedAt) return 'published';
    const current = this.leases.get(id);
    if (current && current.holder !== lease.holder && current.until > now) return 'held';
    this.leases.set(id, lease);
    return 'claimed';
  }

  readonly changes: (EngagementChange & { engagementId: string })[] = [];

  readonly deleted = new Set<string>();

  async applyChange(engagementId: string, change: EngagementChange): Promise<'applied' | 'missing' | 'deleted'> {
    const stored = this.engagements.get(engagementId);
    if (!stored) return 'missing';
    if (this.deleted.has(engagementId)) return 'deleted';
    if (change.change === 'deleted') this.deleted.add(engagementId);
    if (change.change === 'edited') stored.engagement = { ...stored.engagement, text: change.text, keywords: change.keywords };
    else stored.engagement = { ...stored.engagement, text: '', keywords: [] };
    this.changes.push({ ...change, engagementId });
    return 'applied';
  }

  async readStored(id: string): Promise<StoredEngagement | undefined> {
    const stored = this.engagements.get(id);
    const holder = this.leases.get(id)?.holder;
    return stored ? { ...structuredClone(stored), ...(holder ? { leaseHolder: holder } : {}) } : undefined;
  }

  async markPublished(id: string, at: string): Promise<void> {
    const e = this.engagements.get(id);
    if (e && !e.publishedAt) e.publishedAt = at;
  }

  async saveRawDelivery(deliveryId: string, _platform: string, _receivedAt: string, bodyBase64: string): Promise<void> {
    this.raw.set(deliveryId, bodyBase64);
  }
}

/** Records what was published; can be told to crash or refuse entries. */
export class MemoryPublisher implements EventPublisher {
  readonly published: Engagement[] = [];
  crash = false;
  refuse = new Set<string>();

  async publish(engagements: Engagement[]): Promise<PublishResult> {
    if (this.crash) throw new Error('injected crash before publish');
    const result: PublishResult = { published: [], failed: [] };
    for (const e of engagements) {
      if (this.refuse.has(e.id)) result.failed.push({ id: e.id, errorCode: 'InternalFailure' });
      else {
        this.published.push(e);
        result.published.push(e.id);
      }
    }
    return result;
  }
}
