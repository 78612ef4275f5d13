import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { signSample } from '#events/sign-sample.js';
import { localCredentials } from '../support/aws-local.js';
import { localSecrets } from '../support/local-secrets.js';
import { TEST_STATE_DIR } from './state-dir.js';
import { dynamodb, receiveUntil, sqs, twin } from './twin-client.js';

/** `npx switchboard redrive` against the running twin. */
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/switchboard.js', 'redrive', ...args], {
    encoding: 'utf8',
    env: { ...process.env, SWITCHBOARD_STATE_DIR: TEST_STATE_DIR },
  });

const waiting = async (url: string) => {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
};

describe('npx switchboard redrive', () => {
  // The sales department's dead-letter queues, which no other test uses.
  const consumerDlq = Object.keys(twin.deadLetterQueues).find((q) => q.endsWith('-sales-dlq'))!;
  const deliveryDlq = Object.keys(twin.deadLetterQueues).find((q) => q.endsWith('-sales-delivery-dlq'))!;
  const salesArn = `arn:aws:sqs:${twin.region}:123456789012:${twin.queues.sales!.split('/').pop()}`;
  const event = (id: string) =>
    JSON.stringify({
      'detail-type': 'Engagement Routed',
      source: 'switchboard',
      detail: { id, routing: { departments: ['sales'], rules: [], configVersion: 'v' } },
    });

  it("moves a department consumer's dead letters and its undeliverable events back to its queue, once each; --dry-run moves nothing", async () => {
    const ids = [
      'generic:redrive-1',
      'generic:redrive-2',
      'generic:redrive-3',
      'generic:redrive-4',
      'generic:redrive-5',
    ];
    for (const id of ids.slice(0, 3))
      await sqs.send(new SendMessageCommand({ QueueUrl: twin.deadLetterQueues[consumerDlq], MessageBody: event(id) }));
    for (const id of ids.slice(3)) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: twin.deadLetterQueues[deliveryDlq],
          MessageBody: event(id),
          MessageAttributes: {
            TARGET_ARN: { DataType: 'String', StringValue: salesArn },
            ERROR_CODE: { DataType: 'String', StringValue: 'SQS.AccessDenied' },
          },
        }),
      );
    }

    const dry = cli('sales', '--dry-run', '--json');
    expect(dry.status).toBe(0);
    expect(JSON.parse(dry.stdout)).toEqual([
      { queue: consumerDlq, target: 'Switchboard-sales', messages: 3, moved: 0 },
      { queue: deliveryDlq, target: 'Switchboard-sales', messages: 2, moved: 0 },
    ]);
    expect(await waiting(twin.deadLetterQueues[consumerDlq]!)).toBe(3);

    const run = cli('sales');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(
      `${consumerDlq}: moved 3 of 3 message(s) to Switchboard-sales\n${deliveryDlq}: moved 2 of 2 message(s) to Switchboard-sales\n`,
    );
    expect(await waiting(twin.deadLetterQueues[consumerDlq]!)).toBe(0);
    expect(await waiting(twin.deadLetterQueues[deliveryDlq]!)).toBe(0);
    // Each comes back to the sales queue exactly once.
    const got: string[] = [];
    const deadline = Date.now() + 20_000;
    while (got.length < ids.length && Date.now() < deadline)
      got.push(...(await receiveUntil('sales', (m) => ids.includes(m.detail.id), 3_000)).map((m) => m.detail.id));
    got.push(...(await receiveUntil('sales', (m) => ids.includes(m.detail.id), 2_000)).map((m) => m.detail.id));
    expect(got.sort()).toEqual(ids);

    const again = cli('sales', '--json');
    expect(JSON.parse(again.stdout)).toEqual([
      // a queue's own dead-letter queue knows its source even when empty; undeliverable events name theirs
      { queue: consumerDlq, target: 'Switchboard-sales', messages: 0, moved: 0 },
      { queue: deliveryDlq, target: '—', messages: 0, moved: 0 },
    ]);
  });

  it('republishes the engagements of stream records the publish function gave up on, named by the publish failures queue, and deletes the message', async () => {
    const [failuresQueue, republishQueue] = Object.entries(twin.streamFailureQueues)[0]!;
    expect(twin.deadLetterQueues[failuresQueue]).toBeDefined();
    // An engagement stored and published as usual…
    const externalId = randomUUID();
    const body = JSON.stringify({
      id: externalId,
      text: 'the app crashes every time I open settings',
      author: { id: 'redrive-stream' },
    });
    const res = await fetch(`${twin.webhookBaseUrl}/webhooks/generic`, {
      method: 'POST',
      headers: signSample(
        { path: '/webhooks/generic', headers: { 'content-type': 'application/json' }, rawBody: body, sign: 'generic' },
        localSecrets,
      ),
      body,
    });
    expect(res.status).toBe(200);
    const id = `generic:${externalId}`;
    expect((await receiveUntil('engineering', (m) => m.detail.id === id)).length).toBe(1);

    // …whose stream record is then named by a give-up, as Lambda writes it to the on-failure queue.
    const streams = new DynamoDBStreamsClient({
      endpoint: twin.dynamodbEndpoint,
      region: twin.region,
      credentials: localCredentials,
    });
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: twin.tableName }));
    const streamArn = Table!.LatestStreamArn!;
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    let record: { shardId: string; sequence: string } | undefined;
    for (const shard of StreamDescription?.Shards ?? []) {
      let { ShardIterator: iterator } = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.ShardId!,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      for (let page = 0; iterator && !record && page < 200; page++) {
        const out = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        const hit = (out.Records ?? []).find(
          (r) =>
            r.eventName === 'INSERT' &&
            r.dynamodb?.Keys?.pk?.S === `ENG#${id}` &&
            r.dynamodb.Keys.sk?.S === 'ENGAGEMENT',
        );
        if (hit) record = { shardId: shard.ShardId!, sequence: hit.dynamodb!.SequenceNumber! };
        if ((out.Records ?? []).length === 0) break;
        iterator = out.NextShardIterator;
      }
      if (record) break;
    }
    streams.destroy();
    expect(record).toBeDefined();
    const giveUp = {
      requestContext: { condition: 'RetryAttemptsExhausted' },
      DDBStreamBatchInfo: {
        shardId: record!.shardId,
        startSequenceNumber: record!.sequence,
        endSequenceNumber: record!.sequence,
        batchSize: 1,
        streamArn,
      },
    };
    await sqs.send(
      new SendMessageCommand({ QueueUrl: twin.deadLetterQueues[failuresQueue], MessageBody: JSON.stringify(giveUp) }),
    );

    const dry = cli(failuresQueue, '--dry-run', '--json');
    expect(dry.status).toBe(0);
    expect(JSON.parse(dry.stdout)).toEqual([
      { queue: failuresQueue, target: republishQueue.split('/').pop(), messages: 1, moved: 0, engagements: 1 },
    ]);

    const run = cli(failuresQueue);
    expect(run.stdout).toBe(
      `${failuresQueue}: moved 1 of 1 stream batch(es) (1 engagement(s)) to ${republishQueue.split('/').pop()}\n`,
    );
    expect(run.status).toBe(0);
    expect(await waiting(twin.deadLetterQueues[failuresQueue]!)).toBe(0);
    // The republish side reads it from the table and publishes it again.
    const again = await receiveUntil('engineering', (m) => m.detail.id === id);
    expect(again.map((m) => m.detail.id)).toEqual([id]);
  });

  it('leaves a publish-failures message it cannot read where it is, says why, and exits 1', async () => {
    const [failuresQueue] = Object.keys(twin.streamFailureQueues);
    const url = twin.deadLetterQueues[failuresQueue!]!;
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '{"requestContext":{}}' }));
    const run = cli(failuresQueue!);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('not a stream batch failure');
    expect(run.stdout).toBe(
      `${failuresQueue}: moved 0 of 1 stream batch(es) (0 engagement(s)) to ${twin.streamFailureQueues[failuresQueue!]!.split('/').pop()}\n`,
    );
    expect(await waiting(url)).toBe(1);
    // (It stays hidden for redrive's visibility timeout, then comes back; nothing else reads this queue.)
  });

  it('names the queues it knows when given an unknown one, and wants exactly one queue or --all', () => {
    const unknown = cli('nowhere');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('no dead-letter queue or department "nowhere"; dead-letter queues: ');
    expect(cli().status).toBe(2);
    expect(cli('sales', '--all').status).toBe(2);
    expect(cli('sales', '--fast').stderr).toContain('unknown option "--fast"');
  });
});
