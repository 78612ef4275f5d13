import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { spawnSync } from 'node:child_process';
import { TEST_STATE_DIR } from './state-dir.js';
import { receiveUntil, sqs, twin } from './twin-client.js';

/** `npx switchboard redrive` against the running twin. */
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/switchboard.js', 'redrive', ...args], { encoding: 'utf8', env: { ...process.env, SWITCHBOARD_STATE_DIR: TEST_STATE_DIR } });

const waiting = async (url: string) => {
  const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
  return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
};

describe('npx switchboard redrive', () => {
  // The sales department's dead-letter queues, which no other test uses.
  const consumerDlq = Object.keys(twin.deadLetterQueues).find((q) => q.endsWith('-sales-dlq'))!;
  const deliveryDlq = Object.keys(twin.deadLetterQueues).find((q) => q.endsWith('-sales-delivery-dlq'))!;
  const salesArn = `arn:aws:sqs:${twin.region}:123456789012:${twin.queues['sales']!.split('/').pop()}`;
  const event = (id: string) => JSON.stringify({ 'detail-type': 'Engagement Routed', source: 'switchboard', detail: { id, routing: { departments: ['sales'], rules: [], configVersion: 'v' } } });

  it('moves a department consumer\'s dead letters and its undeliverable events back to its queue, once each; --dry-run moves nothing', async () => {
    const ids = ['generic:redrive-1', 'generic:redrive-2', 'generic:redrive-3', 'generic:redrive-4', 'generic:redrive-5'];
    for (const id of ids.slice(0, 3)) await sqs.send(new SendMessageCommand({ QueueUrl: twin.deadLetterQueues[consumerDlq], MessageBody: event(id) }));
    for (const id of ids.slice(3)) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: twin.deadLetterQueues[deliveryDlq],
          MessageBody: event(id),
          MessageAttributes: { TARGET_ARN: { DataType: 'String', StringValue: salesArn }, ERROR_CODE: { DataType: 'String', StringValue: 'SQS.AccessDenied' } },
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
    expect(run.stdout).toBe(`${consumerDlq}: moved 3 of 3 message(s) to Switchboard-sales\n${deliveryDlq}: moved 2 of 2 message(s) to Switchboard-sales\n`);
    expect(await waiting(twin.deadLetterQueues[consumerDlq]!)).toBe(0);
    expect(await waiting(twin.deadLetterQueues[deliveryDlq]!)).toBe(0);
    // Each comes back to the sales queue exactly once.
    const got: string[] = [];
    const deadline = Date.now() + 20_000;
    while (got.length < ids.length && Date.now() < deadline) got.push(...(await receiveUntil('sales', (m) => ids.includes(m.detail.id), 3_000)).map((m) => m.detail.id));
    got.push(...(await receiveUntil('sales', (m) => ids.includes(m.detail.id), 2_000)).map((m) => m.detail.id));
    expect(got.sort()).toEqual(ids);

    const again = cli('sales', '--json');
    expect(JSON.parse(again.stdout)).toEqual([
      // a queue's own dead-letter queue knows its source even when empty; undeliverable events name theirs
      { queue: consumerDlq, target: 'Switchboard-sales', messages: 0, moved: 0 },
      { queue: deliveryDlq, target: '—', messages: 0, moved: 0 },
    ]);
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
