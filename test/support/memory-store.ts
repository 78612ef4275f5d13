import type { Engagement } from '#core/engagement/engagement.schema.js';
import type {
  EngagementChange,
  EngagementStore,
  RawDelivery,
  RoutingAuditRecord,
  StoredEngagement,
} from '#core/lifecycle/ports/engagement-store.js';
import type { EventPublisher, PublishResult } from '#core/lifecycle/ports/event-publisher.js';

/** In-memory {@link EngagementStore} for unit tests of the lifecycle (the real one is tested against DynamoDB Local). */
export class MemoryStore implements EngagementStore {
  readonly engagements = new Map<string, StoredEngagement>();
  /** Engagements in the order they were stored: what the table's stream would deliver. */
  readonly inserted: Engagement[] = [];
  readonly raw = new Map<string, RawDelivery[]>();
  failSaveFor = new Set<string>();
  failRaw = false;

  async saveNew(engagement: Engagement, decision: RoutingAuditRecord): Promise<'created' | 'exists'> {
    if (this.failSaveFor.has(engagement.id)) throw new Error('injected store failure');
    if (this.engagements.has(engagement.id)) return 'exists';
    this.engagements.set(engagement.id, {
      engagement: structuredClone(engagement),
      decision: structuredClone(decision),
    });
    this.inserted.push(structuredClone(engagement));
    return 'created';
  }

  readonly changes: (EngagementChange & { engagementId: string })[] = [];

  readonly deleted = new Set<string>();

  async applyChange(engagementId: string, change: EngagementChange): Promise<'applied' | 'missing' | 'deleted'> {
    const stored = this.engagements.get(engagementId);
    if (!stored) return 'missing';
    if (this.deleted.has(engagementId)) return 'deleted';
    if (change.change === 'deleted') this.deleted.add(engagementId);
    if (change.change === 'edited')
      stored.engagement = { ...stored.engagement, text: change.text, keywords: change.keywords };
    else stored.engagement = { ...stored.engagement, text: '', keywords: [] };
    this.changes.push({ ...change, engagementId });
    return 'applied';
  }

  async readStored(id: string): Promise<StoredEngagement | undefined> {
    const stored = this.engagements.get(id);
    return stored ? structuredClone(stored) : undefined;
  }

  async saveRawDeliveries(rawKey: string, deliveries: RawDelivery[]): Promise<void> {
    if (this.failRaw) throw new Error('injected raw store failure');
    this.raw.set(
      rawKey,
      deliveries.map((d) => ({ ...d, headers: { ...d.headers }, body: Buffer.from(d.body) })),
    );
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
