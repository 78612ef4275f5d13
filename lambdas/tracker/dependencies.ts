import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { LIFECYCLE_EVENTS } from '../core/assignments/status-report.schema.js';
import type { TrackerDependencies } from '../core/lifecycle/track-lifecycle.js';
import { bundledConfig } from '../aws/bundled-config.js';
import { DynamoDbLifecycleStore } from '../aws/dynamodb-lifecycle-store.js';
import { requireEnv } from '../aws/env.js';
import { logger, safeLogData } from '../aws/logger.js';
import { SchedulerApprovalTimers, SchedulerSlaTimers } from '../aws/scheduler-sla-timers.js';
import { DynamoDbReplyStore } from '../aws/dynamodb-reply-store.js';
import type { ApprovalDueDependencies } from '../core/replies/approval-due.js';
import { WORKER_CLIENT_OPTIONS } from '../aws/sdk-client-options.js';

const eventBridge = new EventBridgeClient(WORKER_CLIENT_OPTIONS);
const dynamodb = new DynamoDBClient(WORKER_CLIENT_OPTIONS);
const scheduler = new SchedulerClient(WORKER_CLIENT_OPTIONS);
const timerOptions = () => ({
  groupName: requireEnv('SLA_SCHEDULE_GROUP'),
  targetArn: requireEnv('SLA_TARGET_ARN'),
  roleArn: requireEnv('SLA_SCHEDULER_ROLE_ARN'),
  deadLetterArn: requireEnv('SLA_DEAD_LETTER_ARN'),
});
const eventBusName = requireEnv('EVENT_BUS_NAME');

/** What the tracker runs with, built once per execution environment. */
export const trackerDependencies: TrackerDependencies = {
  store: new DynamoDbLifecycleStore(dynamodb, requireEnv('TABLE_NAME')),
  departments: bundledConfig.config.departments,
  crisisSlaFactor: bundledConfig.config.crisis?.slaFactor ?? 1,
  timers: new SchedulerSlaTimers(new SchedulerClient(WORKER_CLIENT_OPTIONS), {
    groupName: requireEnv('SLA_SCHEDULE_GROUP'),
    targetArn: requireEnv('SLA_TARGET_ARN'),
    roleArn: requireEnv('SLA_SCHEDULER_ROLE_ARN'),
    deadLetterArn: requireEnv('SLA_DEAD_LETTER_ARN'),
  }),
  now: () => new Date(),
  log: (level, message, data) => logger[level](message, safeLogData(data)),
  // A refusal changes nothing, so it needs no outbox: published directly, and a failure fails
  // the message, which comes back and is refused (and published) again.
  reject: async (rejection) => {
    const out = await eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: eventBusName,
            Source: LIFECYCLE_EVENTS.statusRejected.source,
            DetailType: LIFECYCLE_EVENTS.statusRejected.detailType,
            Detail: JSON.stringify(rejection),
          },
        ],
      }),
    );
    if (out.FailedEntryCount) throw new Error(`"Status Rejected" not accepted: ${out.Entries?.[0]?.ErrorCode}`);
  },
};

/** What approval deadlines run with (the tracker's queue gets their timers and "Reply Submitted"). */
export const approvalDependencies: ApprovalDueDependencies = {
  replies: new DynamoDbReplyStore(dynamodb, requireEnv('TABLE_NAME')),
  timers: new SchedulerApprovalTimers(scheduler, timerOptions()),
  now: () => new Date(),
};
