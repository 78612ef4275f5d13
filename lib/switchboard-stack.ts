import { CfnOutput, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { FilterCriteria, FilterRule, StartingPosition, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import type { EnrichmentSettings } from '../lambdas/core/config/config.schema.js';
import type { LoadedConfig } from '../lambdas/core/config/load-config.js';
import { MODEL_FILE } from '../lambdas/core/enrichment/model/shipped-model.js';
import { MAX_INTAKE_MESSAGE_BYTES } from '../lambdas/core/intake/limits.js';
import { retentionDays } from '../lambdas/core/config/retention.js';
import { adapters } from '../lambdas/core/platforms/registry.js';
import { ENGAGEMENT_SORT_KEY } from '../lambdas/aws/dynamodb-engagement-store.js';
import { EVENT_SORT_KEY_PREFIX } from '../lambdas/aws/dynamodb-lifecycle-store.js';
import { pollers } from '../lambdas/core/polling/registry.js';
import { AlarmTopic } from './constructs/alarm-topic.js';
import { AuditExports } from './constructs/audit-exports.js';
import { AppFunction } from './constructs/app-function.js';
import { DepartmentRouting } from './constructs/department-routing.js';
import { EngagementBus } from './constructs/engagement-bus.js';
import { EngagementTable } from './constructs/engagement-table.js';
import { PlatformSecrets } from './constructs/platform-secrets.js';
import { PollerSchedule } from './constructs/poller-schedule.js';
import { ConnectorHealthAlarms } from './constructs/connector-health-alarms.js';
import { SecureQueue } from './constructs/secure-queue.js';
import { LifecycleTracking } from './constructs/lifecycle-tracking.js';
import { MaintenanceJobs } from './constructs/maintenance-jobs.js';
import { Replies } from './constructs/replies.js';
import { Management } from './constructs/management.js';
import { OperationsDashboard } from './constructs/dashboard.js';
import { ConsoleSite } from './constructs/console-site.js';
import { RetentionSweep } from './constructs/retention-sweep.js';
import { WebhookApi } from './constructs/webhook-api.js';

/** Props of {@link SwitchboardStack}. */
export interface SwitchboardStackProps extends StackProps {
  /** The validated governance config (departments become queues and rules). */
  config: LoadedConfig;
  /** Receives every alarm. */
  alarmEmail?: string;
  /** Days raw deliveries are kept before TTL removes them. @default the config's `retention.rawDeliveries` */
  rawRetentionDays?: number;
  /** @default true */
  tableDeletionProtection?: boolean;
}

const lambdaEntry = (path: string) => fileURLToPath(new URL(`../lambdas/${path}`, import.meta.url));

/**
 * Switchboard: webhook → intake queue → process function → table → (the table's stream)
 * publish function → bus → one queue per department. Nothing is acknowledged to a platform
 * before it is in the intake queue, an engagement is published because it was stored (an
 * outbox), and every queue that can hold an undeliverable message alarms.
 */
export class SwitchboardStack extends Stack {
  constructor(scope: Construct, id: string, props: SwitchboardStackProps) {
    super(scope, id, props);
    const { config } = props.config;
    const alarms = new AlarmTopic(this, 'Alarms', { email: props.alarmEmail });
    const table = new EngagementTable(this, 'Engagements', { deletionProtection: props.tableDeletionProtection });
    const { bus } = new EngagementBus(this, 'Routing', { eventBusName: `${this.stackName}-engagements` });
    const secrets = new PlatformSecrets(this, 'PlatformSecrets', { platforms: platformsWithSecrets() });

    const processTimeout = Duration.seconds(30);
    const intake = new SecureQueue(this, 'Intake', {
      visibilityTimeout: Duration.seconds(processTimeout.toSeconds() * 6),
      maxReceiveCount: 5,
      retentionPeriod: Duration.days(4),
      maxMessageSizeBytes: MAX_INTAKE_MESSAGE_BYTES,
    });
    alarms.alarmOnDeadLetters(this, 'IntakeDeadLettersAlarm', intake.deadLetterQueue, 'the intake dead-letter queue');

    const webhook = new AppFunction(this, 'Webhook', {
      entry: lambdaEntry('webhook/handler.ts'),
      description: 'Verifies platform webhooks and writes them to the intake queue',
      memorySize: 256,
      secretsExtension: true,
      environment: { INTAKE_QUEUE_URL: intake.queue.queueUrl, PLATFORM_SECRET_ARNS: this.toJsonString(secrets.arns()) },
    });
    // The webhook only enqueues: connector health is its metrics, so it has no table access at all.
    intake.queue.grantSendMessages(webhook.fn);
    secrets.grantRead(webhook.fn);

    const processFunction = new AppFunction(this, 'Process', {
      entry: lambdaEntry('process/handler.ts'),
      description: 'Normalizes, enriches, routes and stores engagements (the table stream publishes them)',
      timeout: processTimeout,
      bundledConfig: { ...props.config, path: 'switchboard.yaml (bundled)' },
      // The trained enrichment model, read next to the bundle at cold start.
      bundledFiles: [fileURLToPath(new URL(`../lambdas/core/enrichment/model/${MODEL_FILE}`, import.meta.url))],
      environment: {
        TABLE_NAME: table.table.tableName,
        RAW_RETENTION_DAYS: String(props.rawRetentionDays ?? retentionDays(config.retention.rawDeliveries)),
      },
    });
    // PutItem for engagements and raw deliveries (and, with a follow-up, its case and the
    // assignments it reopens), UpdateItem for edits, GetItem to tell a deletion from a missing
    // engagement and to read a case, Query for a case's holders and ConditionCheckItem for those it
    // leaves as they are; publishing is the publish function's job.
    table.table.grant(
      processFunction.fn,
      'dynamodb:PutItem',
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
      'dynamodb:Query',
      'dynamodb:ConditionCheckItem',
      // The heads of audit chains an edit or a reopened case extends.
      'dynamodb:BatchGetItem',
      // A platform's deletion cuts the raw delivery out of its batch (fewer parts).
      'dynamodb:DeleteItem',
    );
    grantEnrichment(this, processFunction.fn, config.enrichment);
    processFunction.fn.addEventSource(
      new SqsEventSource(intake.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
      }),
    );

    // The outbox: each engagement item the table's stream reports as inserted is published once.
    // What the bus refuses goes to the republish queue (retries, dead letters, alarm, redrive).
    const publishTimeout = Duration.seconds(30);
    const republish = new SecureQueue(this, 'Republish', {
      visibilityTimeout: Duration.seconds(publishTimeout.toSeconds() * 6),
      maxReceiveCount: 5,
      retentionPeriod: Duration.days(14),
    });
    alarms.alarmOnDeadLetters(
      this,
      'RepublishDeadLettersAlarm',
      republish.deadLetterQueue,
      'the republish dead-letter queue',
    );
    // Where Lambda records a stream batch it gave up on (its place in the stream, not its records).
    const publishFailures = new Queue(this, 'PublishFailures', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(publishFailures).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a failure destination (of the table stream event source); nothing consumes it, so it needs no dead-letter queue of its own.',
    });
    alarms.alarmOnDeadLetters(
      this,
      'PublishFailuresAlarm',
      publishFailures,
      'the publish failures queue (stream batches given up on)',
    );
    const publish = new AppFunction(this, 'Publish', {
      entry: lambdaEntry('publish/handler.ts'),
      description:
        'Publishes each newly stored engagement to the bus (from the table stream) and retries what the bus refused',
      timeout: publishTimeout,
      // JSON in, PutEvents out: the smallest size that keeps the SDK's start-up quick.
      memorySize: 256,
      environment: {
        EVENT_BUS_NAME: bus.eventBusName,
        REPUBLISH_QUEUE_URL: republish.queue.queueUrl,
        TABLE_NAME: table.table.tableName,
      },
    });
    bus.grantPutEventsTo(publish.fn);
    // The republish queue carries ids: the engagement is read from the table when it is published.
    table.table.grant(publish.fn, 'dynamodb:GetItem');
    republish.queue.grantSendMessages(publish.fn);
    publish.fn.addEventSource(
      new DynamoEventSource(table.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
        // Only what the function itself cannot hand off fails a batch (the bus and the republish
        // queue both refusing); hours of retries, then the batch's place in the stream is kept
        // in the failures queue, with an alarm.
        retryAttempts: 1_000,
        maxRecordAge: Duration.hours(12),
        bisectBatchOnError: true,
        onFailure: new SqsDlq(publishFailures),
        // Engagements, and the events lifecycle changes are written with (the same outbox).
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('INSERT'),
            dynamodb: { Keys: { sk: { S: FilterRule.isEqual(ENGAGEMENT_SORT_KEY) } } },
          }),
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('INSERT'),
            dynamodb: { Keys: { sk: { S: FilterRule.beginsWith(EVENT_SORT_KEY_PREFIX) } } },
          }),
        ],
      }),
    );
    publish.fn.addEventSource(new SqsEventSource(republish.queue, { batchSize: 10, reportBatchItemFailures: true }));
    const functions = [webhook.fn, processFunction.fn, publish.fn];

    const api = new WebhookApi(this, 'Webhooks', {
      handler: webhook.fn,
      alarms,
      methodOptions: LifecycleTracking.methodOptions(config.departments.map((d) => d.id)),
    });
    const lifecycle = new LifecycleTracking(this, 'Lifecycle', {
      config: props.config,
      table: table.table,
      bus,
      api: api.api,
      alarms,
      entry: lambdaEntry,
    });
    new Replies(this, 'Replies', {
      config: props.config,
      table: table.table,
      bus,
      alarms,
      departmentResources: lifecycle.departmentResources,
      departmentSecrets: lifecycle.secrets,
      platformSecrets: secrets,
      slaScheduleGroup: lifecycle.slaScheduleGroup,
      entry: lambdaEntry,
    });
    const management = new Management(this, 'Management', {
      config: props.config,
      table: table.table,
      alarms,
      entry: lambdaEntry,
    });
    const consoleSite = new ConsoleSite(this, 'Console', {
      api: api.api,
      consoleFunction: management.console.fn,
      digestFunction: management.digest.fn,
    });
    new OperationsDashboard(this, 'Dashboard', { consoleUrl: consoleSite.url });
    new ConnectorHealthAlarms(this, 'ConnectorHealth', {
      alarms,
      webhookPlatforms: [...adapters.keys()],
      polledPlatforms: [...new Set(config.polling.map((t) => t.platform))],
      webhookService: webhook.serviceName,
      pollerService: AppFunction.serviceNameOf(this, 'Poller'),
    });

    if (config.polling.length > 0) {
      const poller = new AppFunction(this, 'Poller', {
        entry: lambdaEntry('poller/handler.ts'),
        description: 'Polls the configured sources without push and writes what is new to the intake queue',
        timeout: Duration.seconds(60),
        // One run at a time: two overlapping runs could poll the same target and race its cursor.
        reservedConcurrentExecutions: 1,
        secretsExtension: true,
        bundledConfig: { ...props.config, path: 'switchboard.yaml (bundled)' },
        environment: {
          TABLE_NAME: table.table.tableName,
          INTAKE_QUEUE_URL: intake.queue.queueUrl,
          PLATFORM_SECRET_ARNS: this.toJsonString(secrets.arns()),
        },
      });
      table.table.grant(poller.fn, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
      intake.queue.grantSendMessages(poller.fn);
      secrets.grantRead(poller.fn);
      new PollerSchedule(this, 'Polling', { poller: poller.fn, alarms });
      functions.push(poller.fn);
    }
    for (const department of config.departments)
      new DepartmentRouting(this, `Department-${department.id}`, {
        department,
        bus,
        alarms,
        crisisTeam: config.crisis?.team === department.id,
      });
    // Replay and erasure on AWS: started by the CLI (`--stack`), run by the state machine.
    const jobs = new MaintenanceJobs(this, 'Jobs', {
      config: props.config,
      table: table.table,
      entry: lambdaEntry,
      alarms,
    });
    new AuditExports(this, 'Audit', {
      table: table.table,
      alarms,
      retentionDays: retentionDays(config.retention.exports) ?? 2_555,
      auditRetentionDays: retentionDays(config.retention.audit) ?? 2_555,
      anchorEntry: lambdaEntry('anchor/handler.ts'),
    });
    new RetentionSweep(this, 'Retention', {
      table: table.table,
      alarms,
      engagementRetentionDays: retentionDays(config.retention.engagements) ?? 400,
      auditRetentionDays: retentionDays(config.retention.audit) ?? 2_555,
    });

    for (const fn of functions) {
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
    }
    new CfnOutput(this, 'TableName', { value: table.table.tableName });
    new CfnOutput(this, 'EventBusName', { value: bus.eventBusName });
    new CfnOutput(this, 'IntakeQueueUrl', { value: intake.queue.queueUrl });
    new CfnOutput(this, 'TrackerQueueUrl', { value: lifecycle.queue.queue.queueUrl });
    new CfnOutput(this, 'JobsStateMachineArn', {
      value: jobs.stateMachine.stateMachineArn,
      description: 'switchboard replay --stack and erase --stack start their jobs here',
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: alarms.topic.topicArn,
      description: 'Subscribe on-call to this topic',
    });
  }
}

/**
 * What the configured enrichment calls: Comprehend's Detect* APIs (which have no resource-level
 * permissions) and InvokeModel on the one configured foundation model. Nothing for `local`.
 */
function grantEnrichment(stack: Stack, fn: IFunction, settings: EnrichmentSettings): void {
  if (settings.provider === 'comprehend') {
    const policy = new Policy(stack, 'ComprehendEnrichmentPolicy', {
      statements: [
        new PolicyStatement({
          actions: ['comprehend:DetectDominantLanguage', 'comprehend:DetectSentiment', 'comprehend:DetectPiiEntities'],
          resources: ['*'],
        }),
      ],
    });
    fn.role?.attachInlinePolicy(policy);
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Comprehend DetectDominantLanguage/DetectSentiment/DetectPiiEntities have no resource-level permissions.',
    });
  }
  if (settings.intents === 'bedrock' && settings.bedrockModelId) {
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['bedrock:InvokeModel'],
        resources: [
          stack.formatArn({
            service: 'bedrock',
            account: '',
            resource: 'foundation-model',
            resourceName: settings.bedrockModelId,
          }),
        ],
      }),
    );
  }
}

/**
 * Webhook adapters and credentialed pollers, each platform once with the union of their secret
 * keys. Not the reply publishers': a secret's placeholder template changing on a deploy would
 * write the placeholders over the values an admin put in, so publishing keys are added to the
 * same secret by hand (README, "Secrets").
 */
function platformsWithSecrets(): { id: string; secretKeys: string[] }[] {
  const keys = new Map<string, Set<string>>();
  for (const { id, secretKeys } of [
    ...adapters.values(),
    ...[...pollers.values()].map((p) => ({ id: p.platform, secretKeys: p.secretKeys ?? [] })),
  ]) {
    if (secretKeys.length === 0 && !adapters.has(id as never)) continue;
    const set = keys.get(id) ?? new Set<string>();
    for (const k of secretKeys) set.add(k);
    keys.set(id, set);
  }
  return [...keys].map(([id, set]) => ({ id, secretKeys: [...set] }));
}
