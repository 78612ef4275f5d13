import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { approvalPolicy } from '../core/replies/reply.js';
import type { RepliesDependencies } from '../core/replies/replies-api.js';
import { voiceChecker } from '../core/voice/check-reply.js';
import { bundledConfig } from '../aws/bundled-config.js';
import { departmentTokens } from '../aws/department-tokens.js';
import { DynamoDbLifecycleStore } from '../aws/dynamodb-lifecycle-store.js';
import { DynamoDbReplyStore } from '../aws/dynamodb-reply-store.js';
import { requireEnv } from '../aws/env.js';
import { WEBHOOK_CLIENT_OPTIONS } from '../aws/sdk-client-options.js';

const dynamodb = new DynamoDBClient(WEBHOOK_CLIENT_OPTIONS);
const tableName = requireEnv('TABLE_NAME');
const { config } = bundledConfig;

/** What the replies API runs with, built once per execution environment. */
export const repliesDependencies: RepliesDependencies = {
  replies: new DynamoDbReplyStore(dynamodb, tableName),
  lifecycle: new DynamoDbLifecycleStore(dynamodb, tableName),
  voice: voiceChecker(config.voice),
  voicePolicy: config.voice,
  approvals: approvalPolicy(config.approval),
  statusTokens: departmentTokens(JSON.parse(requireEnv('DEPARTMENT_SECRET_ARNS')) as Record<string, string>),
  now: () => new Date(),
};
