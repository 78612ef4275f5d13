import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import {
  engagementRetention,
  type RetentionPeriods,
  recordRetention,
  retentionCutoffs,
} from '../core/audit/retention-sweep.js';
import { type DynamoDbEngagementStore, ENGAGEMENT_SORT_KEY } from './dynamodb-engagement-store.js';

/**
 * The retention sweep on the engagements table (what goes when: lambdas/core/audit/retention-sweep.ts).
 * A parallel Scan (`Segment`/`TotalSegments`) reads the items retention is decided by — engagement
 * items, erasure tombstones and cases — with a projection of the few attributes that decide it;
 * then each engagement past text retention is scrubbed ({@link DynamoDbEngagementStore.expireText})
 * and each partition past audit retention deleted (Query of its keys, BatchWriteItem deletes).
 *
 * A sweep is resumable: it stops starting pages at its deadline and returns a cursor (each
 * segment's `LastEvaluatedKey`, or done) to continue from; a page it began is finished first.
 * Everything it does is idempotent (an expired engagement is marked, a deleted item is gone), so
 * a page done twice — a run that died before its cursor was saved — changes nothing more.
 *
 * The Scan reads the whole table (a Scan's filter does not reduce the capacity it uses): at
 * Switchboard's sizes, a daily full read in eventually consistent pages costs about what the
 * daily export does. Each decision is taken again on a consistent read before anything is written.
 */

/** Where the sweep keeps its cursor between runs. */
export const SWEEP_CURSOR_KEY = { pk: 'SWEEP#retention', sk: 'CURSOR' } as const;

/** Sort keys of the items the sweep decides by (their partition keys say which kind). */
const ERASURE_SORT_KEY = 'ERASURE';
const CASE_SORT_KEY = 'CASE';

/** Where one Scan segment stands. */
export type SegmentCursor = { done: true } | { done: false; after?: Record<string, unknown> };

/** Where a sweep stands: one entry per Scan segment (`TotalSegments` is their number). */
export interface SweepCursor {
  /** When the sweep this continues started (ISO 8601). */
  startedAt: string;
  segments: SegmentCursor[];
}

/** What a sweep (or one run of it) did. */
export interface SweepCounts {
  /** Items the Scan read (every kind). */
  scanned: number;
  /** Engagements whose text was removed. */
  textExpired: number;
  /** Engagement partitions deleted, and the items in them. */
  partitionsDeleted: number;
  itemsDeleted: number;
  erasuresDeleted: number;
  casesDeleted: number;
  /** Items whose action failed: left for the next sweep. */
  failed: number;
}

/** A run of the sweep: what it did, what failed, and the cursor to continue from (none: the sweep is complete). */
export interface SweepOutcome {
  counts: SweepCounts;
  /** Failed items, by a key that names no person (see {@link loggableKey}), with the error's message. */
  failures: { key: string; error: string }[];
  cursor?: SweepCursor;
}

/** Options of one run of {@link DynamoDbRetentionSweep.sweep}. */
export interface SweepOptions {
  periods: RetentionPeriods;
  /** The time retention is counted to (and the retention records' `at`). */
  now: Date;
  /** No page is started at or after this time. @default no limit */
  deadline?: Date;
  /** Where an earlier run stopped; its number of segments wins over {@link segments}. */
  cursor?: SweepCursor;
  /** Parallel Scan segments of a new sweep. @default 4 */
  segments?: number;
  /** Items each Scan page evaluates (`Limit`): bounds the work a page adds past the deadline. @default 200 */
  pageSize?: number;
  /** Item actions (scrubs, partition deletions) running at once, across segments. @default 8 */
  concurrency?: number;
  /** The clock the deadline is read from. @default the system clock */
  clock?: () => Date;
}

/** BatchWriteItem takes at most 25 requests. */
const BATCH_WRITE_LIMIT = 25;
/** Attempts of a batch whose items DynamoDB leaves unprocessed (throttling), with backoff. */
const BATCH_WRITE_ATTEMPTS = 8;
/** Most failures an outcome lists (the count has them all). */
const MAX_LISTED_FAILURES = 20;

/** {@link DynamoDbRetentionSweep}'s settings that tests shorten. */
export interface RetentionSweepSettings {
  /** Backoff before retrying unprocessed deletes (attempt 1, 2, …). @default 50 ms doubling, at most 2 s */
  backoffMs?: (attempt: number) => number;
}

/** The retention sweep of one table (see the module's doc). */
export class DynamoDbRetentionSweep {
  private readonly doc: DynamoDBDocumentClient;
  private readonly backoffMs: (attempt: number) => number;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    /** Scrubs text as an erasure does (the one implementation of it). */
    private readonly store: DynamoDbEngagementStore,
    settings: RetentionSweepSettings = {},
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.backoffMs = settings.backoffMs ?? ((attempt) => Math.min(2_000, 50 * 2 ** (attempt - 1)));
  }

  /**
   * One run: continues `cursor` (or starts a sweep), applies retention to what each page holds,
   * and returns where it stopped. Without a cursor in the outcome, every segment is done.
   */
  async sweep(options: SweepOptions): Promise<SweepOutcome> {
    const clock = options.clock ?? (() => new Date());
    const cutoffs = retentionCutoffs(options.now, options.periods);
    const cursor: SweepCursor = options.cursor ?? {
      startedAt: options.now.toISOString(),
      segments: Array.from({ length: options.segments ?? 4 }, () => ({ done: false })),
    };
    const total = cursor.segments.length;
    const counts: SweepCounts = {
      scanned: 0,
      textExpired: 0,
      partitionsDeleted: 0,
      itemsDeleted: 0,
      erasuresDeleted: 0,
      casesDeleted: 0,
      failed: 0,
    };
    const failures: SweepOutcome['failures'] = [];
    const limit = pLimit(options.concurrency ?? 8);
    const at = options.now.toISOString();

    const act = async (item: Record<string, unknown>): Promise<void> => {
      const pk = String(item.pk);
      try {
        if (item.sk === ENGAGEMENT_SORT_KEY && pk.startsWith('ENG#')) {
          const engagement = item.engagement as { receivedAt?: string } | undefined;
          const action = engagementRetention(
            {
              receivedAt: engagement?.receivedAt,
              textGone: Boolean(item.textExpiredAt || item.erasedAt || item.deletedAt),
            },
            cutoffs,
          );
          if (action === 'expire-text') {
            const outcome = await this.store.expireText(pk.slice('ENG#'.length), at, options.periods.engagementDays);
            if (outcome === 'expired') counts.textExpired++;
          } else if (action === 'delete-partition') {
            counts.itemsDeleted += await this.deletePartition(pk);
            counts.partitionsDeleted++;
          }
        } else if (item.sk === ERASURE_SORT_KEY && pk.startsWith('ERASURE#')) {
          const erasure = item.erasure as { at?: string } | undefined;
          if (recordRetention(erasure?.at, cutoffs) === 'delete') {
            await this.deleteKeys([{ pk, sk: ERASURE_SORT_KEY }]);
            counts.erasuresDeleted++;
          }
        } else if (item.sk === CASE_SORT_KEY && pk.startsWith('CASE#')) {
          const record = item.case as { latestAt?: string } | undefined;
          if (recordRetention(record?.latestAt, cutoffs) === 'delete') {
            await this.deleteKeys([{ pk, sk: CASE_SORT_KEY }]);
            counts.casesDeleted++;
          }
        }
      } catch (err) {
        // One item's trouble (a transaction too large, throttling past the retries) must not stop
        // the sweep: it is counted, and the next sweep meets the item again.
        counts.failed++;
        if (failures.length < MAX_LISTED_FAILURES)
          failures.push({ key: loggableKey(pk), error: err instanceof Error ? err.message : String(err) });
      }
    };

    const segments = await Promise.all(
      cursor.segments.map(async (start, segment): Promise<SegmentCursor> => {
        if (start.done) return start;
        let after = start.after;
        while (clock() < (options.deadline ?? new Date(8.64e15))) {
          const page = await this.doc.send(
            new ScanCommand({
              TableName: this.tableName,
              Segment: segment,
              TotalSegments: total,
              Limit: options.pageSize ?? 200,
              FilterExpression: 'sk IN (:engagement, :erasure, :case)',
              ProjectionExpression:
                'pk, sk, engagement.receivedAt, textExpiredAt, erasedAt, deletedAt, erasure.#at, #case.latestAt',
              ExpressionAttributeNames: { '#at': 'at', '#case': 'case' },
              ExpressionAttributeValues: {
                ':engagement': ENGAGEMENT_SORT_KEY,
                ':erasure': ERASURE_SORT_KEY,
                ':case': CASE_SORT_KEY,
              },
              ...(after ? { ExclusiveStartKey: after } : {}),
            }),
          );
          counts.scanned += page.ScannedCount ?? 0;
          await Promise.all((page.Items ?? []).map((item) => limit(() => act(item))));
          if (!page.LastEvaluatedKey) return { done: true };
          after = page.LastEvaluatedKey;
        }
        return { done: false, ...(after ? { after } : {}) };
      }),
    );
    const complete = segments.every((s) => s.done);
    return { counts, failures, ...(complete ? {} : { cursor: { startedAt: cursor.startedAt, segments } }) };
  }

  /**
   * Deletes a whole engagement partition (every item of `pk`), its engagement item last: a run
   * that stops halfway leaves the engagement item, which the next sweep finds and finishes.
   * Resolves how many items were deleted.
   */
  async deletePartition(pk: string): Promise<number> {
    const keys: { pk: string; sk: string }[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ProjectionExpression: 'pk, sk',
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const i of page.Items ?? []) keys.push({ pk: String(i.pk), sk: String(i.sk) });
      start = page.LastEvaluatedKey;
    } while (start);
    const rest = keys.filter((k) => k.sk !== ENGAGEMENT_SORT_KEY);
    const engagement = keys.filter((k) => k.sk === ENGAGEMENT_SORT_KEY);
    await this.deleteKeys(rest);
    await this.deleteKeys(engagement);
    return keys.length;
  }

  /** Deletes items in batches of 25, retrying what DynamoDB leaves unprocessed, with backoff. */
  async deleteKeys(keys: readonly { pk: string; sk: string }[]): Promise<void> {
    for (let i = 0; i < keys.length; i += BATCH_WRITE_LIMIT) {
      let requests = keys.slice(i, i + BATCH_WRITE_LIMIT).map((Key) => ({ DeleteRequest: { Key } }));
      for (let attempt = 1; requests.length > 0; attempt++) {
        if (attempt > BATCH_WRITE_ATTEMPTS)
          throw new Error(
            `DynamoDB left ${requests.length} delete(s) unprocessed after ${BATCH_WRITE_ATTEMPTS} attempts`,
          );
        if (attempt > 1) await sleep(this.backoffMs(attempt - 1));
        const { UnprocessedItems } = await this.doc.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }),
        );
        requests = (UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
      }
    }
  }

  /** The cursor the last run saved (undefined: the next run starts a new sweep). */
  async loadCursor(): Promise<SweepCursor | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: SWEEP_CURSOR_KEY, ConsistentRead: true }),
    );
    return Item?.cursor as SweepCursor | undefined;
  }

  /**
   * Saves where the sweep stands for the next run; without a cursor, records that the sweep
   * completed (the next run starts a new one).
   */
  async saveCursor(cursor: SweepCursor | undefined, at: Date): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...SWEEP_CURSOR_KEY,
          type: 'sweep-cursor',
          updatedAt: at.toISOString(),
          ...(cursor ? { cursor } : { completedAt: at.toISOString() }),
        },
      }),
    );
  }
}

/**
 * A table key fit for logs: an engagement's key as it is (`ENG#<platform>:<id>`, no person in
 * it); an erasure's or a case's, whose keys hold an author's id, by kind and a short digest.
 */
export function loggableKey(pk: string): string {
  if (pk.startsWith('ENG#')) return pk;
  const kind = pk.slice(0, pk.indexOf('#') + 1) || 'item#';
  return `${kind}sha256:${createHash('sha256').update(pk).digest('hex').slice(0, 12)}`;
}
