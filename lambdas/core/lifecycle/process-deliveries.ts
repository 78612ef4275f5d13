import pLimit from 'p-limit';
import { buildEngagement, enrichDraft } from '../engagement/build-engagement.js';
import { extractKeywords } from '../enrichment/keywords.js';
import { engagementId, type Engagement } from '../engagement/engagement.schema.js';
import { deliveryBytes, IntakeDeliverySchema } from '../intake/delivery.js';
import type { NormalizedEvent, PlatformAdapter } from '../platforms/adapter.js';
import type { Enricher } from '../ports/enricher.js';
import type { EngagementChange, EngagementStore, PublishLease, RoutingAuditRecord } from '../ports/engagement-store.js';
import type { EventPublisher } from '../ports/event-publisher.js';
import type { Router } from '../routing/router.js';

/** One intake-queue message: its id (for partial batch failures) and its body. */
export interface IntakeMessage {
  messageId: string;
  body: string;
}

/** What a batch run needs from the outside world. */
export interface ProcessDependencies {
  router: Router;
  adapterFor(platform: string): PlatformAdapter | undefined;
  store: EngagementStore;
  publisher: EventPublisher;
  now(): Date;
  /** Enriches each new engagement before routing; the local, synchronous rules when absent. */
  enricher?: Enricher;
  /**
   * How long a delivery holds the right to publish an engagement it stored. Must exceed the
   * function's timeout and stay below the intake queue's visibility timeout. @default 60 000
   */
  publishLeaseMs?: number;
  /** Store calls in flight at once. @default 16 */
  storeConcurrency?: number;
  /**
   * How long to wait, in steps, for another delivery that holds an engagement's publish lease
   * to finish publishing it before giving up on this delivery (which SQS then retries only after
   * its visibility timeout, minutes later). @default [250, 500, 1000]
   */
  heldWaitsMs?: readonly number[];
  /** Waits (tests make it instant). @default setTimeout */
  sleep?(ms: number): Promise<void>;
  /** Told about anything that is not the happy path; never given personal data. */
  log?(level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>): void;
}

/** Result of a batch: the messages to hand back to SQS for redelivery, and what happened. */
export interface ProcessOutcome {
  failedMessageIds: string[];
  published: string[];
  duplicates: string[];
  /** Stored engagements an edit or deletion was applied to (no new department message). */
  changed: string[];
}

/**
 * Processes a batch of intake deliveries: normalize → enrich → route → store → publish.
 *
 * 1. Each message is read by its platform adapter; every engagement is built and stored with
 *    its routing audit record in one conditional write on the engagement id.
 * 2. An engagement that already exists is a redelivery: it is published again only if its
 *    first attempt never got its event onto the bus (a crash between store and publish), and
 *    then with the decision first stored, so no department ever gets two different messages.
 *    A publish lease on the stored engagement keeps two deliveries processed at the same time
 *    from both publishing: the one without the lease fails and is retried by SQS later.
 *    When another delivery holds the lease, this one publishes everything else first, then waits
 *    a moment for the other to publish (or its lease to lapse) before giving up, so concurrent
 *    copies of a delivery settle in seconds, not visibility timeouts, and a wait never keeps a
 *    store slot.
 * 3. An edit or deletion updates (or tombstones) the stored engagement and its audit trail;
 *    departments already have the engagement, so nothing is published again, unless its
 *    creation was stored by an earlier attempt that never published it: then the edited
 *    engagement is published now, once (otherwise the retry of that attempt, reading the event
 *    as an edit, would never publish it).
 * 4. All engagements of the batch that were stored or claimed are published together (the
 *    publisher batches by 10 and retries failed entries), even those of a message another of
 *    whose engagements failed: progress is per engagement, so copies of a delivery that each
 *    hold some of its leases cannot block one another for ever. A message whose engagements
 *    could not all be stored or published is reported failed, so SQS redelivers it (the
 *    published ones are then duplicates) and, past maxReceiveCount, dead-letters it.
 */
export async function processDeliveries(messages: IntakeMessage[], deps: ProcessDependencies): Promise<ProcessOutcome> {
  const failed = new Set<string>();
  const toPublish = new Map<string, { engagement: Engagement; messageId: string; order: number }>();
  const duplicates: string[] = [];
  const changed: string[] = [];
  const log = deps.log ?? (() => undefined);
  const leaseMs = deps.publishLeaseMs ?? 60_000;
  // Store calls run concurrently (a Meta delivery may carry a thousand updates) but boundedly,
  // and the events of one engagement in order, so an edit never overtakes its creation.
  const limit = pLimit(deps.storeConcurrency ?? 16);
  const heldWaits = deps.heldWaitsMs ?? [250, 500, 1_000];
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let order = 0;

  /** Engagements another delivery holds the lease of: waited on once everything else is published. */
  const held: { id: string; engagement: Engagement; messageId: string; order: number; lease: PublishLease }[] = [];

  /**
   * Claims the right to publish a stored engagement: `claimed`, `published` (done, or held by
   * another message of this very batch, which publishes it below), or `held` by another delivery,
   * in which case it is recorded and waited on after this batch has published everything else:
   * a wait must not keep a store slot, nor delay what this batch can publish at once.
   */
  async function claim(id: string, lease: PublishLease, startedAt: string, later: Omit<(typeof held)[number], 'id' | 'lease'>): Promise<'claimed' | 'published' | 'held'> {
    const result = await deps.store.claimPublication(id, lease, startedAt);
    if (result !== 'held') return result;
    if (toPublish.has(id)) return 'published';
    held.push({ id, lease, ...later });
    return 'held';
  }

  async function handle(event: NormalizedEvent, message: IntakeMessage, receivedAt: string, lease: PublishLease, startedAt: string): Promise<void> {
    const at = deps.now().toISOString();
    // Its place in the delivery, taken before any await, so publication keeps the delivery's order.
    const position = order++;
    if (event.change !== 'created') {
      const id = engagementId(event.draft);
      const change: EngagementChange =
        event.change === 'edited' ? { change: 'edited', at, deliveryId: message.messageId, text: event.draft.text, keywords: extractKeywords(event.draft.text) } : { change: 'deleted', at, deliveryId: message.messageId };
      const applied = await deps.store.applyChange(id, change);
      if (applied === 'applied') {
        changed.push(id);
        // The creation may be stored but unpublished because an earlier attempt of this very
        // delivery failed between store and publish: then departments have nothing yet, and get
        // the edited text. Only then: an engagement another delivery stored and published, whose
        // mark was lost, must not be published again by a later edit.
        if (event.change === 'edited' && !toPublish.has(id)) {
          const stored = await deps.store.readStored(id);
          if (stored && !stored.publishedAt && stored.leaseHolder === message.messageId) {
            const latest = (await deps.store.readStored(id)) ?? stored;
            const claimed = await claim(id, lease, startedAt, { engagement: latest.engagement, messageId: message.messageId, order: position });
            if (claimed === 'claimed') toPublish.set(id, { engagement: latest.engagement, messageId: message.messageId, order: position });
          }
        }
      }
      // An edit of an engagement never seen (its creation was missed) is routed as new; a
      // deletion of one never seen has nothing left to act on, nor has an edit of a deleted one.
      if (applied !== 'missing' || event.change === 'deleted') return;
    }
    const enrichment = deps.enricher ? await enrichDraft(event.draft, deps.enricher) : undefined;
    const engagement = buildEngagement(event.draft, receivedAt, deps.router, enrichment);
    if (toPublish.has(engagement.id)) return; // the same event twice in one batch
    const { routing, ...routable } = engagement;
    // Why each rule matched, for the audit trail only: only the rules that matched are evaluated again.
    const reasons = deps.router.explain?.(routable, routing.rules) ?? [];
    const audit: RoutingAuditRecord = { engagementId: engagement.id, at, departments: routing.departments, rules: routing.rules, priority: routing.priority, configVersion: routing.configVersion, reasons, deliveryId: message.messageId };
    if (routing.slaDueAt) audit.slaDueAt = routing.slaDueAt;
    if (engagement.enrichment) audit.modelVersion = `${engagement.enrichment.model}@${engagement.enrichment.version}`;
    const saved = await deps.store.saveNew(engagement, audit, lease);
    if (saved.created) {
      toPublish.set(engagement.id, { engagement, messageId: message.messageId, order: position });
      return;
    }
    const claimed = saved.existing.publishedAt ? 'published' : await claim(engagement.id, lease, startedAt, { engagement: saved.existing.engagement, messageId: message.messageId, order: position });
    if (claimed === 'claimed') toPublish.set(engagement.id, { engagement: saved.existing.engagement, messageId: message.messageId, order: position });
    else if (claimed === 'published') duplicates.push(engagement.id);
  }

  await Promise.all(
    messages.map(async (message) => {
      try {
        const startedAt = deps.now();
        const lease = { holder: message.messageId, until: new Date(startedAt.getTime() + leaseMs).toISOString() };
        const delivery = IntakeDeliverySchema.parse(JSON.parse(message.body));
        const rawBody = deliveryBytes(delivery);
        const events = delivery.events ?? readDelivery(deps, delivery.platform, rawBody, delivery);
        await deps.store.saveRawDelivery(message.messageId, delivery.platform, delivery.receivedAt, delivery.events ? Buffer.from(JSON.stringify(delivery.events)).toString('base64') : rawBody.toString('base64'));
        const byEngagement = Map.groupBy(events, (e) => engagementId(e.draft));
        const results = await Promise.allSettled(
          [...byEngagement.values()].map((group) =>
            limit(async () => {
              for (const event of group) await handle(event, message, delivery.receivedAt, lease, startedAt.toISOString());
            }),
          ),
        );
        const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (rejected) throw rejected.reason;
      } catch (err) {
        failed.add(message.messageId);
        log('error', 'delivery could not be processed', { messageId: message.messageId, error: (err as Error).message });
      }
    }),
  );

  const published: string[] = [];
  /** Publishes entries in delivery order and marks them; a refused entry fails its message. */
  async function publishAll(entries: { engagement: Engagement; messageId: string; order: number }[]): Promise<void> {
    if (entries.length === 0) return;
    const byId = new Map(entries.map((e) => [e.engagement.id, e]));
    const result = await deps.publisher.publish([...entries].sort((a, b) => a.order - b.order).map((p) => p.engagement));
    for (const f of result.failed) {
      const entry = byId.get(f.id);
      if (entry) failed.add(entry.messageId);
      log('error', 'engagement not accepted by the event bus', { engagementId: f.id, errorCode: f.errorCode });
    }
    const at = deps.now().toISOString();
    published.push(...result.published);
    // Concurrently and boundedly: a thousand marks one after another against a slow table would
    // outlast the function, and a timed-out batch is redelivered and published again.
    await Promise.all(
      result.published.map((id) =>
        limit(async () => {
          try {
            await deps.store.markPublished(id, at);
          } catch (err) {
            // The event is on the bus; failing the message now would publish it a second time.
            log('warn', 'published engagement could not be marked as published', { engagementId: id, error: (err as Error).message });
          }
        }),
      ),
    );
  }

  // Everything stored or claimed is published, whatever else failed in its message.
  await publishAll([...toPublish.values()]);

  // Then the engagements another delivery was publishing: usually it has finished by now, or
  // does within a few short waits; what it still holds after the last one fails its message
  // for SQS to retry later.
  let waiting = [...held];
  for (const wait of heldWaits) {
    if (waiting.length === 0) break;
    await sleep(wait);
    const now = deps.now().toISOString();
    const still: typeof held = [];
    const claimedNow: typeof held = [];
    await Promise.all(
      waiting.map((h) =>
        limit(async () => {
          try {
            const result = toPublish.has(h.id) ? 'published' : await deps.store.claimPublication(h.id, h.lease, now);
            if (result === 'claimed') claimedNow.push(h);
            else if (result === 'published') duplicates.push(h.id);
            else still.push(h);
          } catch (err) {
            failed.add(h.messageId);
            log('error', 'delivery could not be processed', { messageId: h.messageId, error: (err as Error).message });
          }
        }),
      ),
    );
    for (const h of claimedNow) toPublish.set(h.id, h);
    await publishAll(claimedNow);
    waiting = still;
  }
  for (const h of waiting) {
    failed.add(h.messageId);
    log('error', 'delivery could not be processed', { messageId: h.messageId, error: `engagement ${h.id} is being published by another delivery; retry later` });
  }
  return { failedMessageIds: [...failed], published, duplicates, changed };
}

/** A webhook delivery is re-read by its platform's adapter; a poller's arrives already read. */
function readDelivery(deps: ProcessDependencies, platform: string, rawBody: Buffer, delivery: { receivedAt: string; headers: Record<string, string> }): NormalizedEvent[] {
  const adapter = deps.adapterFor(platform);
  if (!adapter) throw new Error(`no adapter for platform "${platform}"`);
  return adapter.normalize(rawBody, { receivedAt: delivery.receivedAt, headers: delivery.headers });
}
