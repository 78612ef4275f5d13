import { apiIntegration } from './api-integration.js';
import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import type { IResource } from 'aws-cdk-lib/aws-apigateway';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import type { LoadedConfig } from '../../lambdas/core/config/load-config.js';
import { LIFECYCLE_EVENTS } from '../../lambdas/core/assignments/status-report.schema.js';
import { REPLY_EVENT_SOURCE, REPLY_EVENTS } from '../../lambdas/core/replies/reply-events.js';
import { REPLY_TONE_MODEL_FILE } from '../../lambdas/core/voice/tone/tone-model.js';
import type { AlarmTopic } from './alarm-topic.js';
import { AppFunction } from './app-function.js';
import type { DepartmentSecrets } from './department-secrets.js';
import type { PlatformSecrets } from './platform-secrets.js';
import { SecureQueue } from './secure-queue.js';

/** Props of {@link Replies}. */
export interface RepliesProps {
  config: LoadedConfig;
  table: ITableV2;
  bus: IEventBus;
  alarms: AlarmTopic;
  /** `/departments/<id>` of the REST API, by department id: the replies routes go under each. */
  departmentResources: ReadonlyMap<string, IResource>;
  /** The departments' status tokens, which the replies API checks as the status API does. */
  departmentSecrets: DepartmentSecrets;
  /** The platforms' secrets, which hold the credentials the publisher posts with. */
  platformSecrets: PlatformSecrets;
  /** The SLA timers' schedule group: a published reply meets the first-response deadline. */
  slaScheduleGroup: string;
  /** Entry file of a function under lambdas/. */
  entry(path: string): string;
}

/** How long the publisher may take with a batch: a platform gets 10 s per request. */
const PUBLISHER_TIMEOUT = Duration.seconds(60);

/**
 * Engaging back (docs/replies.md):
 * - the replies API: `POST /departments/<id>/replies`, `…/replies/suggest` and
 *   `…/approvals/{replyId}`, one resource each per department (each its own throttle), checked
 *   against the voice and approval policies, stored with their events;
 * - the publisher: "Reply Queued" events reach its queue from the bus (the table's stream
 *   publishes them, as every event); it posts each reply to its platform exactly once and
 *   records the outcome. A message it must try again later is put off until then; one that
 *   keeps failing ends in the dead-letter queue, which alarms.
 */
export class Replies extends Construct {
  readonly api: AppFunction;
  readonly publisher: AppFunction;
  readonly queue: SecureQueue;
  /** "Reply Requested" events from the bus, for the replies function. */
  readonly requests: SecureQueue;

  constructor(scope: Construct, id: string, props: RepliesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const toneModel = fileURLToPath(new URL(`../../lambdas/core/voice/tone/${REPLY_TONE_MODEL_FILE}`, import.meta.url));

    this.api = new AppFunction(this, 'Api', {
      entry: props.entry('replies/handler.ts'),
      description: 'The replies API: voice policy, approvals and suggested drafts, synchronously',
      memorySize: 512,
      secretsExtension: true,
      bundledConfig: props.config,
      bundledFiles: [toneModel],
      // A model writing drafts gets 8 s; API Gateway waits 29 s.
      ...(props.config.config.voice?.drafts ? { timeout: Duration.seconds(15) } : {}),
      environment: {
        TABLE_NAME: props.table.tableName,
        DEPARTMENT_SECRET_ARNS: stack.toJsonString(props.departmentSecrets.arns()),
        EVENT_BUS_NAME: props.bus.eventBusName,
      },
    });
    const drafts = props.config.config.voice?.drafts?.bedrock;
    if (drafts) this.grantDrafts(drafts.modelId);
    // Reads replies, engagements and assignments; writes a reply with its events in one transaction.
    props.table.grant(this.api.fn, 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem');
    props.departmentSecrets.grantRead(this.api.fn);
    // Replies departments put on the bus ("Reply Requested", from their own source) reach the
    // same function through a queue; refusals go back on the bus ("Reply Refused").
    this.requests = new SecureQueue(this, 'Requests', {
      visibilityTimeout: Duration.seconds(30 * 6),
      maxReceiveCount: 5,
    });
    props.alarms.alarmOnDeadLetters(
      this,
      'RequestsDeadLettersAlarm',
      this.requests.deadLetterQueue,
      'the reply requests dead-letter queue',
    );
    new Rule(this, 'ReplyRequested', {
      eventBus: props.bus,
      description: 'Replies departments put on the bus',
      eventPattern: {
        source: [{ prefix: LIFECYCLE_EVENTS.statusReported.sourcePrefix }] as unknown as string[],
        detailType: [REPLY_EVENTS.requested],
      },
    }).addTarget(
      new SqsQueue(this.requests.queue, {
        deadLetterQueue: this.requests.deadLetterQueue,
        retryAttempts: 185,
        maxEventAge: Duration.hours(24),
      }),
    );
    this.api.fn.addEventSource(
      new SqsEventSource(this.requests.queue, { batchSize: 10, reportBatchItemFailures: true }),
    );
    props.bus.grantPutEventsTo(this.api.fn);
    const integration = apiIntegration(this.api.fn);
    for (const resource of props.departmentResources.values()) {
      const replies = resource.addResource('replies');
      replies.addMethod('POST', integration);
      replies.addResource('suggest').addMethod('POST', integration);
      resource.addResource('approvals').addResource('{replyId}').addMethod('POST', integration);
    }

    this.queue = new SecureQueue(this, 'Queue', {
      visibilityTimeout: Duration.seconds(PUBLISHER_TIMEOUT.toSeconds() * 6),
      // Every attempt put off is a receive: room for a reply's every attempt; the publisher fails
      // a reply past MAX_DELIVERIES (25) itself, so none waits here still queued.
      maxReceiveCount: 30,
    });
    props.alarms.alarmOnDeadLetters(
      this,
      'DeadLettersAlarm',
      this.queue.deadLetterQueue,
      'the reply publisher dead-letter queue',
    );
    new Rule(this, 'ReplyQueued', {
      eventBus: props.bus,
      description: 'Replies ready to publish go to the publisher queue',
      eventPattern: { source: [REPLY_EVENT_SOURCE], detailType: [REPLY_EVENTS.queued] },
    }).addTarget(
      new SqsQueue(this.queue.queue, {
        deadLetterQueue: this.queue.deadLetterQueue,
        retryAttempts: 185,
        maxEventAge: Duration.hours(24),
      }),
    );

    this.publisher = new AppFunction(this, 'Publisher', {
      entry: props.entry('publisher/handler.ts'),
      description: 'Publishes each queued reply to its platform exactly once',
      timeout: PUBLISHER_TIMEOUT,
      memorySize: 256,
      secretsExtension: true,
      bundledConfig: props.config,
      environment: {
        TABLE_NAME: props.table.tableName,
        PLATFORM_SECRET_ARNS: stack.toJsonString(props.platformSecrets.arns()),
        REPLIES_QUEUE_URL: this.queue.queue.queueUrl,
        SLA_SCHEDULE_GROUP: props.slaScheduleGroup,
      },
    });
    props.table.grant(this.publisher.fn, 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem');
    props.platformSecrets.grantRead(this.publisher.fn);
    this.publisher.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['scheduler:DeleteSchedule'],
        resources: [
          stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${props.slaScheduleGroup}/*` }),
        ],
      }),
    );
    this.publisher.fn.addEventSource(
      // One reply per invocation: an attempt (a listing and a request, 10 s each) never races the timeout.
      new SqsEventSource(this.queue.queue, { batchSize: 1, reportBatchItemFailures: true }),
    );
    // Putting a message off until its retry time (the event source already lets it receive and delete).
    this.queue.queue.grant(this.publisher.fn, 'sqs:ChangeMessageVisibility');

    for (const fn of [this.api.fn, this.publisher.fn])
      Validations.of(fn).acknowledge(
        {
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason: 'AWSLambdaBasicExecutionRole only allows writing the function’s own logs.',
        },
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: 'X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions.',
        },
      );
    Validations.of(this.publisher.fn).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:${rendered(stack.partition, 'Partition')}:scheduler:${rendered(stack.region, 'Region')}:<AWS::AccountId>:schedule/${props.slaScheduleGroup}/*]`,
      reason:
        'A published reply deletes the first-response timer of its assignment: timers are named per assignment, all in this one group.',
    });
  }

  /**
   * Lets the replies API invoke the drafts model: a foundation model in this region, or a
   * cross-region inference profile (`us.anthropic…`) with the model it routes to in the regions
   * it lists (which the profile, not this stack, chooses: hence any region).
   */
  private grantDrafts(modelId: string): void {
    const stack = Stack.of(this);
    const profile = /^(us|eu|apac|us-gov|global)\./.exec(modelId);
    if (!profile) {
      this.api.fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['bedrock:InvokeModel'],
          resources: [
            stack.formatArn({ service: 'bedrock', account: '', resource: 'foundation-model', resourceName: modelId }),
          ],
        }),
      );
      return;
    }
    const model = modelId.slice(profile[0].length);
    this.api.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['bedrock:InvokeModel'],
        resources: [
          stack.formatArn({ service: 'bedrock', resource: 'inference-profile', resourceName: modelId }),
          `arn:${stack.partition}:bedrock:*::foundation-model/${model}`,
        ],
      }),
    );
    Validations.of(this.api.fn).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:${rendered(stack.partition, 'Partition')}:bedrock:*::foundation-model/${model}]`,
      reason: `The inference profile ${modelId} invokes ${model} in the regions it lists; only that model is allowed.`,
    });
  }
}

/** A value as cdk-nag renders it in a finding: tokens as <AWS::…>. */
const rendered = (value: string, token: string) => (Token.isUnresolved(value) ? `<AWS::${token}>` : value);
