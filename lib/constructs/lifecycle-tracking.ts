import { apiIntegration } from './api-integration.js';
import { CfnOutput, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import type { IResource, RestApi } from 'aws-cdk-lib/aws-apigateway';

import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { CfnEventBusPolicy, type EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { CfnScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { REPLY_EVENT_SOURCE, REPLY_EVENTS } from '../../lambdas/core/replies/reply-events.js';
import type { LoadedConfig } from '#core/config/load-config.js';
import { LIFECYCLE_EVENTS } from '#core/assignments/status-report.schema.js';
import { ENGAGEMENT_ROUTED } from '#core/engagement/engagement-routed.js';
import type { AlarmTopic } from './alarm-topic.js';
import { AppFunction } from './app-function.js';
import { DepartmentSecrets } from './department-secrets.js';
import { SecureQueue } from './secure-queue.js';

/** Props of {@link LifecycleTracking}. */
export interface LifecycleTrackingProps {
  config: LoadedConfig;
  table: ITableV2;
  bus: EventBus;
  /** The REST API the department routes are added to. */
  api: RestApi;
  alarms: AlarmTopic;
  /** Entry file of a function under lambdas/. */
  entry(path: string): string;
}

/**
 * Closing the loop (docs/design.md, "Lifecycle" and "SLAs and escalation"):
 * - the department API: `POST /departments/<id>/status`, one resource per department so each has
 *   its own throttle, authenticated by the department's generated status token;
 * - the tracker: a queue fed by the bus ("Status Reported" from `switchboard.department.*`,
 *   "Engagement Routed") and by SLA timers, and the function that applies them;
 * - SLA timers: EventBridge Scheduler one-time schedules in their own group, sent to the tracker's
 *   queue by a role that may do nothing else;
 * - the bus policy: a department with an `account` may put events of its own source only.
 * Changes reach the bus through the table's stream (the publish function), like engagements.
 */
export class LifecycleTracking extends Construct {
  readonly tracker: AppFunction;
  readonly status: AppFunction;
  readonly queue: SecureQueue;
  /** Each department's `{ statusToken }` secret (the replies API checks the same tokens). */
  readonly secrets: DepartmentSecrets;
  /** `/departments/<id>` of the REST API, by department id. */
  readonly departmentResources = new Map<string, IResource>();
  /** The SLA timers' schedule group (a response that meets a deadline deletes its timer). */
  readonly slaScheduleGroup: string;

  constructor(scope: Construct, id: string, props: LifecycleTrackingProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { config } = props.config;
    const departments = config.departments.map((d) => d.id);
    const secrets = new DepartmentSecrets(this, 'Secrets', { departments });
    this.secrets = secrets;

    const trackerTimeout = Duration.seconds(30);
    this.queue = new SecureQueue(this, 'Tracker', {
      visibilityTimeout: Duration.seconds(trackerTimeout.toSeconds() * 6),
      maxReceiveCount: 5,
    });
    props.alarms.alarmOnDeadLetters(
      this,
      'TrackerDeadLettersAlarm',
      this.queue.deadLetterQueue,
      'the tracker dead-letter queue',
    );
    const target = new SqsQueue(this.queue.queue, {
      deadLetterQueue: this.queue.deadLetterQueue,
      retryAttempts: 185,
      maxEventAge: Duration.hours(24),
    });
    new Rule(this, 'StatusReported', {
      eventBus: props.bus,
      description: 'Status reports departments put on the bus',
      eventPattern: {
        source: [{ prefix: LIFECYCLE_EVENTS.statusReported.sourcePrefix }] as unknown as string[],
        detailType: [LIFECYCLE_EVENTS.statusReported.detailType],
      },
    }).addTarget(target);
    new Rule(this, 'ReplySubmitted', {
      eventBus: props.bus,
      description: 'Replies waiting for approval: their approval deadlines start',
      eventPattern: {
        source: [REPLY_EVENT_SOURCE],
        detailType: [REPLY_EVENTS.submitted],
        detail: { state: ['pending_approval'] },
      },
    }).addTarget(target);
    new Rule(this, 'EngagementRouted', {
      eventBus: props.bus,
      description: 'Routed engagements: their SLA timers start',
      eventPattern: { source: [ENGAGEMENT_ROUTED.source], detailType: [ENGAGEMENT_ROUTED.detailType] },
    }).addTarget(target);

    const group = new CfnScheduleGroup(this, 'SlaTimers', { name: `${stack.stackName}-sla` });
    this.slaScheduleGroup = group.name!;
    const schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: 'Lets EventBridge Scheduler send fired SLA timers to the tracker queue',
    });
    this.queue.queue.grantSendMessages(schedulerRole);
    this.queue.deadLetterQueue.grantSendMessages(schedulerRole);
    const schedules = stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${group.name}/*` });

    this.tracker = new AppFunction(this, 'Function', {
      entry: props.entry('tracker/handler.ts'),
      description: 'Applies status reports from the bus, starts SLA timers and escalates what breaches them',
      timeout: trackerTimeout,
      memorySize: 256,
      bundledConfig: props.config,
      environment: {
        TABLE_NAME: props.table.tableName,
        EVENT_BUS_NAME: props.bus.eventBusName,
        SLA_SCHEDULE_GROUP: group.name!,
        SLA_TARGET_ARN: this.queue.queue.queueArn,
        SLA_DEAD_LETTER_ARN: this.queue.deadLetterQueue.queueArn,
        SLA_SCHEDULER_ROLE_ARN: schedulerRole.roleArn,
      },
    });
    // Reads an assignment with its engagement (BatchGetItem, GetItem) and writes a change with
    // its events in one transaction (PutItem per item); publishes only "Status Rejected".
    props.table.grant(this.tracker.fn, 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem');
    props.bus.grantPutEventsTo(this.tracker.fn);
    this.tracker.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'],
        resources: [schedules],
      }),
    );
    schedulerRole.grantPassRole(this.tracker.fn.grantPrincipal);
    this.tracker.fn.addEventSource(
      new SqsEventSource(this.queue.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
      }),
    );

    this.status = new AppFunction(this, 'Status', {
      entry: props.entry('status/handler.ts'),
      description: 'The department API: applies a department’s status report synchronously',
      memorySize: 256,
      secretsExtension: true,
      bundledConfig: props.config,
      environment: {
        TABLE_NAME: props.table.tableName,
        DEPARTMENT_SECRET_ARNS: stack.toJsonString(secrets.arns()),
        SLA_SCHEDULE_GROUP: group.name!,
      },
    });
    props.table.grant(this.status.fn, 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem');
    secrets.grantRead(this.status.fn);
    // Only cancels the timers of a deadline a report meets.
    this.status.fn.addToRolePolicy(
      new PolicyStatement({ actions: ['scheduler:DeleteSchedule'], resources: [schedules] }),
    );
    const integration = apiIntegration(this.status.fn);
    const root = props.api.root.addResource('departments');
    for (const department of departments) {
      const resource = root.addResource(department);
      resource.addResource('status').addMethod('POST', integration);
      this.departmentResources.set(department, resource);
    }

    new CfnOutput(stack, 'DepartmentApiBaseUrl', {
      value: props.api.urlForPath('/departments'),
      description: 'Departments POST status reports to <this>/<department id>/status',
    });

    // A department in its own account may put "Status Reported" events of its own source, nothing else.
    for (const department of config.departments.filter((d) => d.account)) {
      new CfnEventBusPolicy(this, `BusPolicy-${department.id}`, {
        eventBusName: props.bus.eventBusName,
        statementId: `status-from-${department.id}`.slice(0, 64),
        statement: {
          Sid: `status-from-${department.id}`,
          Effect: 'Allow',
          Principal: { AWS: `arn:${stack.partition}:iam::${department.account}:root` },
          Action: 'events:PutEvents',
          Resource: props.bus.eventBusArn,
          Condition: {
            StringEquals: { 'events:source': `${LIFECYCLE_EVENTS.statusReported.sourcePrefix}${department.id}` },
          },
        },
      });
    }

    for (const fn of [this.tracker.fn, this.status.fn])
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
    // The finding names the resource as cdk-nag renders it: tokens as <AWS::…>.
    const rendered = (value: string, token: string) => (Token.isUnresolved(value) ? `<AWS::${token}>` : value);
    const schedulesFinding = `arn:${rendered(stack.partition, 'Partition')}:scheduler:${rendered(stack.region, 'Region')}:<AWS::AccountId>:schedule/${group.name}/*`;
    for (const fn of [this.tracker.fn, this.status.fn])
      Validations.of(fn).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${schedulesFinding}]`,
        reason:
          'SLA timers are created per assignment at run time, each with its own name, all in the one schedule group this grants.',
      });
  }

  /** Per-department method throttles for the REST API stage (`deployOptions.methodOptions`). */
  static methodOptions(
    departments: readonly string[],
    rateLimit = 20,
  ): Record<string, { throttlingRateLimit: number; throttlingBurstLimit: number }> {
    return Object.fromEntries(
      departments.flatMap((d) =>
        ['status', 'replies', 'replies/suggest', 'approvals/{replyId}'].map((path) => [
          `/departments/${d}/${path}/POST`,
          { throttlingRateLimit: rateLimit, throttlingBurstLimit: rateLimit * 2 },
        ]),
      ),
    );
  }
}
