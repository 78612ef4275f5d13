import { CreateTableCommand, DescribeTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { CreateQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDbStreamSource, type StreamEventSourceSpec } from '#local/functions/dynamodb-stream-source.js';
import type { LocalFunction } from '#local/functions/function-runner.js';
import { localCredentials } from '../support/aws-local.js';
import { dynamodb, sqs, twin } from './twin-client.js';

/**
 * The twin's DynamoDB stream event source against DynamoDB Local's real stream: filtered,
 * batched, in order, retried from the first failed record, and given up on into the on-failure
 * queue after the retries the mapping allows.
 */
describe('DynamoDB stream event source mapping (local twin)', () => {
  const streams = new DynamoDBStreamsClient({
    endpoint: twin.dynamodbEndpoint,
    region: twin.region,
    credentials: localCredentials,
  });
  const sources: DynamoDbStreamSource[] = [];
  afterAll(async () => {
    for (const s of sources) await s.stop();
  });

  async function table(): Promise<{ name: string; streamArn: string }> {
    const name = `stream-${randomUUID()}`;
    await dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
      }),
    );
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
    return { name, streamArn: Table!.LatestStreamArn! };
  }
  const put = (name: string, pk: string, sk = 'ENGAGEMENT') =>
    dynamodb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: pk }, sk: { S: sk } } }));

  function run(
    streamArn: string,
    handler: (event: DynamoDBStreamEvent) => DynamoDBBatchResponse | Promise<DynamoDBBatchResponse>,
    spec: Partial<StreamEventSourceSpec> = {},
  ) {
    const calls: string[][] = [];
    const fn = {
      spec: { functionName: 'fake' },
      invoke: async (event: DynamoDBStreamEvent) => (
        calls.push(event.Records.map((r) => r.dynamodb!.Keys!.pk!.S!)), handler(event)
      ),
    } as unknown as LocalFunction;
    const source = new DynamoDbStreamSource(
      streams,
      sqs,
      fn,
      {
        streamArn,
        eventSourceArn: streamArn,
        region: twin.region,
        batchSize: 100,
        maxBatchingWindowMs: 0,
        startingPosition: 'TRIM_HORIZON',
        reportBatchItemFailures: true,
        maxRetryAttempts: -1,
        bisect: false,
        retryDelayMs: 10,
        idlePollMs: 50,
        filters: [JSON.stringify({ eventName: ['INSERT'], dynamodb: { Keys: { sk: { S: ['ENGAGEMENT'] } } } })],
        ...spec,
      },
      () => undefined,
    );
    source.start();
    sources.push(source);
    return calls;
  }

  async function until(check: () => boolean | Promise<boolean>, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('hands the function each inserted item that passes the filter, once and in order, in the shape Lambda uses', async () => {
    const { name, streamArn } = await table();
    for (let i = 0; i < 5; i++) await put(name, `e${i}`);
    await put(name, 'raw', 'RAW'); // filtered out
    await put(name, 'e0'); // an overwrite is a MODIFY: filtered out
    const events: DynamoDBStreamEvent[] = [];
    const calls = run(streamArn, (event) => (events.push(event), { batchItemFailures: [] }));
    await until(() => calls.flat().length >= 5);
    await new Promise((r) => setTimeout(r, 300));
    expect(calls.flat()).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
    expect(events[0]!.Records[0]).toMatchObject({
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      eventSourceARN: streamArn,
      dynamodb: {
        NewImage: { pk: { S: 'e0' } },
        StreamViewType: 'NEW_IMAGE',
        ApproximateCreationDateTime: expect.any(Number),
      },
    });
  });

  /** Four items, a function that reports the item `failing` failed twice, and the batches it was handed. */
  async function partlyFailing(
    prefix: string,
    failing: number,
    spec: Partial<StreamEventSourceSpec> = {},
  ): Promise<string[][]> {
    const { name, streamArn } = await table();
    for (let i = 0; i < 4; i++) await put(name, `${prefix}${i}`);
    let failures = 2;
    const calls = run(
      streamArn,
      (event) => {
        const failed = event.Records.find((r) => r.dynamodb!.Keys!.pk!.S === `${prefix}${failing}`);
        return {
          batchItemFailures: failed && failures-- > 0 ? [{ itemIdentifier: failed.dynamodb!.SequenceNumber! }] : [],
        };
      },
      spec,
    );
    await until(() => calls.length >= 3);
    await new Promise((r) => setTimeout(r, 300));
    return calls;
  }

  it('delivers again from the first record the function reports failed, and never the ones before it', async () => {
    expect(await partlyFailing('f', 2)).toEqual([
      ['f0', 'f1', 'f2', 'f3'],
      ['f2', 'f3'],
      ['f2', 'f3'],
    ]);
  });

  it('with bisection on, runs a partly failed batch again whole from its failed record, and splits only a batch the function failed', async () => {
    expect(await partlyFailing('g', 1, { bisect: true })).toEqual([
      ['g0', 'g1', 'g2', 'g3'],
      ['g1', 'g2', 'g3'],
      ['g1', 'g2', 'g3'],
    ]);
  });

  it('keeps the position before a batch it was stopped in the middle of retrying, so a restart delivers it again', async () => {
    const { name, streamArn } = await table();
    const checkpointFile = join(mkdtempSync(join(tmpdir(), 'stream-')), 'positions.json');
    await put(name, 'h0');
    const first = run(
      streamArn,
      () => {
        throw new Error('injected: the bus is down');
      },
      { checkpointFile, retryDelayMs: 50 },
    );
    await until(() => first.length >= 2);
    await sources.pop()!.stop();
    const second = run(streamArn, () => ({ batchItemFailures: [] }), { checkpointFile });
    await until(() => second.length === 1);
    expect(second).toEqual([['h0']]);
  });

  it("gives up after the mapping's retries, sends the batch's place in the stream to the on-failure queue, and goes on", async () => {
    const { name, streamArn } = await table();
    const onFailure = (await sqs.send(new CreateQueueCommand({ QueueName: `on-failure-${randomUUID()}` }))).QueueUrl!;
    await put(name, 'poison');
    await put(name, 'fine');
    const calls = run(
      streamArn,
      (event) => {
        if (event.Records.some((r) => r.dynamodb!.Keys!.pk!.S === 'poison')) throw new Error('injected');
        return { batchItemFailures: [] };
      },
      { maxRetryAttempts: 2, bisect: true, onFailureQueueUrl: onFailure },
    );
    await until(() => calls.some((c) => c.length === 1 && c[0] === 'fine'));
    expect(calls.filter((c) => c.includes('poison'))).toEqual([['poison', 'fine'], ['poison'], ['poison']]);
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: onFailure, WaitTimeSeconds: 2 }));
    expect(JSON.parse(Messages[0]!.Body!)).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted' },
      DDBStreamBatchInfo: { batchSize: 1, streamArn },
    });
  });

  it('keeps its place in a file, so a restart resumes after what was processed', async () => {
    const { name, streamArn } = await table();
    const checkpointFile = join(mkdtempSync(join(tmpdir(), 'stream-')), 'positions.json');
    await put(name, 'a1');
    const first = run(streamArn, () => ({ batchItemFailures: [] }), { checkpointFile });
    await until(() => first.length === 1);
    await sources.pop()!.stop();
    expect(Object.values(JSON.parse(readFileSync(checkpointFile, 'utf8')) as Record<string, string>)).toHaveLength(1);
    await put(name, 'a2');
    const second = run(streamArn, () => ({ batchItemFailures: [] }), { checkpointFile });
    await until(() => second.length === 1);
    expect(second).toEqual([['a2']]);
  });
});
