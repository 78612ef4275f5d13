import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { HealthRecorder, PlatformHealth } from '../core/lifecycle/ports/health-recorder.js';

/**
 * Polling health in the engagement table, one partition (`HEALTH`) so the whole picture is one
 * Query: a `poll#<platform>#<target>` item per target with counters (ADD, so concurrent runs never
 * lose an update) and last-seen times, written once per poll (not per delivery).
 */
export class DynamoDbHealthRecorder implements HealthRecorder {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async polled(
    platform: string,
    target: string,
    at: string,
    outcome: { result: 'ok' | 'rate-limited' | 'failed'; emitted: number; error?: string },
  ): Promise<void> {
    const sk = `poll#${platform}#${target}`;
    const base = { ':p': platform, ':t': target, ':at': at };
    if (outcome.result === 'ok') {
      await this.update(
        sk,
        'SET platform = :p, target = :t, lastPollAt = :at, lastSuccessAt = :at, consecutiveFailures = :zero ADD emitted :n',
        { ...base, ':zero': 0, ':n': outcome.emitted },
      );
    } else if (outcome.result === 'rate-limited') {
      await this.update(sk, 'SET platform = :p, target = :t, lastPollAt = :at, lastRateLimitedAt = :at', base);
    } else {
      await this.update(
        sk,
        'SET platform = :p, target = :t, lastPollAt = :at, lastError = :e ADD consecutiveFailures :one',
        { ...base, ':e': outcome.error ?? 'unknown error', ':one': 1 },
      );
    }
  }

  /** Every platform's polling health, for `GET /health/platforms` (items of other kinds are skipped). */
  async read(platforms: readonly string[]): Promise<PlatformHealth[]> {
    const { Items = [] } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'HEALTH' },
        ConsistentRead: true,
      }),
    );
    const byPlatform = new Map<string, PlatformHealth>(platforms.map((p) => [p, { platform: p }]));
    for (const item of Items) {
      const platform = String(item.platform);
      const health = byPlatform.get(platform) ?? { platform };
      const { pk: _pk, sk, platform: _p, target, ...fields } = item;
      if (!String(sk).startsWith('poll#')) continue; // webhook items written by earlier versions
      (health.polling ??= []).push({ target: String(target), ...fields });
      byPlatform.set(platform, health);
    }
    return [...byPlatform.values()];
  }

  private async update(
    sk: string,
    UpdateExpression: string,
    ExpressionAttributeValues: Record<string, unknown>,
  ): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: 'HEALTH', sk },
        UpdateExpression,
        ExpressionAttributeValues,
      }),
    );
  }
}
