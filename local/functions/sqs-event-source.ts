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
  /**
   * `MaximumBatchingWindowInSeconds`, in ms: how long a poller keeps gathering messages before
   * it invokes with fewer than `batchSize` (fuller batches, fewer invocations). @default 0
   */
  maxBatchingWindowMs?: number;
  /**
   * Batches in flight at once: the mapping's `ScalingConfig.MaximumConcurrency`, else the
   * function's reserved concurrency, else 5 (the concurrent batches Lambda starts an SQS
   * mapping with). @default 1
   */
  concurrency?: number;
}

/** Most concurrent batches the twin runs for one mapping, whatever the template allows: it shares one machine. */
export const MAX_LOCAL_CONCURRENCY = 10;

/**
 * Polls a queue and invokes the function with batches, as Lambda's SQS poller does, with as
 * many batches in flight as the mapping allows (so a backlog drains as on AWS, not one batch at a
 * time), and in no particular order across batches (a standard queue has none): on success
 * the batch is deleted; with partial batch failures only the reported messages stay (they come
 * back after the visibility timeout and dead-letter after maxReceiveCount); if the function
 * throws, nothing is deleted.
 */
export class SqsEventSource {
  private running = false;
  private loops: Promise<void>[] = [];
  private inFlight = 0;

  constructor(
    private readonly sqs: SQSClient,
    private readonly fn: LocalFunction,
    private readonly spec: SqsEventSourceSpec,
    private readonly onError: (err: Error) => void = (err) =>
      console.error(`[sqs→${fn.spec.functionName}] ${err.message}`),
  ) {}

  start(): void {
    this.running = true;
    const pollers = Math.max(1, Math.min(MAX_LOCAL_CONCURRENCY, this.spec.concurrency ?? 1));
    this.loops = Array.from({ length: pollers }, () => this.poll());
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
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
          new ReceiveMessageCommand({
            QueueUrl: this.spec.queueUrl,
            MaxNumberOfMessages: Math.min(10, this.spec.batchSize),
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['All'],
          }),
        );
        messages = out.Messages ?? [];
      } catch (err) {
        if (!this.running) return;
        this.onError(err as Error);
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (messages.length === 0) continue;
      // Received messages count as in flight while they are gathered (tests wait for quiet).
      this.inFlight++;
      // Within the batching window, gather up to the batch size before invoking, as Lambda does.
      const windowEnds = Date.now() + (this.spec.maxBatchingWindowMs ?? 0);
      while (this.running && messages.length < this.spec.batchSize && Date.now() < windowEnds) {
        try {
          const more = await this.sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: this.spec.queueUrl,
              MaxNumberOfMessages: Math.min(10, this.spec.batchSize - messages.length),
              WaitTimeSeconds: 0,
              MessageSystemAttributeNames: ['All'],
            }),
          );
          // A message seen twice (its visibility ran out while gathering) counts once, with its newest receipt.
          for (const m of more.Messages ?? []) {
            const seen = messages.findIndex((x) => x.MessageId === m.MessageId);
            if (seen >= 0) messages[seen] = m;
            else messages.push(m);
          }
          if (!more.Messages?.length)
            await new Promise((r) => setTimeout(r, Math.min(100, Math.max(0, windowEnds - Date.now()))));
        } catch (err) {
          this.onError(err as Error);
          break;
        }
      }
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
      if (this.spec.reportBatchItemFailures)
        failed = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (err) {
      this.onError(err as Error);
      return; // nothing deleted: the whole batch comes back after the visibility timeout
    }
    const done = messages.filter((m) => !failed.has(m.MessageId ?? ''));
    if (done.length === 0) return;
    const out = await this.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: this.spec.queueUrl,
        Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
      }),
    );
    // An undeleted message comes back after its visibility timeout; the function is idempotent.
    if (out.Failed?.length)
      this.onError(
        new Error(`${out.Failed.length} processed message(s) could not be deleted and will be delivered again`),
      );
  }
}
