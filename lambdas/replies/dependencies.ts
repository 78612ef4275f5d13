import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { REPLY_EVENT_SOURCE, REPLY_EVENTS } from '../core/replies/reply-events.js';
import type { ReplyRequestedDependencies } from '../core/replies/reply-requested.js';
import { approvalPolicy } from '../core/replies/reply.js';
import type { RepliesDependencies } from '../core/replies/replies-api.js';
import { voiceChecker } from '../core/voice/check-reply.js';
import { bundledConfig } from '../aws/bundled-config.js';
import { departmentTokens } from '../aws/department-tokens.js';
import { DynamoDbLifecycleStore } from '../aws/dynamodb-lifecycle-store.js';
import { DynamoDbReplyStore } from '../aws/dynamodb-reply-store.js';
import { crisisReader, DynamoDbGovernanceStore } from '../aws/dynamodb-governance-store.js';
import { requireEnv } from '../aws/env.js';
import { logger } from '../aws/logger.js';
import { WEBHOOK_CLIENT_OPTIONS } from '../aws/sdk-client-options.js';

const dynamodb = new DynamoDBClient(WEBHOOK_CLIENT_OPTIONS);
const tableName = requireEnv('TABLE_NAME');
const { config } = bundledConfig;

const eventBridge = new EventBridgeClient(WEBHOOK_CLIENT_OPTIONS);

// The Bedrock client (and the HTTP/2 it brings) loads only when the config asks for model drafts.
const drafts = config.voice?.drafts?.bedrock;
const draftWriter = drafts
  ? await (async () => {
      const [{ BedrockRuntimeClient }, { BedrockDraftWriter }] = await Promise.all([
        import('@aws-sdk/client-bedrock-runtime'),
        import('../aws/bedrock-drafts.js'),
      ]);
      return new BedrockDraftWriter(new BedrockRuntimeClient({ maxAttempts: 2 }), drafts.modelId);
    })()
  : undefined;

/** What the replies API runs with, built once per execution environment. */
export const repliesDependencies: RepliesDependencies = {
  replies: new DynamoDbReplyStore(dynamodb, tableName),
  lifecycle: new DynamoDbLifecycleStore(dynamodb, tableName),
  voice: voiceChecker(config.voice),
  voicePolicy: config.voice,
  approvals: approvalPolicy(config.approval),
  ...(draftWriter ? { draftWriter } : {}),
  ...(config.crisis?.approvalsRequired
    ? {
        crisisApproval: { team: config.crisis.team, ...crisisReader(new DynamoDbGovernanceStore(dynamodb, tableName)) },
      }
    : {}),
  log: (message, data) => logger.warn(message, data),
  statusTokens: departmentTokens(JSON.parse(requireEnv('DEPARTMENT_SECRET_ARNS')) as Record<string, string>),
  now: () => new Date(),
};

/** What "Reply Requested" from the bus runs with: the API's, and a way to refuse. */
export const replyRequestedDependencies: ReplyRequestedDependencies = {
  ...repliesDependencies,
  departments: config.departments.map((d) => d.id),
  // A refusal stores nothing, so it needs no outbox: published directly; a failure fails the
  // message, which comes back and is refused (and published) again.
  async refuse(refusal) {
    const out = await eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: requireEnv('EVENT_BUS_NAME'),
            Source: REPLY_EVENT_SOURCE,
            DetailType: REPLY_EVENTS.refused,
            Detail: JSON.stringify(refusal),
          },
        ],
      }),
    );
    if (out.FailedEntryCount) throw new Error(`"Reply Refused" not accepted: ${out.Entries?.[0]?.ErrorCode}`);
  },
};
