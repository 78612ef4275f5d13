import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { LocalFunction } from './function-runner.js';

/** An AWS::Lambda::EventSourceMapping from an SQS queue, resolved to local names. */
export interface SqsEventSourceSpec {
  queueUrl: string;
  queueArn: string;
  batchSize: number;
  /** `ReportBatchItemFailures` in FunctionResponseTypes. */
  reportBatchItemFailures: boolean;
  region: string;
}

/**
 * Polls a queue and invokes the function with batches, as Lambda's SQS poller does: on success
 * the batch is deleted; with partial batch failures only the reported messages stay (they come
 * back after the visibility timeout and dead-letter after maxReceiveCount); if the function
 * throws, nothing is deleted.
 */
export class SqsEventSource {
  private running = false;
  private loop: Promise<void> | undefined;
  private inFlight = 0;

  constructor(
    private readonly sqs: SQSClient,
    private readonly fn: LocalFunction,
    private readonly spec: SqsEventSourceSpec,
    private readonly onError: (err: Error) => void = (err) => console.error(`[sqs→${fn.spec.functionName}] ${err.message}`),
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.poll();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** True while a batch is being processed (tests wait for quiet). */
  get busy(): boolean {
    return this.inFlight > 0;
  }

  private async poll(): Promise<void> {
    while (this.running) {
      let messages: Message[] = [];
      try {
        const out = await this.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: this.spec.queueUrl, MaxNumberOfMessages: Math.min(10, this.spec.batchSize), WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'] }),
        );
        messages = out.Messages ?? [];
      } catch (err) {
        if (!this.running) return;
        this.onError(err as Error);
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (messages.length === 0) continue;
      this.inFlight++;
      try {
        await this.deliver(messages);
      } catch (err) {
        this.onError(err as Error);
      } finally {
        this.inFlight--;
      }
    }
  }

  private async deliver(messages: Message[]): Promise<void> {
    const event: SQSEvent = {
      Records: messages.map((m) => ({
        messageId: m.MessageId ?? '',
        receiptHandle: m.ReceiptHandle ?? '',
        body: m.Body ?? '',
        attributes: (m.Attributes ?? {}) as SQSEvent['Records'][number]['attributes'],
        messageAttributes: {},
        md5OfBody: m.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: this.spec.queueArn,
        awsRegion: this.spec.region,
      })),
    };
    let failed = new Set<string>();
    try {
      const result = (await this.fn.invoke(event)) as SQSBatchResponse | undefined;
      if (this.spec.reportBatchItemFailures) failed = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (err) {
      this.onError(err as Error);
      return; // nothing deleted: the whole batch comes back after the visibility timeout
    }
    const done = messages.filter((m) => !failed.has(m.MessageId ?? ''));
    if (done.length === 0) return;
    const out = await this.sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl: this.spec.queueUrl, Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })) }),
    );
    // An undeleted message comes back after its visibility timeout; the function is idempotent.
    if (out.Failed?.length) this.onError(new Error(`${out.Failed.length} processed message(s) could not be deleted and will be delivered again`));
  }
}
