import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PLATFORM_IDS } from '../lambdas/core/engagement/platform-ids.js';
import { readSamples, sampleBody, sampleQuery, signSample, type SampleSecrets } from '../events/sign-sample.js';
import type { Engagement } from '../lambdas/core/engagement/engagement.schema.js';
import { keys } from '../lambdas/aws/dynamodb-engagement-store.js';
import type { LocalTwinInfo } from './twin/twin.js';
import { LOCAL_CREDENTIALS } from './emulators/local-credentials.js';

/** One replayed sample and what the twin answered. */
export interface ReplayResult {
  file: string;
  status: number;
  expectedStatus: number;
  body: string;
}

/**
 * Replays every sample under `events/<platform>/` against the running twin, signed at send
 * time with the local secrets, and reports each answer next to the status the sample expects.
 */
export async function replaySamples(
  webhookBaseUrl: string,
  secretsFile: string,
  eventsDir = 'events',
): Promise<ReplayResult[]> {
  const secrets = JSON.parse(readFileSync(secretsFile, 'utf8')) as SampleSecrets;
  const results: ReplayResult[] = [];
  for (const platform of PLATFORM_IDS) {
    let samples: Awaited<ReturnType<typeof readSamples>>;
    try {
      samples = await readSamples(join(eventsDir, platform));
    } catch {
      continue; // no samples for this platform
    }
    for (const { file, sample } of samples) {
      const query = sample.query ? `?${new URLSearchParams(sampleQuery(sample, secrets))}` : '';
      const res = await fetch(`${webhookBaseUrl}${sample.path}${query}`, {
        method: sample.method,
        headers: signSample(sample, secrets),
        body: sample.method === 'POST' ? sampleBody(sample) : undefined,
      });
      results.push({
        file: join(platform, file),
        status: res.status,
        expectedStatus: sample.expect.status,
        body: await res.text(),
      });
    }
  }
  return results;
}

/**
 * One line per engagement the replay produced: where the twin routed it and why, read back
 * from the engagement table the process function wrote.
 */
export async function describeRouting(info: LocalTwinInfo, results: ReplayResult[]): Promise<string[]> {
  const client = new DynamoDBClient({
    endpoint: info.dynamodbEndpoint,
    region: info.region,
    credentials: LOCAL_CREDENTIALS,
  });
  const dynamodb = DynamoDBDocumentClient.from(client);
  const ids = results.flatMap((r) => {
    try {
      return (JSON.parse(r.body) as { engagements?: string[] }).engagements ?? [];
    } catch {
      return [];
    }
  });
  const lines: string[] = [];
  for (const id of new Set(ids)) {
    const { Item } = await dynamodb.send(new GetCommand({ TableName: info.tableName, Key: keys.engagement(id) }));
    const routing = (Item?.engagement as Engagement | undefined)?.routing;
    lines.push(
      routing
        ? `routed ${id} → ${routing.departments.join(', ')} (${routing.priority}; rules: ${routing.rules.join(', ') || 'none, default department'})`
        : `${id}: not stored (a deletion of an engagement never seen)`,
    );
  }
  client.destroy();
  return lines;
}
