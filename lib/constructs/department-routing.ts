import { CfnOutput, Duration, Stack, Tags, Validations } from 'aws-cdk-lib';
import { Rule, type IEventBus } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { REPLY_EVENT_SOURCE, REPLY_EVENTS } from '../../lambdas/core/replies/reply-events.js';
import type { Department } from '#core/config/config.schema.js';
import type { AlarmTopic } from './alarm-topic.js';
import { ENGAGEMENT_ROUTED } from '#core/engagement/engagement-routed.js';
import { LIFECYCLE_EVENTS } from '#core/assignments/status-report.schema.js';
import { ENGAGEMENT_ERASED } from '#core/lifecycle/erase.js';
import { SecureQueue } from './secure-queue.js';
import { CRISIS_EVENTS } from '#core/management/crisis.js';
import { SPIKE_DETECTED } from '#core/management/detect-spikes.js';

/** Props of {@link DepartmentRouting}. */
export interface DepartmentRoutingProps {
  department: Department;
  bus: IEventBus;
  alarms: AlarmTopic;
  /** The crisis playbook's team: its queue also gets "Spike Detected", "Crisis Started" and "Crisis Ended". */
  crisisTeam?: boolean;
}

/**
 * One department's delivery path: a rule on the bus matching engagements routed to it, and
 * its queue (named `<stack>-<department id>`) with a redrive dead-letter queue for messages
 * its consumer cannot handle, plus a target dead-letter queue for events EventBridge could not
 * deliver after retrying for a day. Both dead-letter queues alarm.
 */
export class DepartmentRouting extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly deliveryDeadLetterQueue: Queue;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: DepartmentRoutingProps) {
    super(scope, id);
    const { department } = props;
    const queueName = `${Stack.of(this).stackName}-${department.id}`;
    const queues = new SecureQueue(this, 'Inbox', {
      queueName,
      visibilityTimeout: Duration.minutes(5),
      maxReceiveCount: 10,
    });
    this.queue = queues.queue;
    this.deadLetterQueue = queues.deadLetterQueue;
    this.deliveryDeadLetterQueue = new Queue(this, 'DeliveryDeadLetters', {
      queueName: `${queueName}-delivery-dlq`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deliveryDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself a dead-letter queue (EventBridge target DLQ).',
    });
    for (const q of [this.queue, this.deadLetterQueue, this.deliveryDeadLetterQueue])
      Tags.of(q).add('switchboard:department', department.id);

    this.rule = new Rule(this, 'Rule', {
      eventBus: props.bus,
      description: `Engagements routed to ${department.name}`,
      eventPattern: {
        source: [ENGAGEMENT_ROUTED.source],
        detailType: [ENGAGEMENT_ROUTED.detailType],
        detail: { routing: { departments: [department.id] } },
      },
    });
    const target = new SqsQueue(this.queue, {
      deadLetterQueue: this.deliveryDeadLetterQueue,
      retryAttempts: 185,
      maxEventAge: Duration.hours(24),
    });
    this.rule.addTarget(target);
    // A report this department put on the bus that was not applied comes back to its queue.
    new Rule(this, 'StatusRejected', {
      eventBus: props.bus,
      description: `Status reports of ${department.name} that were not applied`,
      eventPattern: {
        source: [LIFECYCLE_EVENTS.statusRejected.source],
        detailType: [LIFECYCLE_EVENTS.statusRejected.detailType],
        detail: { department: [department.id] },
      },
    }).addTarget(target);
    // An engagement it received was erased on its author's request: it erases its copy too.
    new Rule(this, 'EngagementErased', {
      eventBus: props.bus,
      description: `Engagements ${department.name} received that were erased`,
      eventPattern: {
        source: [ENGAGEMENT_ERASED.source],
        detailType: [ENGAGEMENT_ERASED.detailType],
        detail: { departments: [department.id] },
      },
    }).addTarget(target);
    // Its replies' outcomes (docs/replies.md): approved, rejected, published or failed.
    new Rule(this, 'Replies', {
      eventBus: props.bus,
      description: `Outcomes of the replies ${department.name} submitted, and refused reply requests`,
      eventPattern: {
        source: [REPLY_EVENT_SOURCE],
        detailType: [
          REPLY_EVENTS.approved,
          REPLY_EVENTS.rejected,
          REPLY_EVENTS.published,
          REPLY_EVENTS.failed,
          REPLY_EVENTS.refused,
        ],
        detail: { departments: [department.id] },
      },
    }).addTarget(target);
    // Replies waiting for its approval.
    new Rule(this, 'ApprovalsAwaited', {
      eventBus: props.bus,
      description: `Replies waiting for ${department.name} to approve them`,
      eventPattern: {
        source: [REPLY_EVENT_SOURCE],
        detailType: [REPLY_EVENTS.submitted],
        detail: { approvals: { approvers: [department.id] } },
      },
    }).addTarget(target);

    if (props.crisisTeam)
      new Rule(this, 'CrisisNews', {
        eventBus: props.bus,
        description: `Spikes and crisis mode, for ${department.name} (the crisis team)`,
        eventPattern: {
          source: [CRISIS_EVENTS.source],
          detailType: [SPIKE_DETECTED.detailType, CRISIS_EVENTS.started, CRISIS_EVENTS.ended],
        },
      }).addTarget(target);

    props.alarms.alarmOnDeadLetters(
      this,
      'ConsumerDeadLettersAlarm',
      this.deadLetterQueue,
      `${department.id}'s consumer dead-letter queue`,
    );
    props.alarms.alarmOnDeadLetters(
      this,
      'DeliveryDeadLettersAlarm',
      this.deliveryDeadLetterQueue,
      `${department.id}'s delivery dead-letter queue`,
    );

    new CfnOutput(Stack.of(this), `${id}QueueUrl`, {
      value: this.queue.queueUrl,
      description: `${department.name}: queue URL to consume`,
    });
    new CfnOutput(Stack.of(this), `${id}QueueArn`, {
      value: this.queue.queueArn,
      description: `${department.name}: queue ARN (for IAM)`,
    });
  }
}
