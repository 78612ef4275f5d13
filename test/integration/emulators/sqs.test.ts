import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { startSqs } from '#local/emulators/sqs.js';
import { useSqsEmulator } from '#test-support/sqs-emulator.js';
import { expectPortFree } from '#test-support/tcp-ports.js';

describe('SQS emulator (local-aws-sqs behind our wrapper)', () => {
  const sqs = useSqsEmulator();
  let queueCounter = 0;

  /** A queue with a DLQ after `maxReceiveCount` receives. */
  async function queueWithDlq(maxReceiveCount: number) {
    queueCounter += 1;
    const dlq = await sqs.client.send(new CreateQueueCommand({ QueueName: `dlq-${queueCounter}` }));
    const source = await sqs.client.send(
      new CreateQueueCommand({
        QueueName: `source-${queueCounter}`,
        Attributes: {
          VisibilityTimeout: '30',
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: `arn:aws:sqs:us-east-1:${sqs.server.accountId}:dlq-${queueCounter}`,
            maxReceiveCount,
          }),
        },
      }),
    );
    return { source: source.QueueUrl as string, dlq: dlq.QueueUrl as string };
  }

  const receive = (QueueUrl: string, extra: Partial<ConstructorParameters<typeof ReceiveMessageCommand>[0]> = {}) =>
    sqs.client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, ...extra }));

  it('serves queue URLs of the form <endpoint>/<account>/<name> on the port it reports', async () => {
    const { QueueUrl } = await sqs.client.send(new CreateQueueCommand({ QueueName: 'named' }));
    expect(QueueUrl).toBe(sqs.server.queueUrl('named'));
    expect(QueueUrl).toBe(`http://127.0.0.1:${sqs.server.port}/123456789012/named`);
    expect((await sqs.client.send(new GetQueueUrlCommand({ QueueName: 'named' }))).QueueUrl).toBe(QueueUrl);
    expect(sqs.server.missingFixes).toEqual([]);
  });

  it('moves a message to the DLQ after maxReceiveCount receives, keeping body and attributes', async () => {
    const { source, dlq } = await queueWithDlq(2);
    await sqs.client.send(
      new SendMessageCommand({
        QueueUrl: source,
        MessageBody: 'hello',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'test' } },
      }),
    );
    // VisibilityTimeout 0 hands the message back at once, as an expired timeout would.
    for (let i = 1; i <= 2; i += 1) {
      const { Messages } = await receive(source, {
        VisibilityTimeout: 0,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      });
      expect(Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe(String(i));
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await receive(source)).Messages).toBeUndefined();
    const { Messages } = await receive(dlq, { MessageAttributeNames: ['All'] });
    expect(Messages?.[0]?.Body).toBe('hello');
    expect(Messages?.[0]?.MessageAttributes?.kind?.StringValue).toBe('test');
  });

  it('does not count ChangeMessageVisibility as a receive (fixed at load time)', async () => {
    const { source, dlq } = await queueWithDlq(2);
    await sqs.client.send(new SendMessageCommand({ QueueUrl: source, MessageBody: 'once' }));
    const first = await receive(source);
    await sqs.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: source,
        ReceiptHandle: first.Messages?.[0]?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = await receive(source, { MessageSystemAttributeNames: ['ApproximateReceiveCount'] });
    expect(second.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
    expect((await receive(dlq)).Messages).toBeUndefined();
  });

  it('returns system attributes for MessageSystemAttributeNames (what current SDKs send)', async () => {
    const { QueueUrl } = await sqs.client.send(new CreateQueueCommand({ QueueName: 'attrs' }));
    await sqs.client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }));
    const { Messages } = await receive(QueueUrl as string, { MessageSystemAttributeNames: ['All'] });
    expect(Messages?.[0]?.Attributes).toEqual(
      expect.objectContaining({ ApproximateReceiveCount: '1', SentTimestamp: expect.any(String) }),
    );
  });

  it('long-polls with WaitTimeSeconds until a message arrives', async () => {
    const { QueueUrl } = await sqs.client.send(new CreateQueueCommand({ QueueName: 'long-poll' }));
    // A receive waiting on an empty queue must answer with a message sent while it waits (an
    // emulator without long polling answers empty at once and the message is left behind).
    expect((await receive(QueueUrl as string)).Messages).toBeUndefined();
    const polling = receive(QueueUrl as string, { WaitTimeSeconds: 20 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await sqs.client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'late' }));
    expect((await polling).Messages?.[0]?.Body).toBe('late');
  });

  it('counts only visible messages in ApproximateNumberOfMessages (fixed at load time)', async () => {
    const { QueueUrl } = await sqs.client.send(new CreateQueueCommand({ QueueName: 'counting' }));
    await sqs.client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'a' }));
    await sqs.client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'b' }));
    const { Messages } = await receive(QueueUrl as string, { MaxNumberOfMessages: 1 });
    const attributes = await sqs.client.send(
      new GetQueueAttributesCommand({
        QueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(attributes.Attributes).toEqual({
      ApproximateNumberOfMessages: '1',
      ApproximateNumberOfMessagesNotVisible: '1',
    });
    await sqs.client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: Messages?.[0]?.ReceiptHandle }));
  });

  it('purges at once, and refuses a second purge within 60 s like SQS', async () => {
    const { QueueUrl } = await sqs.client.send(new CreateQueueCommand({ QueueName: 'purged' }));
    await sqs.client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'a' }));
    await sqs.client.send(new PurgeQueueCommand({ QueueUrl }));
    const after = await sqs.client.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    expect(after.Attributes?.ApproximateNumberOfMessages).toBe('0');
    await sqs.client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'kept' }));
    await expect(sqs.client.send(new PurgeQueueCommand({ QueueUrl }))).rejects.toMatchObject({
      name: 'PurgeQueueInProgress',
    });
    expect((await receive(QueueUrl as string)).Messages?.[0]?.Body).toBe('kept');
  });

  it('keeps queue attributes given at creation (VisibilityTimeout, MessageRetentionPeriod, RedrivePolicy)', async () => {
    const { source } = await queueWithDlq(3);
    await sqs.client.send(
      new CreateQueueCommand({
        QueueName: 'retention',
        Attributes: { MessageRetentionPeriod: '60', VisibilityTimeout: '5' },
      }),
    );
    const retention = await sqs.client.send(
      new GetQueueAttributesCommand({ QueueUrl: sqs.server.queueUrl('retention'), AttributeNames: ['All'] }),
    );
    expect(retention.Attributes).toMatchObject({ MessageRetentionPeriod: '60', VisibilityTimeout: '5' });
    const redrive = await sqs.client.send(
      new GetQueueAttributesCommand({ QueueUrl: source, AttributeNames: ['RedrivePolicy'] }),
    );
    expect(JSON.parse(redrive.Attributes?.RedrivePolicy ?? '{}')).toMatchObject({ maxReceiveCount: 3 });
  });

  it('fails clearly, naming SQS_PORT, when its port is taken, and frees its port on stop', async () => {
    const other = await startSqs({ port: 0 });
    await expect(startSqs({ port: other.port })).rejects.toThrow(
      `Port ${other.port} is already in use (needed by the SQS emulator). Stop the process that holds it, or pick another port with SQS_PORT=<port>`,
    );
    await other.stop();
    await expectPortFree(other.port);
  });
});
