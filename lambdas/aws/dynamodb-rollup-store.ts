import { type DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { SpikeCounts } from '../core/management/detect-spikes.js';
import { type DayKeywords, type HourRollup, readHour, type RollupReader } from '../core/management/rollup.js';
import type { FeedEntry, RollupDelta } from '../core/management/rollup-counts.js';
import type { WindowCounts } from '../core/management/spike-score.js';

/** Records per transaction: their markers, feed rows and the counters they share stay under 100 writes. */
const RECORDS_PER_TRANSACTION = 25;
/** Keyword counters of a day are spread over this many items, so one busy day cannot outgrow an item. */
const KEYWORD_SHARDS = 8;
const DAY_S = 86_400;
/** A counted record is remembered longer than a stream keeps records (24 h). */
const MARKER_TTL_S = 3 * DAY_S;
/** The live feed looks back a week; its rows go a day after. */
const FEED_TTL_S = 8 * DAY_S;
/** Spike baselines look back seven days. */
const SPIKE_TTL_S = 9 * DAY_S;

/** Keys of rollup items. */
export const rollupKeys = {
  hour: (hour: string) => ({ pk: `ROLLUP#${hour.slice(0, 10)}`, sk: `HOUR#${hour}` }),
  keywords: (day: string, shard: number) => ({ pk: `ROLLUP#${day}`, sk: `KW#${shard}` }),
  spike: (spikeId: string, minute: string) => ({ pk: `SPIKE#${spikeId}#${minute.slice(0, 10)}`, sk: minute }),
  feed: (entry: Pick<FeedEntry, 'receivedAt' | 'engagementId'>) => ({
    pk: `FEED#${entry.receivedAt.slice(0, 10)}`,
    sk: `${entry.receivedAt}#${entry.engagementId}`,
  }),
  marker: (id: string) => ({ pk: `ROLLUPSEEN#${id}`, sk: 'SEEN' }),
  since: { pk: 'ROLLUP#META', sk: 'SINCE' },
};

/**
 * Rollups on the engagements table (docs/management.md, "Rollups"). Counting is exactly once
 * under redelivery: each record's counters are added in the same transaction as a marker
 * written only if absent (its table key), so a record the stream delivers again finds its
 * marker and adds nothing. Counters of records in one transaction are summed first, so a busy
 * hour's item takes one update per transaction, not one per engagement.
 */
export class DynamoDbRollupStore implements RollupReader, SpikeCounts {
  private readonly doc: DynamoDBDocumentClient;
  private sinceNoted = false;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  /** Adds the deltas, each once ever; answers how many were new (the rest were counted before). */
  async apply(deltas: RollupDelta[]): Promise<{ counted: number; repeated: number }> {
    const unique = [...new Map(deltas.map((d) => [d.id, d])).values()];
    if (unique.length === 0) return { counted: 0, repeated: deltas.length };
    await this.noteSince(unique);
    let counted = 0;
    for (let i = 0; i < unique.length; i += RECORDS_PER_TRANSACTION)
      counted += await this.applyChunk(unique.slice(i, i + RECORDS_PER_TRANSACTION));
    return { counted, repeated: deltas.length - counted };
  }

  private async applyChunk(deltas: RollupDelta[], attempt = 0): Promise<number> {
    if (deltas.length === 0) return 0;
    const now = Math.floor(this.nowMs() / 1000);
    const markers = deltas.map((d) => ({
      Put: {
        TableName: this.tableName,
        Item: { ...rollupKeys.marker(d.id), type: 'rollup-marker', expiresAt: now + MARKER_TTL_S },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }));
    const items = [...markers, ...this.counterUpdates(deltas, now), ...this.feedPuts(deltas, now)];
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items as never }));
      return deltas.length;
    } catch (err) {
      const reasons = err instanceof TransactionCanceledException ? (err.CancellationReasons ?? []) : [];
      const seen = new Set(
        reasons.flatMap((r, i) => (i < markers.length && r.Code === 'ConditionalCheckFailed' ? [i] : [])),
      );
      // Counted before (a redelivery): the others are counted without them.
      if (seen.size > 0)
        return this.applyChunk(
          deltas.filter((_, i) => !seen.has(i)),
          attempt,
        );
      // Another rollup held a shared counter: try again after a pause.
      if (attempt < 6 && reasons.some((r) => r.Code === 'TransactionConflict')) {
        await new Promise((r) => setTimeout(r, 20 * 2 ** attempt + Math.random() * 50));
        return this.applyChunk(deltas, attempt + 1);
      }
      throw err;
    }
  }

  /** The summed counters of the deltas, one update per item. */
  private counterUpdates(deltas: RollupDelta[], now: number): object[] {
    const byItem = new Map<string, { key: { pk: string; sk: string }; add: Map<string, number>; ttl?: number }>();
    const addTo = (key: { pk: string; sk: string }, add: Record<string, number>, ttl?: number) => {
      const id = `${key.pk}\u0000${key.sk}`;
      let entry = byItem.get(id);
      if (!entry) byItem.set(id, (entry = { key, add: new Map(), ...(ttl ? { ttl } : {}) }));
      for (const [k, v] of Object.entries(add)) entry.add.set(k, (entry.add.get(k) ?? 0) + v);
    };
    for (const d of deltas) {
      if (d.hour) addTo(rollupKeys.hour(d.hour.hour), d.hour.add);
      if (d.keywords)
        for (const [k, v] of Object.entries(d.keywords.add))
          addTo(rollupKeys.keywords(d.keywords.day, shardOf(k)), { [k]: v });
      for (const s of d.spikes) addTo(rollupKeys.spike(s.spikeId, s.minute), s.add, now + SPIKE_TTL_S);
    }
    return [...byItem.values()].map(({ key, add, ttl }) => {
      const names: Record<string, string> = {};
      const values: Record<string, number> = {};
      const clauses = [...add].map(([k, v], i) => {
        names[`#c${i}`] = k;
        values[`:c${i}`] = v;
        return `#c${i} :c${i}`;
      });
      if (ttl) values[':ttl'] = ttl;
      return {
        Update: {
          TableName: this.tableName,
          Key: key,
          UpdateExpression: `ADD ${clauses.join(', ')}${ttl ? ' SET expiresAt = :ttl' : ''}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      };
    });
  }

  private feedPuts(deltas: RollupDelta[], now: number): object[] {
    return deltas.flatMap((d) =>
      d.feed
        ? [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...rollupKeys.feed(d.feed), type: 'feed', entry: d.feed, expiresAt: now + FEED_TTL_S },
              },
            },
          ]
        : [],
    );
  }

  /**
   * Takes an engagement's keywords out of its day's keyword counts, once (an erasure, or its text
   * past retention: the words it wrote, a name or a handle among them, must not stay in the top
   * topics). Counters left at zero are removed.
   */
  async forgetKeywords(engagementId: string, day: string, keywords: readonly string[]): Promise<void> {
    const counted = [...new Set(keywords)].filter((k) => !k.includes('|') && k.length <= 60);
    if (counted.length === 0) return;
    await this.apply([
      {
        id: `FORGET#${engagementId}`,
        keywords: { day, add: Object.fromEntries(counted.map((k) => [k, -1])) },
        spikes: [],
      },
    ]);
    for (const k of counted)
      await this.doc
        .send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: rollupKeys.keywords(day, shardOf(k)),
            UpdateExpression: 'REMOVE #k',
            ConditionExpression: '#k <= :zero',
            ExpressionAttributeNames: { '#k': k },
            ExpressionAttributeValues: { ':zero': 0 },
          }),
        )
        .catch((err: unknown) => {
          // Still counted by other engagements: it stays.
          if ((err as { name?: string }).name !== 'ConditionalCheckFailedException') throw err;
        });
  }

  /** Notes when counting began (once a container; the first one ever wins), for spike baselines. */
  private async noteSince(deltas: RollupDelta[]): Promise<void> {
    if (this.sinceNoted) return;
    const first = deltas
      .map((d) => d.feed?.receivedAt ?? d.hour?.hour)
      .filter((v): v is string => !!v)
      .sort()[0];
    if (!first) return;
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: rollupKeys.since,
        UpdateExpression: 'SET since = if_not_exists(since, :at), #type = :type',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: { ':at': first, ':type': 'rollup-meta' },
      }),
    );
    this.sinceNoted = true;
  }

  async hours(from: string, to: string): Promise<HourRollup[]> {
    const out: HourRollup[] = [];
    for (const day of daysBetween(from, to)) {
      for (const item of await this.queryAll({
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': `ROLLUP#${day}`, ':from': `HOUR#${from}`, ':to': `HOUR#${to}` },
      })) {
        const hour = String(item.sk).slice('HOUR#'.length);
        if (hour >= to) continue;
        out.push(readHour(hour, counters(item)));
      }
    }
    return out;
  }

  async keywords(fromDay: string, toDay: string): Promise<DayKeywords[]> {
    const out: DayKeywords[] = [];
    for (const day of daysBetween(`${fromDay}T00:00:00.000Z`, `${toDay}T23:59:59.999Z`)) {
      const items = await this.queryAll({
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :kw)',
        ExpressionAttributeValues: { ':pk': `ROLLUP#${day}`, ':kw': 'KW#' },
      });
      if (items.length) out.push({ day, counts: Object.assign({}, ...items.map(counters)) });
    }
    return out;
  }

  async window(spikeId: string, from: number, to: number): Promise<WindowCounts> {
    const total: WindowCounts = { n: 0, negative: 0 };
    const fromIso = new Date(from).toISOString();
    const toIso = new Date(to - 1).toISOString();
    for (const day of daysBetween(fromIso, toIso)) {
      for (const item of await this.queryAll({
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': `SPIKE#${spikeId}#${day}`, ':from': fromIso, ':to': toIso },
      })) {
        total.n += Number(item.n ?? 0);
        total.negative += Number(item.negative ?? 0);
      }
    }
    return total;
  }

  async since(): Promise<number | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: rollupKeys.since }));
    const at = Date.parse(String(Item?.since ?? ''));
    return Number.isFinite(at) ? at : undefined;
  }

  /** The live feed's rows of a day, newest first, page by page (the caller stops when it has enough). */
  async *feed(day: string): AsyncGenerator<FeedEntry> {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `FEED#${day}` },
          ScanIndexForward: false,
          Limit: 200,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) yield item.entry as FeedEntry;
      start = page.LastEvaluatedKey;
    } while (start);
  }

  private async queryAll(input: {
    KeyConditionExpression: string;
    ExpressionAttributeValues: Record<string, unknown>;
  }): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({ TableName: this.tableName, ...input, ...(start ? { ExclusiveStartKey: start } : {}) }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }
}

/** The numeric attributes of a counter item (its counters), without its keys and bookkeeping. */
function counters(item: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(item)) if (typeof v === 'number' && k !== 'expiresAt') out[k] = v;
  return out;
}

/** The UTC days (`YYYY-MM-DD`) from `from`'s to `to`'s, inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  const end = to.slice(0, 10);
  for (let d = new Date(`${from.slice(0, 10)}T00:00:00.000Z`); ; d = new Date(d.getTime() + DAY_S * 1000)) {
    const day = d.toISOString().slice(0, 10);
    if (day > end) break;
    days.push(day);
  }
  return days;
}

/** A keyword's shard: a small stable hash (FNV-1a). */
function shardOf(keyword: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < keyword.length; i++) {
    h ^= keyword.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % KEYWORD_SHARDS;
}
