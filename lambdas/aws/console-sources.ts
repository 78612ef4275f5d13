import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { LoadedConfig } from '../core/config/load-config.js';
import type { SpikeRow } from '../core/management/console-api-types.js';
import type { ConsoleSources } from '../core/management/console-read.js';
import { CRISIS_PARTITION, type CrisisState } from '../core/management/crisis.js';
import { SPIKE_DETECTED, spikePartition } from '../core/management/detect-spikes.js';
import { DynamoDbGovernanceStore } from './dynamodb-governance-store.js';
import { EVENT_SORT_KEY_PREFIX, lifecycleKeys } from './dynamodb-lifecycle-store.js';
import { DynamoDbRollupStore } from './dynamodb-rollup-store.js';

/** BatchGetItem's most keys a call. */
const BATCH = 100;

/**
 * The console's sources on the engagements table: rollups and the live-feed index, each
 * engagement's text and assignment states (read, never written), crisis mode and the spikes'
 * events. `digests` lists and reads the stored digests (a folder on the twin, a bucket on AWS).
 */
export function consoleSources(
  client: DynamoDBClient,
  tableName: string,
  loaded: LoadedConfig,
  digests: Pick<ConsoleSources, 'digests' | 'digest'>,
): ConsoleSources {
  const doc = DynamoDBDocumentClient.from(client);
  const rollups = new DynamoDbRollupStore(client, tableName);
  const governance = new DynamoDbGovernanceStore(client, tableName);
  return {
    config: loaded.config,
    configVersion: loaded.configVersion,
    hours: (from, to) => rollups.hours(from, to),
    keywords: (fromDay, toDay) => rollups.keywords(fromDay, toDay),
    feed: (day) => rollups.feed(day),
    async details(rows) {
      const keys = rows.flatMap((r) => [
        { pk: `ENG#${r.id}`, sk: 'ENGAGEMENT' },
        ...r.departments.map((d) => lifecycleKeys.assignment(r.id, d)),
      ]);
      const items: Record<string, unknown>[] = [];
      for (let i = 0; i < keys.length; i += BATCH) {
        let request: Record<string, unknown>[] | undefined = keys.slice(i, i + BATCH);
        // Keys DynamoDB leaves unread (throttling) are asked again, a few times.
        for (let attempt = 0; request?.length && attempt < 5; attempt++) {
          const out = await doc.send(
            new BatchGetCommand({
              RequestItems: {
                [tableName]: {
                  Keys: request,
                  ProjectionExpression: 'pk, sk, engagement.#text, engagement.#url, assignment.#state',
                  ExpressionAttributeNames: { '#text': 'text', '#url': 'url', '#state': 'state' },
                },
              },
            }),
          );
          items.push(...(out.Responses?.[tableName] ?? []));
          request = out.UnprocessedKeys?.[tableName]?.Keys as Record<string, unknown>[] | undefined;
        }
      }
      const details = new Map<string, { text: string; url?: string; states: Record<string, string> }>();
      const of = (pk: string) => {
        const id = pk.slice('ENG#'.length);
        let d = details.get(id);
        if (!d) details.set(id, (d = { text: '', states: {} }));
        return d;
      };
      for (const item of items) {
        const d = of(String(item.pk));
        const sk = String(item.sk);
        if (sk === 'ENGAGEMENT') {
          const e = item.engagement as { text?: string; url?: string } | undefined;
          d.text = e?.text ?? '';
          if (e?.url) d.url = e.url;
        } else if (sk.startsWith('ASSIGN#')) {
          const state = (item.assignment as { state?: string } | undefined)?.state;
          if (state) d.states[sk.slice('ASSIGN#'.length)] = state;
        }
      }
      return details;
    },
    crisis: () => governance.read<CrisisState>(CRISIS_PARTITION),
    async spikes(since) {
      const rows: SpikeRow[] = [];
      for (const spike of loaded.config.spikes) {
        const { Items = [] } = await doc.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND sk >= :since',
            ExpressionAttributeValues: {
              ':pk': `ENG#${spikePartition(spike.id)}`,
              ':since': `${EVENT_SORT_KEY_PREFIX}${since}`,
            },
          }),
        );
        for (const item of Items) {
          const event = item.event as { detailType?: string; detail?: SpikeRow } | undefined;
          if (event?.detailType === SPIKE_DETECTED.detailType && event.detail) rows.push(event.detail);
        }
      }
      return rows;
    },
    digests: () => digests.digests(),
    digest: (date) => digests.digest(date),
    now: () => new Date(),
  };
}
