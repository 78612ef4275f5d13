import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { DepartmentApiDependencies } from '../core/lifecycle/department-api.js';
import { bundledConfig } from '../aws/bundled-config.js';
import { DynamoDbLifecycleStore } from '../aws/dynamodb-lifecycle-store.js';
import { requireEnv } from '../aws/env.js';
import { logger, safeLogData } from '../aws/logger.js';
import { departmentTokens } from '../aws/department-tokens.js';
import { SchedulerSlaTimers } from '../aws/scheduler-sla-timers.js';
import { WEBHOOK_CLIENT_OPTIONS } from '../aws/sdk-client-options.js';

const secretArns = JSON.parse(requireEnv('DEPARTMENT_SECRET_ARNS')) as Record<string, string>;

/** What the department API runs with, built once per execution environment. */
export const statusDependencies: DepartmentApiDependencies = {
  // The request waits for these: the webhook's short timeouts, so a slow call fails fast as a 503.
  store: new DynamoDbLifecycleStore(new DynamoDBClient(WEBHOOK_CLIENT_OPTIONS), requireEnv('TABLE_NAME')),
  departments: bundledConfig.config.departments,
  timers: new SchedulerSlaTimers(new SchedulerClient(WEBHOOK_CLIENT_OPTIONS), {
    groupName: requireEnv('SLA_SCHEDULE_GROUP'),
    // Only deletes here: the tracker starts timers.
    targetArn: '',
    roleArn: '',
  }),
  now: () => new Date(),
  log: (level, message, data) => logger[level](message, safeLogData(data)),
  statusTokens: departmentTokens(secretArns),
};
