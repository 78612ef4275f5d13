import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RetentionPeriods } from '../core/audit/retention-sweep.js';
import { DynamoDbEngagementStore } from '../aws/dynamodb-engagement-store.js';
import { DynamoDbRetentionSweep } from '../aws/dynamodb-retention-sweep.js';
import { requireEnv } from '../aws/env.js';
import { WORKER_CLIENT_OPTIONS } from '../aws/sdk-client-options.js';

/** A whole number of days above zero from an environment variable the stack sets. */
function days(name: string, env: NodeJS.ProcessEnv): number {
  const value = Number(requireEnv(name, env));
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`Environment variable ${name} must be whole days above zero`);
  return value;
}

/** The retention periods the stack passed (the config's `retention.engagements` and `retention.audit`, in days). */
export function periodsFromEnv(env: NodeJS.ProcessEnv = process.env): RetentionPeriods {
  return { engagementDays: days('RETENTION_ENGAGEMENT_DAYS', env), auditDays: days('RETENTION_AUDIT_DAYS', env) };
}

const dynamodb = new DynamoDBClient(WORKER_CLIENT_OPTIONS);
const tableName = requireEnv('TABLE_NAME');

/** What a sweep run needs, built once per execution environment. */
export const retentionDependencies = {
  periods: periodsFromEnv(),
  // The raw retention only dates raw batches the store writes; the sweep writes none (a batch it
  // cuts a delivery out of keeps its own expiry).
  sweep: new DynamoDbRetentionSweep(dynamodb, tableName, new DynamoDbEngagementStore(dynamodb, tableName, 1)),
  now: () => new Date(),
};
