import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_STATE_DIR } from './state-dir.js';
import type { LocalTwinInfo } from '#local/twin/twin.js';
import { sampleBody, signSample, type Sample } from '#events/sign-sample.js';
import { localCredentials } from '../support/aws-local.js';
import { localSecrets } from '../support/local-secrets.js';
import { switchboardHeaders, unixSeconds } from '../support/signatures.js';

/** The running twin's local.json, as a department or a platform would see it. */
export const twin = JSON.parse(readFileSync(join(TEST_STATE_DIR, 'local.json'), 'utf8')) as LocalTwinInfo;
export const sqs = new SQSClient({ endpoint: twin.sqsEndpoint, region: twin.region, credentials: localCredentials });
export const dynamodb = new DynamoDBClient({
  endpoint: twin.dynamodbEndpoint,
  region: twin.region,
  credentials: localCredentials,
});

/** POSTs a sample delivery to the twin, signed as the platform would sign it. */
export async function post(
  sample: Pick<Sample, 'path' | 'headers' | 'body' | 'rawBody' | 'sign'>,
  headers?: Record<string, string>,
  body?: Buffer,
): Promise<Response> {
  return fetch(`${twin.webhookBaseUrl}${sample.path}`, {
    method: 'POST',
    headers: headers ?? signSample(sample, localSecrets),
    body: body ?? sampleBody(sample),
  });
}

/**
 * Posts one engagement on the generic platform, signed as the generic scheme signs, as a
 * company's own system would; answers its engagement id. `author` defaults to a fixed customer.
 */
export async function engage(
  text: string,
  options: { thread?: { conversationId?: string; parentId?: string }; author?: string; followers?: number } = {},
): Promise<string> {
  const externalId = randomUUID();
  const body = JSON.stringify({
    id: externalId,
    text,
    author: {
      id: options.author ?? 'u-it',
      handle: 'sam',
      ...(options.followers !== undefined ? { followers: options.followers } : {}),
    },
    ...(options.thread ? { thread: options.thread } : {}),
  });
  const res = await fetch(`${twin.webhookBaseUrl}/webhooks/generic`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...switchboardHeaders(localSecrets.generic!.signingSecret!, unixSeconds(new Date()), body),
    },
    body,
  });
  if (res.status !== 200) throw new Error(`the twin refused the engagement: ${res.status} ${await res.text()}`);
  return `generic:${externalId}`;
}

/** A routed event as a department receives it. */
export interface RoutedMessage {
  'detail-type': string;
  source: string;
  detail: {
    id: string;
    routing: { departments: string[]; rules: string[]; configVersion: string };
    [k: string]: unknown;
  };
}

/**
 * Reads a department queue until a message satisfies `predicate` or the time runs out, and
 * returns every matching message seen. Matching messages are deleted, as a consumer would;
 * others are handed back after two seconds, since test files run in parallel and another one
 * may be waiting for them (two seconds, not zero, so this reader moves on to newer messages).
 */
export async function receiveUntil(
  department: string,
  predicate: (m: RoutedMessage) => boolean,
  timeoutMs = 20_000,
): Promise<RoutedMessage[]> {
  const url = twin.queues[department];
  if (!url) throw new Error(`no queue for ${department}`);
  const seen: RoutedMessage[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !seen.some(predicate)) {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    for (const m of out.Messages ?? []) {
      const parsed = JSON.parse(m.Body ?? '{}') as RoutedMessage;
      if (predicate(parsed)) {
        seen.push(parsed);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
      } else
        await sqs.send(
          new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 2 }),
        );
    }
  }
  return seen;
}
