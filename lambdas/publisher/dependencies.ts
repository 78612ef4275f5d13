import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { PlatformId } from '../core/engagement/platform-ids.js';
import { reportStatus } from '../core/lifecycle/report-status.js';
import type { PublishDependencies } from '../core/replies/publish-reply.js';
import { publisherFor } from '../core/replies/publishers/registry.js';
import { bundledConfig } from '../aws/bundled-config.js';
import { DynamoDbLifecycleStore } from '../aws/dynamodb-lifecycle-store.js';
import { DynamoDbReplyStore } from '../aws/dynamodb-reply-store.js';
import { requireEnv } from '../aws/env.js';
import { logger, safeLogData } from '../aws/logger.js';
import { secretReader } from '../aws/platform-secrets.js';
import { SchedulerSlaTimers } from '../aws/scheduler-sla-timers.js';
import { WORKER_CLIENT_OPTIONS } from '../aws/sdk-client-options.js';

const dynamodb = new DynamoDBClient(WORKER_CLIENT_OPTIONS);
const tableName = requireEnv('TABLE_NAME');
const { config } = bundledConfig;
const secretFor = secretReader(JSON.parse(requireEnv('PLATFORM_SECRET_ARNS')) as Record<string, string>);
const lifecycle = {
  store: new DynamoDbLifecycleStore(dynamodb, tableName),
  departments: config.departments,
  timers: new SchedulerSlaTimers(new SchedulerClient(WORKER_CLIENT_OPTIONS), {
    groupName: requireEnv('SLA_SCHEDULE_GROUP'),
    // Only deletes here (a response meets the first-response deadline): the tracker starts timers.
    targetArn: '',
    roleArn: '',
  }),
  now: () => new Date(),
  log: (level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>) =>
    logger[level](message, safeLogData(data)),
};

/** The publisher's queue, to put a message off until its retry time. */
export const sqs = new SQSClient(WORKER_CLIENT_OPTIONS);
export const queueUrl = requireEnv('REPLIES_QUEUE_URL');

/** What the publisher runs with, built once per execution environment. */
export const publishDependencies: PublishDependencies = {
  replies: new DynamoDbReplyStore(dynamodb, tableName),
  publisherFor,
  secretFor: (platform) => secretFor(platform),
  settings: (platform: PlatformId) => {
    const s = config.platforms[platform];
    return { replyUrl: s?.replyUrl, apiBaseUrl: s?.apiBaseUrl };
  },
  // A published reply is the assignment's `responded`, reported with the reply's own report id:
  // applied once however often it is told (docs/replies.md).
  async responded(reply) {
    const result = await reportStatus(
      {
        engagementId: reply.engagementId,
        department: reply.department,
        status: 'responded',
        reportId: `reply:${reply.id}`,
        at: reply.at,
        actor: { id: reply.author.id, ...(reply.author.name ? { name: reply.author.name } : {}) },
        note: `reply ${reply.id} published on ${reply.platform}`,
      },
      lifecycle,
    );
    // 409: the assignment is past responding (resolved, rerouted): the reply stands, the state too.
    if (result.statusCode !== 200)
      logger.warn('a published reply did not change its assignment', { replyId: reply.id, status: result.statusCode });
  },
  fetch: (input, init) => fetch(input, init),
  now: () => new Date(),
  log: (level, message, data) => logger[level](message, safeLogData(data)),
};
