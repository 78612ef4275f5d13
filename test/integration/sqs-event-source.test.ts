import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { startSqs, type SqsEmulator } from '#local/emulators/sqs.js';
import type { LocalFunction } from '#local/functions/function-runner.js';
import { SqsEventSource } from '#local/functions/sqs-event-source.js';

/**
 * The twin's SQS event source mapping against the SQS emulator: what a function reports as
 * failed comes back and, after maxReceiveCount, lands in the dead-letter queue; nothing is lost.
 */
describe('SQS event source mapping (local twin)', () => {
  let emulator: SqsEmulator;
  let sqs: SQSClient;
  const sources: SqsEventSource[] = [];

  beforeAll(async () => {
    emulator = await startSqs({ port: 0 });
    sqs = new SQSClient({
      endpoint: emulator.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
  });
  afterAll(async () => {
    for (const s of sources) await s.stop();
    await emulator.stop();
  });

  async function queues(name: string) {
    const dlq = (await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }))).QueueUrl!;
    const RedrivePolicy = JSON.stringify({
      deadLetterTargetArn: `arn:aws:sqs:us-east-1:${emulator.accountId}:${name}-dlq`,
      maxReceiveCount: 2,
    });
    const url = (
      await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '1', RedrivePolicy } }))
    ).QueueUrl!;
    return { url, dlq };
  }

  function run(
    url: string,
    handler: (event: SQSEvent) => SQSBatchResponse | Promise<SQSBatchResponse>,
    concurrency?: number,
    maxBatchingWindowMs?: number,
  ) {
    const calls: string[][] = [];
    const fn = {
      spec: { functionName: 'fake' },
      invoke: async (event: SQSEvent) => (calls.push(event.Records.map((r) => r.body)), handler(event)),
    } as unknown as LocalFunction;
    const source = new SqsEventSource(
      sqs,
      fn,
      {
        queueUrl: url,
        queueArn: 'arn',
        batchSize: 10,
        reportBatchItemFailures: true,
        region: 'us-east-1',
        ...(concurrency ? { concurrency } : {}),
        ...(maxBatchingWindowMs ? { maxBatchingWindowMs } : {}),
      },
      () => undefined,
    );
    source.start();
    sources.push(source);
    return calls;
  }

  const depth = async (url: string) =>
    Number(
      (
        await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: url,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        )
      ).Attributes?.ApproximateNumberOfMessages ?? 0,
    );

  async function until(check: () => Promise<boolean>, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('deletes what succeeded, redelivers what failed, and dead-letters it after maxReceiveCount', async () => {
    const { url, dlq } = await queues('esm-partial');
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'good' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison' }));
    const calls = run(url, (event) => ({
      batchItemFailures: event.Records.filter((r) => r.body === 'poison').map((r) => ({ itemIdentifier: r.messageId })),
    }));

    await until(async () => (await depth(dlq)) === 1);
    expect(calls.flat().filter((b) => b === 'good')).toHaveLength(1);
    expect(calls.flat().filter((b) => b === 'poison')).toHaveLength(2);
    const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq, MaxNumberOfMessages: 10 }));
    expect(dead.Messages?.map((m) => m.Body)).toEqual(['poison']);
    expect(await depth(url)).toBe(0);
  });

  it('keeps the whole batch when the function throws', async () => {
    const { url, dlq } = await queues('esm-throw');
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a' }));
    let failures = 1;
    const calls = run(url, () => {
      if (failures-- > 0) throw new Error('crash');
      return { batchItemFailures: [] };
    });
    await until(async () => calls.length >= 2 && (await depth(url)) === 0);
    expect(calls).toEqual([['a'], ['a']]);
    expect(await depth(dlq)).toBe(0);
  });

  it('drains a backlog with as many batches in flight as the mapping allows, each message once', async () => {
    const { url } = await queues('esm-concurrent');
    const bodies = Array.from({ length: 60 }, (_, i) => `m${i}`);
    for (const MessageBody of bodies) await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody }));
    let inFlight = 0;
    let peak = 0;
    const calls = run(
      url,
      async () => {
        peak = Math.max(peak, ++inFlight);
        await new Promise((r) => setTimeout(r, 300));
        inFlight--;
        return { batchItemFailures: [] };
      },
      3,
    );
    await until(async () => calls.flat().length >= bodies.length && (await depth(url)) === 0 && inFlight === 0);
    expect(calls.flat().sort()).toEqual([...bodies].sort());
    expect(peak).toBe(3);
  });

  it('gathers messages that arrive within the batching window into one batch', async () => {
    const { url } = await queues('esm-window');
    const calls = run(url, () => ({ batchItemFailures: [] }), 1, 900);
    for (let i = 0; i < 5; i++) {
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: `w${i}` }));
      await new Promise((r) => setTimeout(r, 50));
    }
    await until(async () => calls.flat().length >= 5 && (await depth(url)) === 0);
    expect(calls.flat().sort()).toEqual(['w0', 'w1', 'w2', 'w3', 'w4']);
    // sent 50 ms apart: without the window each would be a batch of its own
    expect(calls.length).toBeLessThanOrEqual(2);
  });
});
