import { CfnOutput, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import { CfnWorkGroup } from 'aws-cdk-lib/aws-athena';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { CfnDatabase } from 'aws-cdk-lib/aws-glue';
import { AccountRootPrincipal, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket, ObjectLockRetention } from 'aws-cdk-lib/aws-s3';
import { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { AlarmTopic } from './alarm-topic.js';
import { EXPORT_LINES_TABLE } from '../../lambdas/core/audit/athena-views.js';
import { AuditAnchors } from './audit-anchors.js';
import { AuditCatalog } from './audit-catalog.js';

/** Props of {@link AuditExports}. */
export interface AuditExportsProps {
  table: ITableV2;
  alarms: AlarmTopic;
  /** Days exports are kept (the config's `retention.exports`); Object Lock holds them as long. */
  retentionDays: number;
  /** When the daily export starts (Scheduler cron, UTC). @default 'cron(0 3 * * ? *)' */
  schedule?: string;
  /** Days audit records are kept (the config's `retention.audit`), for the anchor run's checks. */
  auditRetentionDays: number;
  /** The anchor function's bundle entry (lambdas/anchor/handler.ts). */
  anchorEntry: string;
}

/**
 * What auditors work from on AWS (docs/auditing.md): a daily full export of the table
 * (`ExportTableToPointInTime`, DynamoDB JSON) into an audit bucket that nobody can rewrite for
 * the retention period (Object Lock, versioning, KMS, TLS only, no public access, access logs),
 * a Glue database and an Athena workgroup whose results are encrypted in the same bucket, and an
 * auditor role that can read exports and run Athena but cannot touch the table or the queues.
 *
 * Full exports rather than incremental ones: an export is billed by the table's size, and an
 * auditor's question ("everything about this engagement") wants one self-contained snapshot;
 * incremental exports would need merging before any query. At Switchboard's sizes (gigabytes) a
 * daily full export costs cents.
 */
export class AuditExports extends Construct {
  readonly bucket: Bucket;
  readonly auditorRole: Role;
  readonly workGroup: CfnWorkGroup;
  readonly anchors: AuditAnchors;

  constructor(scope: Construct, id: string, props: AuditExportsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const key = new Key(this, 'Key', {
      description: 'Switchboard audit exports and Athena results',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const accessLogs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      lifecycleRules: [{ expiration: Duration.days(props.retentionDays) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket of the audit bucket; logging it into itself would loop.',
    });
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      // Governance mode: nobody rewrites or deletes an export for the retention period unless
      // explicitly granted s3:BypassGovernanceRetention (no role here is).
      objectLockDefaultRetention: ObjectLockRetention.governance(Duration.days(props.retentionDays)),
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'audit/',
      lifecycleRules: [
        { expiration: Duration.days(props.retentionDays + 1), noncurrentVersionExpiration: Duration.days(1) },
        { prefix: 'athena-results/', expiration: Duration.days(30) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // The daily export: Scheduler calls DynamoDB's API itself (a universal target), no function.
    const failures = new Queue(this, 'ExportScheduleFailures', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(failures).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the export schedule.',
    });
    props.alarms.alarmOnDeadLetters(this, 'ExportFailuresAlarm', failures, 'the daily audit export schedule');
    const exporter = new Role(this, 'ExportRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: 'Lets EventBridge Scheduler start the daily audit export of the table',
    });
    exporter.addToPolicy(
      new PolicyStatement({ actions: ['dynamodb:ExportTableToPointInTime'], resources: [props.table.tableArn] }),
    );
    this.bucket.grantPut(exporter, 'exports/*');
    exporter.addToPolicy(
      new PolicyStatement({
        actions: ['s3:AbortMultipartUpload', 's3:PutObjectAcl'],
        resources: [this.bucket.arnForObjects('exports/*')],
      }),
    );
    key.grantEncryptDecrypt(exporter);
    failures.grantSendMessages(exporter);
    new CfnSchedule(this, 'DailyExport', {
      description: 'Daily full export of the Switchboard table for auditors',
      scheduleExpression: props.schedule ?? 'cron(0 3 * * ? *)',
      scheduleExpressionTimezone: 'UTC',
      flexibleTimeWindow: { mode: 'FLEXIBLE', maximumWindowInMinutes: 30 },
      target: {
        arn: 'arn:aws:scheduler:::aws-sdk:dynamodb:exportTableToPointInTime',
        roleArn: exporter.roleArn,
        input: stack.toJsonString({
          TableArn: props.table.tableArn,
          S3Bucket: this.bucket.bucketName,
          S3Prefix: 'exports',
          ExportFormat: 'DYNAMODB_JSON',
          ExportType: 'FULL_EXPORT',
          S3SseAlgorithm: 'KMS',
          S3SseKmsKeyId: key.keyArn,
        }),
        retryPolicy: { maximumRetryAttempts: 10, maximumEventAgeInSeconds: 3_600 },
        deadLetterConfig: { arn: failures.queueArn },
      },
    });

    const database = new CfnDatabase(this, 'Database', {
      catalogId: stack.account,
      databaseInput: {
        name: `${stack.stackName.toLowerCase().replace(/[^a-z0-9_]/g, '_')}_audit`,
        description: 'Switchboard audit exports (tables: docs/auditing.md)',
      },
    });
    this.workGroup = new CfnWorkGroup(this, 'WorkGroup', {
      name: `${stack.stackName}-audit`,
      description: 'Switchboard auditors: queries over the table exports',
      recursiveDeleteOption: false,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        resultConfiguration: {
          outputLocation: this.bucket.s3UrlForObject('athena-results/'),
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: key.keyArn },
        },
      },
    });

    // The audit tables over the newest export, and the usual questions as named queries.
    new AuditCatalog(this, 'Catalog', {
      databaseName: (database.databaseInput as { name: string }).name,
      database,
      bucket: this.bucket,
      workGroup: this.workGroup,
    });
    // The daily root of the audit chains, and the alarm on exports that never finish.
    this.anchors = new AuditAnchors(this, 'Anchors', {
      bucket: this.bucket,
      alarms: props.alarms,
      entry: props.anchorEntry,
      auditRetentionDays: props.auditRetentionDays,
      catalog: {
        databaseName: (database.databaseInput as { name: string }).name,
        exportLinesTable: EXPORT_LINES_TABLE,
      },
    });

    // Auditors: read the exports, run Athena in this workgroup; nothing on the table or queues.
    this.auditorRole = new Role(this, 'AuditorRole', {
      assumedBy: new AccountRootPrincipal(),
      description: 'Auditors: read the audit exports and query them with Athena; no access to the live table',
    });
    this.bucket.grantRead(this.auditorRole, 'exports/*');
    // Athena writes query results as the caller; auditors never delete anything.
    this.bucket.grantRead(this.auditorRole, 'athena-results/*');
    this.bucket.grantPut(this.auditorRole, 'athena-results/*');
    key.grantEncryptDecrypt(this.auditorRole);
    this.auditorRole.addToPolicy(
      new PolicyStatement({
        actions: [
          'athena:StartQueryExecution',
          'athena:StopQueryExecution',
          'athena:GetQueryExecution',
          'athena:GetQueryResults',
          'athena:GetWorkGroup',
          'athena:ListNamedQueries',
          'athena:GetNamedQuery',
          // The console lists a workgroup's saved (named) queries with BatchGetNamedQuery.
          'athena:BatchGetNamedQuery',
        ],
        resources: [stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workGroup.name })],
      }),
    );
    const databaseName = database.databaseInput as { name: string };
    this.auditorRole.addToPolicy(
      new PolicyStatement({
        actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartitions'],
        resources: [
          stack.formatArn({ service: 'glue', resource: 'catalog' }),
          stack.formatArn({ service: 'glue', resource: 'database', resourceName: databaseName.name }),
          stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${databaseName.name}/*` }),
        ],
      }),
    );
    const rendered = (value: string, token: string) => (Token.isUnresolved(value) ? `<AWS::${token}>` : value);
    const bucketRef = `<${stack.getLogicalId(this.bucket.node.defaultChild as CfnBucket)}.Arn>`;
    const keyWildcards = [
      {
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason: 'Encrypting export and result objects with the one audit key needs every GenerateDataKey variant.',
      },
      {
        id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
        reason: 'CDK’s encrypt/decrypt grant on the one audit key; ReEncrypt stays within that key.',
      },
    ];
    Validations.of(exporter).acknowledge(
      ...keyWildcards,
      {
        id: 'AwsSolutions-IAM5[Action::s3:Abort*]',
        reason: 'DynamoDB writes exports as multipart uploads and aborts the ones that fail.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${bucketRef}/exports/*]`,
        reason: 'DynamoDB names the export objects itself, under the exports/ prefix only.',
      },
    );
    Validations.of(this.auditorRole).acknowledge(
      ...keyWildcards,
      {
        id: 'AwsSolutions-IAM5[Action::s3:Abort*]',
        reason: 'Athena writes query results as multipart uploads and aborts the ones that fail.',
      },
      {
        id: 'AwsSolutions-IAM5[Action::s3:GetBucket*]',
        reason: 'Read-only bucket metadata Athena checks before reading.',
      },
      {
        id: 'AwsSolutions-IAM5[Action::s3:GetObject*]',
        reason: 'Reading exports and results (objects and their versions).',
      },
      { id: 'AwsSolutions-IAM5[Action::s3:List*]', reason: 'Listing the exports to query them.' },
      {
        id: `AwsSolutions-IAM5[Resource::${bucketRef}/exports/*]`,
        reason: 'Auditors read every export; DynamoDB names the objects.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${bucketRef}/athena-results/*]`,
        reason: 'Athena names the result objects of each query.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:${rendered(stack.partition, 'Partition')}:glue:${rendered(stack.region, 'Region')}:<AWS::AccountId>:table/${databaseName.name}/*]`,
        reason: 'The tables of the one audit database, defined by the auditing views.',
      },
    );

    new CfnOutput(stack, 'AuditBucketName', {
      value: this.bucket.bucketName,
      description: 'Daily table exports for auditors',
    });
    new CfnOutput(stack, 'AuditorRoleArn', {
      value: this.auditorRole.roleArn,
      description: 'Auditors assume this role: read exports, run Athena; no live table access',
    });
    new CfnOutput(stack, 'AuditKeyArn', {
      value: key.keyArn,
      description: 'The key of the audit bucket (switchboard audit export --stack encrypts with it)',
    });
    new CfnOutput(stack, 'AthenaWorkGroup', {
      value: this.workGroup.name,
      description: 'Athena workgroup for auditors',
    });
  }
}
