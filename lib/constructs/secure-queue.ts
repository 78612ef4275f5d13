import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Props of {@link SecureQueue}. */
export interface SecureQueueProps {
  /** The queue's name; omit to let CloudFormation choose. */
  queueName?: string;
  /** @default Duration.seconds(30) */
  visibilityTimeout?: Duration;
  /** Receives after which a message moves to the dead-letter queue. @default 5 */
  maxReceiveCount?: number;
  /** @default Duration.days(14) */
  retentionPeriod?: Duration;
  /** @default 262144 (256 KiB, SQS's default) */
  maxMessageSizeBytes?: number;
}

/**
 * A queue with its own dead-letter queue: both encrypted (SSE-SQS, which EventBridge can write
 * to without key-policy changes) and refusing plain-HTTP access.
 */
export class SecureQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: SecureQueueProps = {}) {
    super(scope, id);
    const retentionPeriod = props.retentionPeriod ?? Duration.days(14);
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      queueName: props.queueName ? `${props.queueName}-dlq` : undefined,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      maxMessageSizeBytes: props.maxMessageSizeBytes,
    });
    this.queue = new Queue(this, 'Queue', {
      queueName: props.queueName,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod,
      maxMessageSizeBytes: props.maxMessageSizeBytes,
      visibilityTimeout: props.visibilityTimeout ?? Duration.seconds(30),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });
  }
}
