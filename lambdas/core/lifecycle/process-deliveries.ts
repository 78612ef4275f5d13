import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import { buildEngagement, enrichDraft } from './build-engagement.js';
import { extractKeywords } from '../enrichment/keywords.js';
import { engagementId } from '../engagement/engagement.schema.js';
import { deliveryBytes, IntakeDeliverySchema, type IntakeDelivery } from '../intake/delivery.js';
import type { NormalizedEvent, PlatformAdapter } from '../platforms/adapter.js';
import type { Enricher } from './ports/enricher.js';
import type { EngagementChange, EngagementStore, RoutingAuditRecord } from './ports/engagement-store.js';
import type { Engagement } from '../engagement/engagement.schema.js';
import type { Router } from '../routing/router.js';
import type { ActiveCrisis } from '../routing/crisis-playbook.js';
import type { SwitchboardConfig } from '../config/config.schema.js';
import { placeInCase, withCase } from './cases.js';
import type { CaseStore } from './ports/case-store.js';

/** One intake-queue message: its id (for partial batch failures) and its body. */
export interface IntakeMessage {
  messageId: string;
  body: string;
}

/** What a batch run needs from the outside world. */
export interface ProcessDependencies {
  router: Router;
  /** The platform's adapter (or a promise of it, for adapters loaded on first use). */
  adapterFor(platform: string): PlatformAdapter | undefined | Promise<PlatformAdapter | undefined>;
  store: EngagementStore;
  now(): Date;
  /** Enriches each new engagement before routing; the local, synchronous rules when absent. */
  enricher?: Enricher;
  /** A fresh key for a batch's raw copy (tests make it predictable). @default crypto.randomUUID */
  newKey?(): string;
  /** Store calls in flight at once. @default 16 */
  storeConcurrency?: number;
  /** Told about anything that is not the happy path; never given personal data. */
  log?(level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>): void;
  /** Cases: an engagement of a conversation goes to the departments holding it (sticky, reopened). */
  cases?: { store: CaseStore; config: SwitchboardConfig };
  /** Whether crisis mode is on (read once a batch): then the config's crisis playbook routes too. */
  crisis?: { active(): Promise<ActiveCrisis | undefined> };
}

/** Times a follow-up is placed again when its case changed under it before giving up (SQS retries). */
const MAX_CASE_CONFLICTS = 5;

/** Result of a batch: the messages to hand back to SQS for redelivery, and what happened. */
export interface ProcessOutcome {
  failedMessageIds: string[];
  /** Engagements stored by this batch; the table's stream publishes each of them once. */
  stored: string[];
  /** Engagements a redelivery or a concurrent copy had already stored (nothing to do). */
  duplicates: string[];
  /** Stored engagements an edit or deletion was applied to (no new department message). */
  changed: string[];
}

/**
 * Processes a batch of intake deliveries: normalize → enrich → route → store. Publishing is not
 * done here: the table's stream publishes each stored engagement (see `publish-stored.ts`), so
 * "stored" and "will reach its departments" are one and the same write.
 *
 * 1. The raw webhook deliveries of the batch are kept once, together and compressed (a message
 *    whose raw copy cannot be written is retried before any of its engagements is stored). Each
 *    message is read by its platform adapter; every engagement is built and stored with its
 *    routing decision in one conditional write on the engagement id.
 * 2. An engagement that already exists is a redelivery or a concurrent copy of the same event:
 *    the first decision stands, nothing else is written, and there is nothing to wait for (the
 *    stream publishes what the first copy stored, whether or not that copy ever finished).
 * 3. An edit or deletion updates (or tombstones) the stored engagement and its audit trail;
 *    departments already have the engagement (or get it from the stream), so nothing is
 *    published again. An edit of an engagement never seen is routed as new, with the edited text.
 * 4. The events of one engagement are handled in delivery order, so an edit never overtakes its
 *    creation; different engagements concurrently, boundedly. A message any of whose events
 *    could not be stored is reported failed, so SQS redelivers it (what was stored is then a
 *    duplicate) and, past maxReceiveCount, dead-letters it.
 */
export async function processDeliveries(messages: IntakeMessage[], deps: ProcessDependencies): Promise<ProcessOutcome> {
  const failed = new Set<string>();
  const stored: string[] = [];
  const duplicates: string[] = [];
  const changed: string[] = [];
  const log = deps.log ?? (() => undefined);
  const limit = pLimit(deps.storeConcurrency ?? 16);
  // Once a batch, and only when an engagement is routed: a batch of edits never asks.
  let crisisRead: Promise<ActiveCrisis | undefined> | undefined;
  const crisisNow = () => (crisisRead ??= deps.crisis ? deps.crisis.active() : Promise.resolve(undefined));

  async function handle(
    event: NormalizedEvent,
    message: IntakeMessage,
    receivedAt: string,
    rawKey: string | undefined,
  ): Promise<void> {
    const at = deps.now().toISOString();
    if (event.change !== 'created') {
      const id = engagementId(event.draft);
      const change: EngagementChange =
        event.change === 'edited'
          ? {
              change: 'edited',
              at,
              deliveryId: message.messageId,
              text: event.draft.text,
              keywords: extractKeywords(event.draft.text),
            }
          : { change: 'deleted', at, deliveryId: message.messageId };
      const applied = await deps.store.applyChange(id, change);
      if (applied === 'applied') changed.push(id);
      // An edit of an engagement never seen (its creation was missed) is routed as new; a
      // deletion of one never seen has nothing left to act on, nor has an edit of a deleted one.
      if (applied !== 'missing' || event.change === 'deleted') return;
    }
    const enrichment = deps.enricher ? await enrichDraft(event.draft, deps.enricher) : undefined;
    const engagement = buildEngagement(event.draft, receivedAt, deps.router, enrichment, { crisis: await crisisNow() });
    const { routing, ...routable } = engagement;
    // Why each rule matched, for the audit trail only: only the rules that matched are evaluated again.
    const decision: RoutingAuditRecord = {
      at,
      deliveryId: message.messageId,
      ...(rawKey ? { rawKey } : {}),
      reasons: deps.router.explain?.(routable, routing.rules) ?? [],
    };
    if (deps.cases && (engagement.thread?.conversationId || engagement.thread?.parentId)) {
      const outcome = await saveInItsCase(engagement, decision, deps.cases, deps.now);
      if (outcome) {
        (outcome === 'created' ? stored : duplicates).push(engagement.id);
        return;
      }
    }
    // The same event twice in one batch needs no special case: the conditional write lets one in.
    const saved = await deps.store.saveNew(engagement, decision);
    (saved === 'created' ? stored : duplicates).push(engagement.id);
  }

  // Read every message first: the raw webhook deliveries of the batch are kept together, before
  // any of their engagements is stored (so a stored engagement's raw delivery is always there).
  const readable: { message: IntakeMessage; delivery: IntakeDelivery; rawBody: Buffer }[] = [];
  for (const message of messages) {
    try {
      const delivery = IntakeDeliverySchema.parse(JSON.parse(message.body));
      readable.push({ message, delivery, rawBody: deliveryBytes(delivery) });
    } catch (err) {
      failed.add(message.messageId);
      log('error', 'delivery could not be processed', { messageId: message.messageId, error: (err as Error).message });
    }
  }
  // A poller's delivery is already the engagements' own fields: the engagement items are its copy.
  const webhook = readable.filter((r) => !r.delivery.events);
  // A key of its own for each batch's copy: a message that comes back in another batch keeps its
  // SQS id, and a key made from it would overwrite the copy its batch-mates' engagements point at.
  const rawKey = webhook.length > 0 ? (deps.newKey ?? randomUUID)() : undefined;
  let rawFailed = false;
  if (rawKey) {
    try {
      await deps.store.saveRawDeliveries(
        rawKey,
        webhook.map(({ message, delivery, rawBody }) => ({
          deliveryId: message.messageId,
          platform: delivery.platform,
          receivedAt: delivery.receivedAt,
          headers: delivery.headers,
          body: rawBody,
        })),
      );
    } catch (err) {
      rawFailed = true;
      for (const { message } of webhook) failed.add(message.messageId);
      log('error', 'raw deliveries could not be kept; their messages will be retried', {
        messages: webhook.length,
        error: (err as Error).message,
      });
    }
  }

  await Promise.all(
    readable.map(async ({ message, delivery, rawBody }) => {
      if (rawFailed && !delivery.events) return;
      try {
        const events = delivery.events ?? (await readDelivery(deps, delivery.platform, rawBody, delivery));
        const byEngagement = Map.groupBy(events, (e) => engagementId(e.draft));
        const results = await Promise.allSettled(
          [...byEngagement.values()].map((group) =>
            limit(async () => {
              for (const event of group)
                await handle(event, message, delivery.receivedAt, delivery.events ? undefined : rawKey);
            }),
          ),
        );
        const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (rejected) throw rejected.reason;
      } catch (err) {
        failed.add(message.messageId);
        log('error', 'delivery could not be processed', {
          messageId: message.messageId,
          error: (err as Error).message,
        });
      }
    }),
  );
  return { failedMessageIds: [...failed], stored, duplicates, changed };
}

/**
 * Stores an engagement of a conversation with its case (placed again when the case changed under
 * it); undefined when it belongs to no case after all (its platform is on trial).
 */
async function saveInItsCase(
  engagement: Engagement,
  decision: RoutingAuditRecord,
  cases: NonNullable<ProcessDependencies['cases']>,
  now: () => Date = () => new Date(),
): Promise<'created' | 'exists' | undefined> {
  for (let attempt = 0; attempt < MAX_CASE_CONFLICTS; attempt++) {
    const placed = await placeInCase(engagement, { ...cases, now });
    if (!placed) return undefined;
    const saved = await cases.store.saveInCase(placed.engagement, withCase(decision, placed.audit), placed.write);
    if (saved !== 'conflict') return saved;
  }
  throw new Error(`the case of ${engagement.id} kept changing under ${MAX_CASE_CONFLICTS} attempts`);
}

/** A webhook delivery is re-read by its platform's adapter; a poller's arrives already read. */
async function readDelivery(
  deps: ProcessDependencies,
  platform: string,
  rawBody: Buffer,
  delivery: { receivedAt: string; headers: Record<string, string> },
): Promise<NormalizedEvent[]> {
  const adapter = await deps.adapterFor(platform);
  if (!adapter) throw new Error(`no adapter for platform "${platform}"`);
  return adapter.normalize(rawBody, { receivedAt: delivery.receivedAt, headers: delivery.headers });
}
