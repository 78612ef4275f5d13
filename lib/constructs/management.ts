import { Duration, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Key } from 'aws-cdk-lib/aws-kms';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { ENGAGEMENT_SORT_KEY } from '../../lambdas/aws/dynamodb-engagement-store.js';
import { EVENT_SORT_KEY_PREFIX } from '../../lambdas/aws/dynamodb-lifecycle-store.js';
import type { LoadedConfig } from '../../lambdas/core/config/load-config.js';
import type { AlarmTopic } from './alarm-topic.js';
import { AppFunction } from './app-function.js';
import { PollerSchedule } from './poller-schedule.js';

/** Props of {@link Management}. */
export interface ManagementProps {
  config: LoadedConfig;
  table: ITableV2;
  alarms: AlarmTopic;
  /** Entry file of a function under lambdas/. */
  entry(path: string): string;
}

/**
 * The management view's moving parts (docs/management.md):
 * - rollups: a second consumer of the table's stream counts engagements, first responses,
 *   resolutions, breaches and published replies per hour (and spike keys per minute), exactly
 *   once per record;
 * - spike detection: every minute, each `spikes:` entry against its baseline; "Spike Detected"
 *   and crisis mode are written with their events to the table, and the stream publishes them;
 * - the console's read-only API function.
 */
export class Management extends Construct {
  readonly rollup: AppFunction;
  readonly spikes: AppFunction;
  /** The console's read-only API (its route and sign-in: {@link ConsoleSite}). */
  readonly console: AppFunction;
  /** The daily digest (its bucket: {@link ConsoleSite}). */
  readonly digest: AppFunction;
  /** Where "the digest is ready" goes (the config's digest.emails subscribe). */
  readonly digestTopic: Topic;

  constructor(scope: Construct, id: string, props: ManagementProps) {
    super(scope, id);
    this.rollup = new AppFunction(this, 'Rollup', {
      entry: props.entry('rollup/handler.ts'),
      description: 'Counts engagements, responses, breaches and replies per hour from the table stream (rollups)',
      timeout: Duration.seconds(60),
      memorySize: 256,
      bundledConfig: props.config,
      environment: { TABLE_NAME: props.table.tableName },
    });
    // Reads an assignment (a response's time counts from its routing); adds counters, markers and feed rows.
    props.table.grant(
      this.rollup.fn,
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    );
    const failures = new Queue(this, 'RollupFailures', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(failures).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a failure destination (of the rollup stream event source); nothing consumes it, so it needs no dead-letter queue of its own.',
    });
    props.alarms.alarmOnDeadLetters(
      this,
      'RollupFailuresAlarm',
      failures,
      'the rollup failures queue (stream batches not counted)',
    );
    this.rollup.fn.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(5),
        // A batch fails whole and comes again (counting it twice is impossible: see the store).
        retryAttempts: 100,
        maxRecordAge: Duration.hours(12),
        bisectBatchOnError: true,
        onFailure: new SqsDlq(failures),
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

    this.spikes = new AppFunction(this, 'Spikes', {
      entry: props.entry('spikes/handler.ts'),
      description: 'Every minute: spike detection against each spike entry baseline; crisis mode started or ended',
      timeout: Duration.seconds(50),
      memorySize: 256,
      bundledConfig: props.config,
      environment: { TABLE_NAME: props.table.tableName },
    });
    // Reads minute counters and states; writes states with their chained events.
    props.table.grant(
      this.spikes.fn,
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
    );
    new PollerSchedule(this, 'SpikeSchedule', {
      poller: this.spikes.fn,
      alarms: props.alarms,
      what: 'spike detection',
    });

    this.console = new AppFunction(this, 'Console', {
      entry: props.entry('console/handler.ts'),
      description: 'The console read-only API: live feed, trends, service, rules and crisis from the rollups',
      timeout: Duration.seconds(15),
      memorySize: 512,
      bundledConfig: props.config,
      environment: { TABLE_NAME: props.table.tableName },
    });
    // Reads only: rollups, the feed index, engagements' text and states, crisis mode, spikes.
    props.table.grant(this.console.fn, 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query');

    // The daily digest: yesterday's, at 06:00 UTC, stored in the console bucket (ConsoleSite
    // grants it) and announced on a topic the config's digest.emails subscribe to.
    const digestKey = new Key(this, 'DigestKey', {
      enableKeyRotation: true,
      description: 'Encrypts Switchboard digest notifications',
    });
    this.digestTopic = new Topic(this, 'DigestTopic', {
      displayName: 'Switchboard daily digest',
      enforceSSL: true,
      masterKey: digestKey,
    });
    for (const email of props.config.config.digest.emails)
      this.digestTopic.addSubscription(new EmailSubscription(email));
    this.digest = new AppFunction(this, 'Digest', {
      entry: props.entry('digest/handler.ts'),
      description: "Every morning: yesterday's digest with charts, stored for the console and announced",
      timeout: Duration.minutes(2),
      memorySize: 1024,
      bundledConfig: props.config,
      environment: { TABLE_NAME: props.table.tableName, DIGEST_TOPIC_ARN: this.digestTopic.topicArn },
    });
    props.table.grant(this.digest.fn, 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query');
    // Publishing to an encrypted topic: these two key actions on its one key, nothing wider.
    this.digest.fn.addToRolePolicy(
      new PolicyStatement({ actions: ['sns:Publish'], resources: [this.digestTopic.topicArn] }),
    );
    this.digest.fn.addToRolePolicy(
      new PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [digestKey.keyArn] }),
    );
    const digestFailures = new Queue(this, 'DigestScheduleDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(digestFailures).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself a dead-letter queue (the digest schedule target DLQ).',
    });
    props.alarms.alarmOnDeadLetters(
      this,
      'DigestFailuresAlarm',
      digestFailures,
      'the digest schedule dead-letter queue',
    );
    new Rule(this, 'DigestSchedule', {
      schedule: Schedule.cron({ minute: '0', hour: '6' }),
      description: "Makes yesterday's digest",
    }).addTarget(new LambdaFunction(this.digest.fn, { deadLetterQueue: digestFailures, retryAttempts: 2 }));

    for (const fn of [this.rollup.fn, this.spikes.fn, this.console.fn, this.digest.fn])
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
}
