import { Duration, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import type { AlarmTopic } from './alarm-topic.js';
import { AppFunction } from './app-function.js';

/** Props of {@link RetentionSweep}. */
export interface RetentionSweepProps {
  table: ITableV2;
  alarms: AlarmTopic;
  /** Days an engagement keeps its text (the config's `retention.engagements`). */
  engagementRetentionDays: number;
  /** Days anything about an engagement is kept (the config's `retention.audit`). */
  auditRetentionDays: number;
  /**
   * When the sweep runs. A cron, not a rate: the local twin runs rate schedules on their own
   * (faster under test), and a sweep must only run there when asked. @default 04:30 UTC daily,
   * after the 03:00 audit export
   */
  schedule?: Schedule;
  /** The handler file. @default lambdas/retention/handler.ts */
  entry?: string;
}

/**
 * The daily retention sweep (lambdas/retention/handler.ts; what goes when:
 * lambdas/core/audit/retention-sweep.ts): text scrubbed past `retention.engagements`, engagement
 * partitions, erasure tombstones and cases deleted past `retention.audit`.
 *
 * - One function, one run at a time (reserved concurrency 1: two runs would race the cursor and
 *   do each page twice), 15 minutes a run; a run that does not finish saves its cursor and the
 *   next day's goes on.
 * - Failures alarm: a run that fails (a failed item, a timeout, a throttled Scan) is not retried
 *   (the next run retries everything anyway) and its event lands in a dead-letter queue that
 *   alarms, as does an event the schedule could not deliver.
 * - Least privilege on the table: Scan (the sweep), Query (a partition's keys and history),
 *   BatchGetItem (audit chain heads), GetItem/PutItem (its cursor; audit records and chain heads),
 *   UpdateItem (scrubbing), DeleteItem (cutting a raw delivery out of its batch) and
 *   BatchWriteItem (deleting partitions). No stream, no bus: retention publishes nothing.
 */
export class RetentionSweep extends Construct {
  readonly function: AppFunction;
  readonly rule: Rule;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: RetentionSweepProps) {
    super(scope, id);
    for (const [name, days] of Object.entries({
      engagementRetentionDays: props.engagementRetentionDays,
      auditRetentionDays: props.auditRetentionDays,
    }))
      if (!Number.isInteger(days) || days <= 0)
        throw new Error(`RetentionSweep: ${name} must be whole days above zero`);

    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter queue (failed retention sweep runs and undeliverable schedule events).',
    });
    props.alarms.alarm(this, 'DeadLettersAlarm', {
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      description:
        'A retention sweep run failed (an item it could not scrub or delete, or the run itself): data may be kept past its retention. See the retention function’s logs; the next daily run retries.',
    });

    this.function = new AppFunction(this, 'Function', {
      entry: props.entry ?? fileURLToPath(new URL('../../lambdas/retention/handler.ts', import.meta.url)),
      description: 'Daily retention sweep: scrubs engagement text and deletes audit data past their retention',
      timeout: Duration.minutes(15),
      reservedConcurrentExecutions: 1,
      environment: {
        TABLE_NAME: props.table.tableName,
        RETENTION_ENGAGEMENT_DAYS: String(props.engagementRetentionDays),
        RETENTION_AUDIT_DAYS: String(props.auditRetentionDays),
      },
    });
    const fn = this.function.fn;
    props.table.grant(
      fn,
      'dynamodb:Scan',
      'dynamodb:Query',
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
    );
    // A failed run goes to the dead letters at once: a retry would only repeat what the next run does.
    fn.configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.deadLetterQueue),
    });

    this.rule = new Rule(this, 'Schedule', {
      schedule: props.schedule ?? Schedule.cron({ minute: '30', hour: '4' }),
      description: 'Runs the daily retention sweep of the engagements table',
    });
    this.rule.addTarget(
      new LambdaFunction(fn, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
      }),
    );

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
