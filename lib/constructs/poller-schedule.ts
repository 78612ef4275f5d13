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
}

/**
 * Invokes the poller function on a fixed beat; each target's own `every` decides whether a run
 * polls it, so targets are added in the config without touching the schedule. An invocation
 * that fails after Lambda's retries lands in a dead-letter queue that alarms.
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
    props.alarms.alarmOnDeadLetters(this, 'DeadLettersAlarm', deadLetterQueue, 'the poller schedule dead-letter queue');
    this.rule = new Rule(this, 'Rule', {
      schedule: Schedule.rate(props.every ?? Duration.minutes(1)),
      description: 'Runs the pollers of due polling targets',
    });
    // A missed beat is harmless (the next one polls what is due), so no retries that could pile up.
    this.rule.addTarget(
      new LambdaFunction(props.poller, { deadLetterQueue, retryAttempts: 0, maxEventAge: Duration.minutes(5) }),
    );
  }
}
