import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** What the CLI's twin commands read from `.switchboard/local.json` (the running twin). */
export interface TwinQueues {
  webhookBaseUrl: string;
  sqsEndpoint: string;
  region: string;
  queues: Record<string, string>;
  deadLetterQueues: Record<string, string>;
  /** DynamoDB Local, which also serves the table's stream. */
  dynamodbEndpoint?: string;
  /** A stream's on-failure queue (by name) → the queue that takes the ids of its engagements. */
  streamFailureQueues?: Record<string, string>;
}

/** No `local.json`: the twin is not running (or runs with another `SWITCHBOARD_STATE_DIR`). */
export class TwinNotRunningError extends Error {}

/** Reads the running twin's `local.json` (`SWITCHBOARD_STATE_DIR` moves it). */
export function readTwinInfo(): TwinQueues {
  const infoFile = join(resolve(process.env.SWITCHBOARD_STATE_DIR ?? '.switchboard'), 'local.json');
  try {
    return JSON.parse(readFileSync(infoFile, 'utf8')) as TwinQueues;
  } catch {
    throw new TwinNotRunningError(`no running local twin found (${infoFile} is missing); start it with \`npm start\``);
  }
}

/** The running twin's table and a DynamoDB client for it (DynamoDB Local accepts any credentials). */
export interface TwinTable {
  info: TwinQueues & { tableName: string; dynamodbEndpoint: string };
  tableName: string;
  client: DynamoDBClient;
}

/**
 * The running twin's table, for the commands that read or write it (`history`, `replay`,
 * `erase`, `audit export`). Throws {@link TwinNotRunningError} when there is no twin, or when its
 * `local.json` names no table (an older twin).
 */
export function twinTable(): TwinTable {
  const info = readTwinInfo() as TwinQueues & { tableName?: string };
  if (!info.tableName || !info.dynamodbEndpoint)
    throw new TwinNotRunningError('the local twin’s local.json names no table; restart it with `npm start`');
  return {
    info: info as TwinTable['info'],
    tableName: info.tableName,
    // Fixed credentials keep the SDK from looking for real ones.
    client: new DynamoDBClient({
      endpoint: info.dynamodbEndpoint,
      region: info.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  };
}
