import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readFileSync } from 'node:fs';
import { parseConfig } from '#core/config/load-config.js';
import { adapters } from '#core/platforms/registry.js';
import { pollers } from '#core/polling/registry.js';
import { SwitchboardStack } from '#lib/switchboard-stack.js';

const configText = readFileSync('config/switchboard.yaml', 'utf8');
const config = parseConfig(configText);
const departments = config.config.departments.map((d) => d.id);

const featureFlags = (JSON.parse(readFileSync('cdk.json', 'utf8')) as { context: Record<string, unknown> }).context;

const pollingConfigText = `${configText}\npolling:\n  - { platform: rss, id: blog, url: "https://blog.example.com/feed.xml" }\n`;

/**
 * Synthesizes with cdk.json's feature flags, as `cdk synth` does. Bundling is skipped so the
 * assertions run in seconds; `npm start` and the integration tests run the real bundles.
 */
function synth(withNag = false, text = configText) {
  const app = new App({ context: { ...featureFlags, 'aws:cdk:bundling-stacks': [] } });
  const stack = new SwitchboardStack(app, 'Switchboard', {
    config: parseConfig(text),
    alarmEmail: 'oncall@example.com',
  });
  if (withNag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

const template = Template.fromStack(synth().stack);

/** webhook, process, publish, tracker, status, replies API, reply publisher, jobs, retention sweep, audit anchor, rollup, spike detection, console API, digest (the poller only with polling). */
const FUNCTIONS = 14;
/** Functions that are not Switchboard's: the one CDK's BucketDeployment runs (the console's files). */
const CDK_FUNCTIONS = 1;
/** The alarms every stack has, before those per department and platform (see the alarms test). */
const BASE_ALARMS = 14;

describe('Switchboard stack', () => {
  it('passes cdk-nag AwsSolutions with every acknowledgement justified', () => {
    const { app } = synth(true);
    expect(() => app.synth()).not.toThrow();
  });

  it('stays within CloudFormation’s 500 resources with ten departments', () => {
    // About 24 resources a department (queues, rules, alarms, a secret, API resources): ten is
    // what one stack holds today (docs/management.md, "Not yet"); this keeps it from shrinking.
    const extra = Array.from({ length: 10 - departments.length }, (_, i) => `  - { id: extra-${i}, name: Extra ${i} }`);
    const { app } = synth(false, configText.replace(/^defaultDepartment:/m, `${extra.join('\n')}\ndefaultDepartment:`));
    const resources = Object.keys(app.synth().getStackByName('Switchboard').template.Resources as object).length;
    expect(resources).toBeLessThanOrEqual(500);
  });

  it('keeps the table with PITR, encryption, deletion protection and TTL for raw deliveries', () => {
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        SSESpecification: Match.objectLike({ SSEEnabled: true }),
        Replicas: [
          Match.objectLike({
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            DeletionProtectionEnabled: true,
          }),
        ],
      }),
    });
  });

  it('gives every department a named queue with a redrive DLQ, a rule with retries and a target DLQ', () => {
    for (const id of departments) {
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: `Switchboard-${id}`,
        RedrivePolicy: Match.objectLike({ maxReceiveCount: 10 }),
        SqsManagedSseEnabled: true,
      });
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['switchboard'],
          'detail-type': ['Engagement Routed'],
          detail: { routing: { departments: [id] } },
        },
        Targets: [
          Match.objectLike({
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
            DeadLetterConfig: { Arn: Match.anyValue() },
          }),
        ],
      });
      template.hasOutput(`Department${id.replace(/-/g, '')}QueueUrl`, {});
    }
    // Per department: its engagements, its refused status reports, erasures, its replies'
    // outcomes and the replies awaiting its approval; the tracker's three; the one handing
    // queued replies to the publisher, and the one taking departments' "Reply Requested"; the
    // crisis team's spikes and crisis news.
    template.resourcePropertiesCountIs(
      'AWS::Events::Rule',
      { EventPattern: Match.anyValue() },
      5 * departments.length + 5 + 1,
    );
  });

  it('alarms on every dead-letter queue and on platforms being answered 5xx', () => {
    // intake DLQ, republish DLQ, publish failures, tracker DLQ, audit export failures, anchor
    // schedule DLQ, audit attention, retention sweep DLQ, failed jobs, reply publisher and reply
    // requests DLQs, rollup failures, spike and digest schedule DLQs + per department: consumer
    // DLQ and delivery DLQ + the API's 5XX count + refused signatures per platform
    template.resourceCountIs('AWS::CloudWatch::Alarm', BASE_ALARMS + 2 * departments.length + 1 + adapters.size);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 1,
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'IF(FILL(refused, 0) >= 5 AND FILL(accepted, 0) == 0, 1, 0)' }),
        Match.objectLike({
          Id: 'refused',
          MetricStat: Match.objectLike({
            Metric: {
              Namespace: 'Switchboard',
              MetricName: 'WebhookRefused',
              // As Powertools emits it: the function's service and the platform.
              Dimensions: [
                { Name: 'platform', Value: 'x' },
                { Name: 'service', Value: 'Switchboard-Webhook' },
              ],
            },
            Period: 900,
          }),
        }),
      ]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: '5XXError',
      Namespace: 'AWS/ApiGateway',
      Statistic: 'Sum',
      Threshold: 1,
    });
    // intake, republish and tracker with their DLQs, publish failures, audit export failures, the
    // anchor and retention schedules' DLQs, the reply publisher's and reply requests' queues with
    // their DLQs, rollup failures, the spike and digest schedules' DLQs, and three per department
    template.resourceCountIs('AWS::SQS::Queue', 17 + 3 * departments.length);
  });

  it('enforces TLS on every queue', () => {
    const policies = template.findResources('AWS::SQS::QueuePolicy');
    const denied = Object.values(policies).filter((p) => JSON.stringify(p).includes('aws:SecureTransport'));
    expect(denied.length).toBeGreaterThanOrEqual(1);
    const queues = Object.keys(template.findResources('AWS::SQS::Queue'));
    const covered = new Set(
      Object.values(policies).flatMap((p) => (p.Properties.Queues as { Ref: string }[]).map((q) => q.Ref)),
    );
    expect(queues.filter((q) => !covered.has(q))).toEqual([]);
  });

  it('runs every function on Node.js 24, arm64, with tracing and an explicit log group', () => {
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: Match.objectLike({ LogGroup: Match.anyValue() }),
      },
      FUNCTIONS,
    );
  });

  it('publishes from the table stream: inserts of engagement and lifecycle event items only, with partial failures, bisection and a failure destination', () => {
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      Properties: Match.objectLike({ StreamSpecification: { StreamViewType: 'NEW_IMAGE' } }),
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: Match.objectLike({ 'Fn::GetAtt': [Match.anyValue(), 'StreamArn'] }),
      StartingPosition: 'TRIM_HORIZON',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      FilterCriteria: {
        Filters: [
          { Pattern: JSON.stringify({ eventName: ['INSERT'], dynamodb: { Keys: { sk: { S: ['ENGAGEMENT'] } } } }) },
          {
            Pattern: JSON.stringify({
              eventName: ['INSERT'],
              dynamodb: { Keys: { sk: { S: [{ prefix: 'EVENT#' }] } } },
            }),
          },
        ],
      },
    });
  });

  it('lets only the publish function, the tracker and the replies function (both for refusals) put events on the bus, and the process function only store', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const putters = policies.filter((p) => JSON.stringify(p).includes('events:PutEvents'));
    expect(putters.map((p) => (p.Properties.Roles as { Ref: string }[])[0]!.Ref).sort()).toEqual([
      expect.stringMatching(/^LifecycleFunctionServiceRole/),
      expect.stringMatching(/^PublishFunctionServiceRole/),
      expect.stringMatching(/^RepliesApiFunctionServiceRole/),
    ]);
    const process = policies
      .filter((p) => JSON.stringify(p).includes('ProcessFunctionServiceRole'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[] }[]);
    expect(
      process
        .flatMap((st) => [st.Action].flat())
        .filter((a) => a.startsWith('dynamodb:'))
        .sort(),
    ).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:ConditionCheckItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
  });

  it('feeds the process function from the intake queue with partial batch failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('gives the webhook function no table access: it only enqueues, and its health is its metrics', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p).includes('WebhookFunctionServiceRole'),
    );
    expect(JSON.stringify(policies)).not.toContain('dynamodb:');
    expect(JSON.stringify(policies)).toContain('sqs:SendMessage');
  });

  it('gives the webhook the Parameters and Secrets extension, with its cache on', () => {
    const webhook = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('WebhookFunction'),
    )?.[1];
    expect(webhook?.Properties.Layers).toHaveLength(1);
    expect(JSON.stringify(webhook?.Properties.Layers)).toMatch(/paramsandsecrets/i);
    expect(webhook?.Properties.Environment.Variables).toMatchObject({
      PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED: 'true',
      SECRETS_MANAGER_TTL: '240',
    });
  });

  it('creates one secret per platform adapter and one per department; the webhook reads the first, the department API the second', () => {
    const credentialed = new Set([
      ...adapters.keys(),
      ...[...pollers.values()].filter((p) => p.secretKeys?.length).map((p) => p.platform),
    ]);
    template.resourceCountIs('AWS::SecretsManager::Secret', credentialed.size + departments.length);
    for (const id of departments) {
      template.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: Match.objectLike({ GenerateStringKey: 'statusToken', SecretStringTemplate: '{}' }),
        Tags: Match.arrayWith([{ Key: 'switchboard:department', Value: id }]),
      });
      template.hasOutput(`Department${id.replace(/-/g, '')}StatusSecretArn`, {});
    }
    const readers = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p).includes('secretsmanager:GetSecretValue'),
    );
    // The replies API checks department tokens; the publisher reads platform credentials.
    expect(readers.map((p) => (p.Properties.Roles as { Ref: string }[])[0]!.Ref).sort()).toEqual([
      expect.stringMatching(/^LifecycleStatusFunctionServiceRole/),
      expect.stringMatching(/^RepliesApiFunctionServiceRole/),
      expect.stringMatching(/^RepliesPublisherFunctionServiceRole/),
      expect.stringMatching(/^WebhookFunctionServiceRole/),
    ]);
    const status = readers.find((p) => JSON.stringify(p).includes('LifecycleStatusFunctionServiceRole'))!;
    expect(JSON.stringify(status)).toContain('LifecycleSecrets');
    expect(JSON.stringify(status)).not.toContain('PlatformSecrets');
  });

  it('serves POST /departments/<id>/status per department, each with its own throttle', () => {
    for (const id of departments) template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: id });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith(
        departments.map((id) =>
          Match.objectLike({
            HttpMethod: 'POST',
            ResourcePath: `/~1departments~1${id}~1status`,
            ThrottlingRateLimit: 20,
          }),
        ),
      ),
    });
  });

  it('feeds the tracker from the bus (department reports, routed engagements) and times SLAs with Scheduler into its queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: [{ prefix: 'switchboard.department.' }], 'detail-type': ['Status Reported'] },
    });
    for (const id of departments)
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: { source: ['switchboard'], 'detail-type': ['Status Rejected'], detail: { department: [id] } },
      });
    template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'Switchboard-sla' });
    // Scheduler's role may only send to the tracker's queues, and only for this account.
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': Match.anyValue() } },
          }),
        ],
      }),
    });
    const tracker = Object.values(template.findResources('AWS::IAM::Policy')).find((p) =>
      JSON.stringify(p).includes('LifecycleFunctionServiceRole'),
    )!;
    expect(JSON.stringify(tracker)).toContain('scheduler:CreateSchedule');
    expect(JSON.stringify(tracker)).toContain(':schedule/Switchboard-sla/*');
    expect(JSON.stringify(tracker)).toContain('iam:PassRole');
  });

  it('exposes GET and POST /webhooks/{platform} with throttling and access logs', () => {
    // GET and POST for webhooks, GET for the console API; per department, POST status, replies,
    // replies/suggest and approvals/{replyId}
    template.resourceCountIs('AWS::ApiGateway::Method', 3 + 4 * departments.length);
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{platform}' });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
      MethodSettings: Match.arrayWith([Match.objectLike({ DataTraceEnabled: false, ThrottlingRateLimit: 200 })]),
    });
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { BinaryMediaTypes: ['*/*'] });
  });

  it('exports the table daily to a locked, encrypted audit bucket that auditors can query with Athena and nothing else', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 7 * 365 } },
      },
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) }),
        ],
      },
      PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicAcls: true, RestrictPublicBuckets: true }),
      LoggingConfiguration: Match.objectLike({ DestinationBucketName: Match.anyValue() }),
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 3 * * ? *)',
      Target: Match.objectLike({
        Arn: 'arn:aws:scheduler:::aws-sdk:dynamodb:exportTableToPointInTime',
        Input: Match.anyValue(),
        DeadLetterConfig: { Arn: Match.anyValue() },
      }),
    });
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        ResultConfiguration: Match.objectLike({
          EncryptionConfiguration: Match.objectLike({ EncryptionOption: 'SSE_KMS' }),
        }),
      }),
    });
    const auditor = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p).includes('AuditAuditorRole'),
    );
    expect(auditor.length).toBeGreaterThan(0);
    const actions = auditor.flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).flatMap((st) => [st.Action].flat()),
    );
    expect(actions).toEqual(expect.arrayContaining(['athena:StartQueryExecution', 'glue:GetTable']));
    expect(actions.filter((a) => /^(dynamodb|sqs|events|s3:Delete|s3:PutBucket|s3:BypassGovernance)/.test(a))).toEqual(
      [],
    );
    for (const output of ['AuditBucketName', 'AuditorRoleArn', 'AthenaWorkGroup']) template.hasOutput(output, {});
  });

  it('keeps raw deliveries as long as the config’s retention says', () => {
    const process = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('ProcessFunction'),
    )?.[1];
    expect(process?.Properties.Environment.Variables.RAW_RETENTION_DAYS).toBe('30');
  });

  it('keeps an archive of routed events for replay', () => {
    template.hasResourceProperties('AWS::Events::Archive', { EventPattern: { source: ['switchboard'] } });
  });

  describe('with polling targets in the config', () => {
    it('adds the poller function on a one-minute schedule with a dead-letter queue that alarms, and passes cdk-nag', () => {
      const { app, stack } = synth(true, pollingConfigText);
      expect(() => app.synth()).not.toThrow();
      const polling = Template.fromStack(stack);
      polling.resourceCountIs('AWS::Lambda::Function', FUNCTIONS + CDK_FUNCTIONS + 1);
      // one poller run at a time, so two runs never race a target's cursor (as for the retention
      // sweep's and the anchor's runs)
      polling.resourcePropertiesCountIs('AWS::Lambda::Function', { ReservedConcurrentExecutions: 1 }, 3);
      polling.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 minute)',
        Targets: [
          Match.objectLike({
            RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 300 },
            DeadLetterConfig: { Arn: Match.anyValue() },
          }),
        ],
      });
      // + the poller schedule's DLQ + repeated poll failures of rss
      polling.resourceCountIs(
        'AWS::CloudWatch::Alarm',
        BASE_ALARMS + 2 * departments.length + 1 + adapters.size + 1 + 1,
      );
      polling.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'Switchboard',
        MetricName: 'PollFailed',
        Dimensions: [
          { Name: 'platform', Value: 'rss' },
          { Name: 'service', Value: 'Switchboard-Poller' },
        ],
        Threshold: 3,
      });
    });

    it('leaves the poller out when nothing is polled', () => {
      template.resourceCountIs('AWS::Lambda::Function', FUNCTIONS + CDK_FUNCTIONS);
      // The daily retention sweep and anchor run are crons; the one rate(…) beat without a
      // poller is spike detection's.
      template.resourcePropertiesCountIs(
        'AWS::Events::Rule',
        { ScheduleExpression: Match.stringLikeRegexp('^rate') },
        1,
      );
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 minute)',
        Description: 'Runs spike detection',
      });
    });
  });
});
