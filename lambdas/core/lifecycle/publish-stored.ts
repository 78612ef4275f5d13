import type { Engagement } from '../engagement/engagement.schema.js';
import {
  type EventPublisher,
  parseStoredEventId,
  type Publishable,
  type StoredEvent,
} from './ports/event-publisher.js';

/**
 * A newly stored engagement, or a lifecycle event written with its change, as the table's stream
 * delivers it, with its place in the stream.
 */
export interface StoredRecord {
  /** The stream record's sequence number (what a partial batch failure names). */
  sequence: string;
  item: Publishable;
}

/** What publishing needs from the outside world. */
export interface PublishStoredDependencies {
  publisher: EventPublisher;
  /**
   * Hands engagements the bus would not take, by id, to a queue of their own (the republish
   * queue), where they are retried, dead-lettered with an alarm and redriven like any queue's
   * messages. Resolves with the ids it could not hand off.
   */
  handOff(ids: string[]): Promise<{ failed: string[] }>;
  /** Told about anything that is not the happy path; never given personal data. */
  log?(level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>): void;
  /**
   * Epoch ms by which publishing must stop, leaving time to hand the rest off before the
   * function times out: a function that dies after a PutEvents went through has its batch
   * delivered again, and publishes those engagements twice.
   */
  deadline?: number;
}

/** What became of a batch of stream records. */
export interface PublishStoredOutcome {
  published: string[];
  /** Refused by the bus (after its retries) and handed to the republish queue. */
  handedOff: string[];
  /**
   * The sequence number of the first record neither published nor handed off: the stream must
   * deliver it, and everything after it, again. Absent when the whole batch is done.
   */
  retryFrom?: string;
}

/**
 * The outbox: publishes "Engagement Routed" for each engagement the table's stream reports as
 * newly stored (in no promised order). Each stored engagement appears in the stream once, and a
 * batch is delivered again only from a record this function reports failed, so an engagement
 * is published once — also when the intake function stored it and then crashed, timed out or
 * was redelivered, which is what a publish step inside the intake could not promise.
 *
 * 1. The batch is published (the publisher sends ten at a time and retries refused entries),
 *    until a deadline that leaves the function time to finish.
 * 2. What the bus still refuses goes to the republish queue rather than failing the batch: a
 *    failed batch would be delivered again from its first failed record, and the records after
 *    it that were published would be published twice.
 * 3. Only what could be neither published nor handed off fails the batch, from its first such
 *    record (the bus and the queue both refusing the same entries after their retries).
 */
export async function publishStored(
  records: StoredRecord[],
  deps: PublishStoredDependencies,
): Promise<PublishStoredOutcome> {
  const log = deps.log ?? (() => undefined);
  if (records.length === 0) return { published: [], handedOff: [] };
  const result = await deps.publisher.publish(
    records.map((r) => r.item),
    { deadline: deps.deadline },
  );
  if (result.failed.length === 0) return { published: result.published, handedOff: [] };
  for (const f of result.failed)
    log('warn', 'engagement not accepted by the event bus; handing it to the republish queue', {
      engagementId: f.id,
      errorCode: f.errorCode,
    });
  const refused = new Set(result.failed.map((f) => f.id));
  let notHandedOff: Set<string>;
  try {
    notHandedOff = new Set((await deps.handOff([...refused])).failed);
  } catch (err) {
    log('error', 'engagements could not be handed to the republish queue', { error: (err as Error).message });
    notHandedOff = refused;
  }
  const first = records.find((r) => notHandedOff.has(r.item.id));
  if (first)
    log('error', 'engagements neither published nor handed off; the stream will deliver them again', {
      engagementIds: [...notHandedOff],
    });
  return {
    published: result.published,
    handedOff: [...refused].filter((id) => !notHandedOff.has(id)),
    ...(first ? { retryFrom: first.sequence } : {}),
  };
}

/** One message of the republish queue: `{"id": "<engagement id>"}` of an engagement the bus once refused. */
export interface RepublishMessage {
  messageId: string;
  body: string;
}

/** What republishing needs: the publisher, and the stored engagement (with its deletion, if any) or event. */
export interface RepublishDependencies extends Pick<PublishStoredDependencies, 'publisher' | 'log' | 'deadline'> {
  readStored(id: string): Promise<{ engagement: Engagement; deletedAt?: string } | undefined>;
  /** A stored lifecycle event by its engagement and key (published as it was written). */
  readEvent(engagementId: string, key: string): Promise<StoredEvent | undefined>;
}

/**
 * Publishes engagements from the republish queue, as they are stored now: an edit made since is
 * published with it, and an engagement deleted since is not published at all (its author took
 * it back before any department saw it). A message the bus still refuses is reported failed, so
 * SQS offers it again after its visibility timeout and dead-letters it (with an alarm) past
 * maxReceiveCount, whence `switchboard redrive` brings it back; so is one whose engagement is
 * not in the table, or that is not a republish message at all.
 */
export async function republish(
  messages: RepublishMessage[],
  deps: RepublishDependencies,
): Promise<{ published: string[]; skipped: string[]; failedMessageIds: string[] }> {
  const log = deps.log ?? (() => undefined);
  const failedMessageIds: string[] = [];
  const skipped: string[] = [];
  const byId = new Map<string, string[]>();
  for (const m of messages) {
    let id: unknown;
    try {
      id = (JSON.parse(m.body) as { id?: unknown }).id;
    } catch {
      id = undefined;
    }
    if (typeof id !== 'string' || id === '') {
      // Not ours: failing it sends it to the dead-letter queue, where someone looks at it.
      log('error', 'republish message names no engagement', { messageId: m.messageId });
      failedMessageIds.push(m.messageId);
      continue;
    }
    byId.set(id, [...(byId.get(id) ?? []), m.messageId]);
  }
  const engagements: Publishable[] = [];
  await Promise.all(
    [...byId].map(async ([id, messageIds]) => {
      try {
        const event = parseStoredEventId(id);
        if (event) {
          const stored = await deps.readEvent(event.engagementId, event.key);
          if (stored) engagements.push(stored);
          else {
            log('error', 'event to republish is not stored', { engagementId: event.engagementId });
            failedMessageIds.push(...messageIds);
          }
          return;
        }
        const stored = await deps.readStored(id);
        if (!stored) {
          log('error', 'engagement to republish is not stored', { engagementId: id });
          failedMessageIds.push(...messageIds);
        } else if (stored.deletedAt) {
          log('info', 'engagement deleted before it was published; not published', { engagementId: id });
          skipped.push(id);
        } else engagements.push(stored.engagement);
      } catch (err) {
        log('error', 'engagement to republish could not be read', { engagementId: id, error: (err as Error).message });
        failedMessageIds.push(...messageIds);
      }
    }),
  );
  const result = await deps.publisher.publish(engagements, { deadline: deps.deadline });
  for (const f of result.failed) {
    log('error', 'engagement not accepted by the event bus; the republish queue will offer it again', {
      engagementId: f.id,
      errorCode: f.errorCode,
    });
    failedMessageIds.push(...(byId.get(f.id) ?? []));
  }
  return { published: result.published, skipped, failedMessageIds };
}
