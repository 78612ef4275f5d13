import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { MathExpression, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { AlarmTopic } from './alarm-topic.js';
import { AppFunction } from './app-function.js';

/** Props of {@link AuditAnchors}. */
export interface AuditAnchorsProps {
  /** The audit bucket: exports under `exports/`, anchors written to `anchors/` (its Object Lock keeps them). */
  bucket: IBucket;
  alarms: AlarmTopic;
  /** The function's bundle entry (lambdas/anchor/handler.ts). */
  entry: string;
  /** Days audit records are kept (retention.audit): older chains may be gone from a later export. */
  auditRetentionDays: number;
  /** When the run starts (UTC), after the export has had time to finish. @default 05:30 daily */
  schedule?: Schedule;
  /** The auditors' Glue database and raw table, which each run points at the newest anchored export. */
  catalog: { databaseName: string; exportLinesTable: string };
}

/**
 * The daily root of the audit chains on AWS (docs/auditing.md, "Tamper evidence"): a function,
 * run every morning after the nightly export, that reads each finished export not yet anchored
 * back from the bucket, verifies its chains, checks that it extends the anchor before it, and
 * writes its anchor (the chains' heads and a root chained to the previous root) to `anchors/`,
 * where the bucket's Object Lock keeps it for the retention period. One alarm watches what it
 * reports: an export begun and never finished (how an export that starts and then fails looks
 * from the bucket), no export finished for a day, and chains that do not verify or no longer
 * extend their anchor.
 *
 * A schedule rather than the bucket's notifications: a run that fails or is missed anchors the
 * export the next day, and the overdue check needs a clock, not an object, to fire.
 */
export class AuditAnchors extends Construct {
  readonly function: AppFunction;

  constructor(scope: Construct, id: string, props: AuditAnchorsProps) {
    super(scope, id);
    this.function = new AppFunction(this, 'Anchor', {
      entry: props.entry,
      description: 'Anchors each finished audit export (chains verified, heads and root under Object Lock)',
      // Reads a whole export back: minutes and memory for a table of millions of items.
      timeout: Duration.minutes(15),
      memorySize: 3_008,
      reservedConcurrentExecutions: 1,
      environment: {
        AUDIT_BUCKET_NAME: props.bucket.bucketName,
        AUDIT_RETENTION_DAYS: String(props.auditRetentionDays),
        AUDIT_DATABASE_NAME: props.catalog.databaseName,
        EXPORT_LINES_TABLE: props.catalog.exportLinesTable,
      },
    });
    const fn = this.function.fn;
    props.bucket.grantRead(fn, 'exports/*');
    props.bucket.grantRead(fn, 'anchors/*');
    // Anchors are only ever added: no delete, and the lock would refuse one anyway.
    props.bucket.grantPut(fn, 'anchors/*');
    // Pointing the raw table at the newest export: that one table, nothing else in the catalog.
    const stack = Stack.of(this);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['glue:GetTable', 'glue:UpdateTable'],
        resources: [
          stack.formatArn({ service: 'glue', resource: 'catalog' }),
          stack.formatArn({ service: 'glue', resource: 'database', resourceName: props.catalog.databaseName }),
          stack.formatArn({
            service: 'glue',
            resource: 'table',
            resourceName: `${props.catalog.databaseName}/${props.catalog.exportLinesTable}`,
          }),
        ],
      }),
    );

    const deadLetters = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(deadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the anchor schedule.',
    });
    props.alarms.alarmOnDeadLetters(this, 'DeadLettersAlarm', deadLetters, 'the audit anchor schedule');
    new Rule(this, 'Daily', {
      schedule: props.schedule ?? Schedule.cron({ minute: '30', hour: '5' }),
      description: 'Anchors the audit exports finished since the last run',
    }).addTarget(new LambdaFunction(fn, { deadLetterQueue: deadLetters, retryAttempts: 2 }));

    const metric = (name: string) =>
      new Metric({
        namespace: 'Switchboard',
        metricName: name,
        // Powertools adds the function's service name (AppFunction: `<stack>-<id>`) as a dimension.
        dimensionsMap: { service: `${Stack.of(this).stackName}-Anchor` },
        statistic: 'Maximum',
        period: Duration.days(1),
      });
    props.alarms.alarm(this, 'AttentionAlarm', {
      metric: new MathExpression({
        expression: 'FILL(unfinished, 0) + FILL(overdue, 0) + FILL(problems, 0)',
        usingMetrics: {
          unfinished: metric('AuditExportsUnfinished'),
          overdue: metric('AuditExportOverdue'),
          problems: metric('AuditChainProblems'),
        },
        period: Duration.days(1),
        label: 'audit exports unfinished or overdue, and chain problems',
      }),
      description:
        'The audit trail needs attention: an export began and never finished, none finished for a day, or audit chains did not verify against their anchor. See docs/auditing.md, "When the audit alarm fires".',
    });

    const bucketWildcard = (prefix: string) => ({
      id: `AwsSolutions-IAM5[Resource::<${this.logicalRef(props.bucket)}.Arn>/${prefix}/*]`,
      reason: `DynamoDB and the anchor run name the objects under ${prefix}/ (one folder or file per export).`,
    });
    Validations.of(fn).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'AWSLambdaBasicExecutionRole only allows writing the function’s own logs.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions.',
      },
      bucketWildcard('exports'),
      bucketWildcard('anchors'),
      {
        id: 'AwsSolutions-IAM5[Action::s3:GetObject*]',
        reason: 'Reading exports and anchors (objects and their versions).',
      },
      { id: 'AwsSolutions-IAM5[Action::s3:GetBucket*]', reason: 'Read-only bucket metadata the reads need.' },
      { id: 'AwsSolutions-IAM5[Action::s3:List*]', reason: 'Listing the export folders and the anchors.' },
      {
        id: 'AwsSolutions-IAM5[Action::s3:Abort*]',
        reason: 'CDK’s put grant: aborting its own failed multipart uploads.',
      },
      {
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason: 'Encrypting anchors with the audit key needs every GenerateDataKey variant.',
      },
      { id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason: 'CDK’s encrypt/decrypt grant on the one audit key.' },
    );
  }

  /** The bucket's logical id as cdk-nag names it in a finding. */
  private logicalRef(bucket: IBucket): string {
    return bucket.stack.getLogicalId(bucket.node.defaultChild as never);
  }
}
