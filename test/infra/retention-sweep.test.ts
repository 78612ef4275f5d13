import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readFileSync } from 'node:fs';
import { AlarmTopic } from '#lib/constructs/alarm-topic.js';
import { EngagementTable } from '#lib/constructs/engagement-table.js';
import { RetentionSweep } from '#lib/constructs/retention-sweep.js';

const featureFlags = (JSON.parse(readFileSync('cdk.json', 'utf8')) as { context: Record<string, unknown> }).context;

/** The construct in a stack of its own, with cdk.json's feature flags and bundling skipped (as stack.test.ts does). */
function synth(withNag = false) {
  const app = new App({ context: { ...featureFlags, 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'RetentionTest');
  const alarms = new AlarmTopic(stack, 'Alarms');
  const { table } = new EngagementTable(stack, 'Engagements', { deletionProtection: false });
  const sweep = new RetentionSweep(stack, 'Retention', {
    table,
    alarms,
    engagementRetentionDays: 400,
    auditRetentionDays: 2_555,
  });
  if (withNag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, sweep, table };
}

const { stack, sweep, table } = synth();
const template = Template.fromStack(stack);
const functionId = stack.getLogicalId(sweep.function.fn.node.defaultChild as never);
const queueId = stack.getLogicalId(sweep.deadLetterQueue.node.defaultChild as never);

/** Every action the function's role is allowed, per statement. */
function statementsOfRole(): { Action: string | string[]; Resource: unknown }[] {
  const roleId = stack.getLogicalId(sweep.function.fn.role!.node.defaultChild as never);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => (p as { Properties: { Roles: { Ref: string }[] } }).Properties.Roles.some((r) => r.Ref === roleId))
    .flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } })
          .Properties.PolicyDocument.Statement,
    );
}

describe('RetentionSweep construct', () => {
  it('passes cdk-nag AwsSolutions with every acknowledgement justified', () => {
    const { app } = synth(true);
    expect(() => app.synth()).not.toThrow();
  });

  it('runs the function daily at 04:30 UTC (a cron, so the twin never runs it on its own)', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(30 4 * * ? *)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [functionId, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
          RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 2 }),
        }),
      ],
    });
  });

  it('gives the function the retention periods, 15 minutes and one run at a time', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 900,
      ReservedConcurrentExecutions: 1,
      Environment: {
        Variables: Match.objectLike({
          TABLE_NAME: Match.anyValue(),
          RETENTION_ENGAGEMENT_DAYS: '400',
          RETENTION_AUDIT_DAYS: '2555',
        }),
      },
    });
  });

  it('sends a failed run, unretried, to an encrypted dead-letter queue that alarms', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: functionId },
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [Match.anyValue()],
    });
  });

  it('allows the function only the table actions the sweep uses, on the table only', () => {
    const statements = statementsOfRole();
    const tableStatements = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')));
    expect(tableStatements).toHaveLength(1);
    expect([tableStatements[0]!.Action].flat().sort()).toEqual(
      [
        'dynamodb:BatchGetItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:Scan',
        'dynamodb:UpdateItem',
      ].sort(),
    );
    const tableId = stack.getLogicalId(table.node.defaultChild as never);
    expect(JSON.stringify(tableStatements[0]!.Resource)).toContain(tableId);
    const actions = statements.flatMap((s) => [s.Action].flat());
    // Nothing else: no wildcard table actions, no stream, no bus (retention publishes nothing).
    expect(actions.filter((a) => a.startsWith('dynamodb:') && a.includes('*'))).toEqual([]);
    expect(actions.filter((a) => a.startsWith('events:') || a.startsWith('dynamodb:GetRecords'))).toEqual([]);
    // The failure destination: sending to its own dead-letter queue, nothing more.
    const queueStatements = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('sqs:')));
    expect(queueStatements.flatMap((s) => [s.Action].flat()).sort()).toEqual([
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:SendMessage',
    ]);
    expect(queueStatements.map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': [queueId, 'Arn'] }]);
  });
});
