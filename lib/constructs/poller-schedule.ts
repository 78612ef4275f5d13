import { Duration, Validations } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { AlarmTopic } from './alarm-topic.js';

/** Props of {@link PollerSchedule}. */
export interface PollerScheduleProps {
  poller: IFunction;
  alarms: AlarmTopic;
  /** @default Duration.minutes(1) */
  every?: Duration;
  /** What the beat runs, for the rule's description and the alarm. @default the pollers */
  what?: string;
}

/**
 * Invokes a function on a fixed beat (the poller: each target's own `every` decides whether a
 * run polls it, so targets are added in the config without touching the schedule; spike
 * detection). An invocation that fails after Lambda's retries lands in a dead-letter queue
 * that alarms.
 */
export class PollerSchedule extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: PollerScheduleProps) {
    super(scope, id);
    const deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself a dead-letter queue (poller schedule target DLQ).',
    });
    const what = props.what ?? 'the pollers of due polling targets';
    props.alarms.alarmOnDeadLetters(
      this,
      'DeadLettersAlarm',
      deadLetterQueue,
      `the dead-letter queue of the schedule of ${what}`,
    );
    this.rule = new Rule(this, 'Rule', {
      schedule: Schedule.rate(props.every ?? Duration.minutes(1)),
      description: `Runs ${what}`,
    });
    // A missed beat is harmless (the next one polls what is due), so no retries that could pile up.
    this.rule.addTarget(
      new LambdaFunction(props.poller, { deadLetterQueue, retryAttempts: 0, maxEventAge: Duration.minutes(5) }),
    );
  }
}
