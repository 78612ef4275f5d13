import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { makeDigest } from '../core/management/digest-run.js';
import { bundledConfig } from '../aws/bundled-config.js';
import { consoleSources } from '../aws/console-sources.js';
import { requireEnv } from '../aws/env.js';
import { functionHandler } from '../aws/handler-chain.js';
import { logger } from '../aws/logger.js';
import { WORKER_CLIENT_OPTIONS } from '../aws/sdk-client-options.js';

const sources = consoleSources(new DynamoDBClient(WORKER_CLIENT_OPTIONS), requireEnv('TABLE_NAME'), bundledConfig, {
  digests: async () => [],
  digest: async () => undefined,
});
const s3 = new S3Client(WORKER_CLIENT_OPTIONS);
const sns = new SNSClient(WORKER_CLIENT_OPTIONS);

/**
 * The daily digest (docs/management.md, "Digest"): yesterday's (UTC), stored where the console
 * reads it (`digests/<date>.html` in the digest bucket) and announced on the digest
 * topic, whose subscribers are the config's `digest.emails`. Made again on a retry: the same
 * day's file is simply replaced.
 */
export const handler = functionHandler<{ date?: string } | undefined, { date: string }>(async (event) => {
  const date = event?.date ?? new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const consoleUrl = process.env.CONSOLE_URL;
  const digest = await makeDigest(sources, { date, ...(consoleUrl ? { consoleUrl } : {}) });
  await s3.send(
    new PutObjectCommand({
      Bucket: requireEnv('DIGEST_BUCKET'),
      Key: `digests/${digest.date}.html`,
      Body: digest.html,
      ContentType: 'text/html; charset=utf-8',
      CacheControl: 'no-cache',
    }),
  );
  const link = consoleUrl ? `${consoleUrl}digest.html?date=${digest.date}` : `the console's list of digests`;
  await sns.send(
    new PublishCommand({
      TopicArn: requireEnv('DIGEST_TOPIC_ARN'),
      Subject: `Switchboard digest of ${digest.date}`,
      Message: `The Switchboard digest of ${digest.date} is ready: ${link}\n(sign in to the console to read it).`,
    }),
  );
  logger.info('digest made', { date: digest.date, bytes: digest.html.length });
  return { date: digest.date };
});
