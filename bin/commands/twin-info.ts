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
