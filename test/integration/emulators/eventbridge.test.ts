import {
  CreateEventBusCommand,
  DeleteRuleCommand,
  DescribeEventBusCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EventBridgeClient,
  EventBridgeServiceException,
  InvalidEventPatternException,
  LimitExceededException,
  ListEventBusesCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  ResourceNotFoundException,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, DeleteQueueCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { createServer, request, type Server } from 'node:http';
import { closeServer } from '#local/emulators/port-check.js';
import { createEventBridge, type LocalEventBridge } from '#local/emulators/eventbridge/index.js';
import { localCredentials } from '#test-support/aws-local.js';
import { useSqsEmulator } from '#test-support/sqs-emulator.js';
import { ACCOUNT, queueArn, routedEntry, ENVELOPE_KEYS } from '#test-support/eventbridge.js';

const engagement = (departments: string[], bus = 'switchboard') =>
  routedEntry({ id: 'x:1', routing: { departments } }, { EventBusName: bus });

/** EventBridge's model has no ValidationException class: the SDK raises its service exception with that name. */
function expectValidationError(error: unknown): void {
  expect(error).toBeInstanceOf(EventBridgeServiceException);
  expect(error).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
}

describe('local EventBridge over HTTP with the AWS SDK, delivering to the SQS emulator', () => {
  const local = useSqsEmulator();
  let bridge: LocalEventBridge;
  let events: EventBridgeClient;
  let rules = 0;

  beforeAll(async () => {
    bridge = createEventBridge({ sqsEndpoint: local.server.endpoint, retry: { baseDelayMs: 2, maxDelayMs: 10 } });
    events = new EventBridgeClient({
      endpoint: await bridge.listen(0),
      region: 'us-east-1',
      credentials: localCredentials,
    });
    await events.send(new CreateEventBusCommand({ Name: 'switchboard' }));
  });

  afterAll(async () => {
    events.destroy();
    await bridge.close();
  });

  async function queue(name: string): Promise<string> {
    return (await local.client.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl as string;
  }

  async function receiveAll(QueueUrl: string): Promise<Message[]> {
    const { Messages } = await local.client.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    return Messages ?? [];
  }

  /** A rule on the switchboard bus sending departments' events to `target` (a queue name). */
  async function rule(department: string, target: Record<string, unknown> = {}): Promise<string> {
    rules += 1;
    const Name = `route-${department}-${rules}`;
    await events.send(
      new PutRuleCommand({
        Name,
        EventBusName: 'switchboard',
        EventPattern: JSON.stringify({ source: ['switchboard'], detail: { routing: { departments: [department] } } }),
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: Name,
        EventBusName: 'switchboard',
        Targets: [{ Id: 'queue', Arn: queueArn(department), ...target }],
      }),
    );
    return Name;
  }

  it('PutEvents → rule → SQS message with the AWS envelope (key order, id = EventId, time, account, region)', async () => {
    const url = await queue('engineering');
    await rule('engineering');
    const before = Math.floor(Date.now() / 1000) * 1000;
    const result = await events.send(new PutEventsCommand({ Entries: [engagement(['engineering'])] }));
    expect(result.FailedEntryCount).toBe(0);
    const eventId = result.Entries?.[0]?.EventId;
    await bridge.drain();

    const [message] = await receiveAll(url);
    const body = message?.Body ?? '';
    expect(Object.keys(JSON.parse(body) as object)).toEqual(ENVELOPE_KEYS);
    const event = JSON.parse(body) as Record<string, unknown>;
    expect(event).toEqual({
      version: '0',
      id: eventId,
      'detail-type': 'Engagement Routed',
      source: 'switchboard',
      account: ACCOUNT,
      time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
      region: 'us-east-1',
      resources: [],
      detail: { id: 'x:1', routing: { departments: ['engineering'] } },
    });
    expect(Date.parse(event.time as string)).toBeGreaterThanOrEqual(before);
  });

  it('uses the entry Time (SDK sends epoch seconds) at second precision', async () => {
    const url = await queue('timed');
    await rule('timed');
    await events.send(
      new PutEventsCommand({ Entries: [{ ...engagement(['timed']), Time: new Date('2026-03-04T05:06:07.890Z') }] }),
    );
    await bridge.drain();
    expect(JSON.parse((await receiveAll(url))[0]?.Body ?? '{}')).toMatchObject({ time: '2026-03-04T05:06:07Z' });
  });

  it('returns per-entry errors in order, with FailedEntryCount, and still delivers the good entries', async () => {
    const url = await queue('mixed');
    await rule('mixed');
    const result = await events.send(
      new PutEventsCommand({
        Entries: [
          engagement(['mixed']),
          { DetailType: 'x', Detail: '{}', EventBusName: 'switchboard' },
          { Source: 's', Detail: '{}' },
          { Source: 's', DetailType: 'x' },
          { Source: 's', DetailType: 'x', Detail: 'plain text' },
          { ...engagement(['mixed']), EventBusName: 'no-such-bus' },
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(4);
    expect(result.Entries).toEqual([
      { EventId: expect.any(String) },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
      },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
      },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.',
      },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { EventId: expect.any(String) },
    ]);
    await bridge.drain();
    expect(await receiveAll(url)).toHaveLength(1);
  });

  it('rejects more than 10 entries with a typed ValidationException (400)', async () => {
    const error = await events
      .send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => engagement(['x'])) }))
      .catch((e: unknown) => e);
    expectValidationError(error);
    expect((error as EventBridgeServiceException).message).toMatch(
      /at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10$/,
    );
  });

  it('rejects a request over the size limit with a ValidationException', async () => {
    const detail = JSON.stringify({ text: 'x'.repeat(1_048_576) });
    const error = await events
      .send(new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: detail }] }))
      .catch((e: unknown) => e);
    expectValidationError(error);
    expect((error as Error).message).toBe('Total size of the entries in the request is over the limit.');
  });

  it('answers TestEventPattern true, false, and typed errors for a bad pattern or event', async () => {
    const event = JSON.stringify({
      id: '1',
      account: ACCOUNT,
      source: 'switchboard',
      time: '2026-11-25T00:00:00Z',
      region: 'us-east-1',
      'detail-type': 'd',
      detail: { n: 5 },
    });
    const pattern = (p: object) => JSON.stringify(p);
    expect(
      (
        await events.send(
          new TestEventPatternCommand({
            Event: event,
            EventPattern: pattern({ detail: { n: [{ numeric: ['>', 1] }] } }),
          }),
        )
      ).Result,
    ).toBe(true);
    expect(
      (await events.send(new TestEventPatternCommand({ Event: event, EventPattern: pattern({ source: ['other'] }) })))
        .Result,
    ).toBe(false);

    const badPattern = await events
      .send(new TestEventPatternCommand({ Event: event, EventPattern: '{"source":"switchboard"}' }))
      .catch((e: unknown) => e);
    expect(badPattern).toBeInstanceOf(InvalidEventPatternException);
    expect((badPattern as Error).message).toMatch(/^Event pattern is not valid\. Reason: /);
    expect((badPattern as InvalidEventPatternException).$metadata.httpStatusCode).toBe(400);

    for (const badEvent of ['not json', '[1]', JSON.stringify({ id: '1', source: 's' })]) {
      const error = await events
        .send(new TestEventPatternCommand({ Event: badEvent, EventPattern: pattern({ source: ['s'] }) }))
        .catch((e: unknown) => e);
      expectValidationError(error);
      expect((error as Error).message).toBe('Parameter Event is not valid.');
    }
  });

  it('manages buses, rules and targets with AWS errors', async () => {
    const bus = await events.send(new DescribeEventBusCommand({ Name: 'switchboard' }));
    expect(bus.Arn).toBe(`arn:aws:events:us-east-1:${ACCOUNT}:event-bus/switchboard`);
    expect((await events.send(new ListEventBusesCommand({}))).EventBuses?.map((b) => b.Name)).toEqual([
      'default',
      'switchboard',
    ]);

    const invalid = await events
      .send(new PutRuleCommand({ Name: 'bad', EventPattern: '{"detail":{"n":[[1]]}}' }))
      .catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(InvalidEventPatternException);

    await events.send(new PutRuleCommand({ Name: 'managed', EventPattern: '{"source":["s"]}', Description: 'test' }));
    expect(await events.send(new DescribeRuleCommand({ Name: 'managed' }))).toMatchObject({
      Name: 'managed',
      State: 'ENABLED',
      EventPattern: '{"source":["s"]}',
      EventBusName: 'default',
      Arn: `arn:aws:events:us-east-1:${ACCOUNT}:rule/managed`,
    });
    expect((await events.send(new ListRulesCommand({ NamePrefix: 'man' }))).Rules?.map((r) => r.Name)).toEqual([
      'managed',
    ]);

    const targets = Array.from({ length: 5 }, (_, i) => ({ Id: `t${i}`, Arn: queueArn(`q${i}`) }));
    await events.send(new PutTargetsCommand({ Rule: 'managed', Targets: targets }));
    const tooMany = await events
      .send(new PutTargetsCommand({ Rule: 'managed', Targets: [{ Id: 't5', Arn: queueArn('q5') }] }))
      .catch((e: unknown) => e);
    expect(tooMany).toBeInstanceOf(LimitExceededException);
    expect((await events.send(new ListTargetsByRuleCommand({ Rule: 'managed' }))).Targets?.map((t) => t.Id)).toEqual([
      't0',
      't1',
      't2',
      't3',
      't4',
    ]);

    const notEmpty = await events.send(new DeleteRuleCommand({ Name: 'managed' })).catch((e: unknown) => e);
    expectValidationError(notEmpty);
    await events.send(new RemoveTargetsCommand({ Rule: 'managed', Ids: targets.map((t) => t.Id) }));
    await events.send(new DeleteRuleCommand({ Name: 'managed' }));
    const gone = await events.send(new DescribeRuleCommand({ Name: 'managed' })).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(ResourceNotFoundException);
    expect((gone as Error).message).toBe('Rule managed does not exist on EventBus default.');
  });

  it('skips disabled rules', async () => {
    const url = await queue('paused');
    const name = await rule('paused');
    await events.send(new DisableRuleCommand({ Name: name, EventBusName: 'switchboard' }));
    await events.send(new PutEventsCommand({ Entries: [engagement(['paused'])] }));
    await bridge.drain();
    expect(await receiveAll(url)).toHaveLength(0);
  });

  it('delivers only the InputPath selection when set', async () => {
    const url = await queue('detail-only');
    await rule('detail-only', { InputPath: '$.detail' });
    await events.send(new PutEventsCommand({ Entries: [engagement(['detail-only'])] }));
    await bridge.drain();
    expect(JSON.parse((await receiveAll(url))[0]?.Body ?? 'null')).toEqual({
      id: 'x:1',
      routing: { departments: ['detail-only'] },
    });
  });

  it('sends an event for a deleted queue to the DLQ at once, with the six attributes', async () => {
    const gone = await queue('deleted-dept');
    const dlq = await queue('deleted-dept-dlq');
    const name = await rule('deleted-dept', { DeadLetterConfig: { Arn: queueArn('deleted-dept-dlq') } });
    await local.client.send(new DeleteQueueCommand({ QueueUrl: gone }));
    const before = bridge.counters();
    const { Entries } = await events.send(new PutEventsCommand({ Entries: [engagement(['deleted-dept'])] }));
    await bridge.drain();

    const [dead] = await receiveAll(dlq);
    expect(JSON.parse(dead?.Body ?? '{}')).toMatchObject({
      id: Entries?.[0]?.EventId,
      detail: { routing: { departments: ['deleted-dept'] } },
    });
    const attribute = (key: string) => dead?.MessageAttributes?.[key]?.StringValue;
    expect(attribute('RULE_ARN')).toBe(`arn:aws:events:us-east-1:${ACCOUNT}:rule/switchboard/${name}`);
    expect(attribute('TARGET_ARN')).toBe(queueArn('deleted-dept'));
    expect(attribute('ERROR_CODE')).toBe('NO_RESOURCE');
    expect(attribute('ERROR_MESSAGE')).toBe('The specified queue does not exist.');
    expect(attribute('EXHAUSTED_RETRY_CONDITION')).toBeDefined();
    expect(attribute('RETRY_ATTEMPTS')).toBe('0');
    const after = bridge.counters();
    expect(after.deadLettered - before.deadLettered).toBe(1);
    expect(after.retried - before.retried).toBe(0);
  });

  it('drops and counts a failed delivery without a DLQ', async () => {
    await rule('no-such-queue');
    const before = bridge.counters();
    await events.send(new PutEventsCommand({ Entries: [engagement(['no-such-queue'])] }));
    await bridge.drain();
    expect(bridge.counters().dropped - before.dropped).toBe(1);
  });

  it('answers an unknown action with UnknownOperationException', async () => {
    const response = await fetch(bridge.endpoint ?? '', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSEvents.StartReplay' },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });
});

/**
 * An HTTP proxy in front of the SQS emulator that answers SendMessage with an SQS InternalError
 * (500) while `fail(queueUrl)` says so, and forwards everything else.
 */
async function flakySqs(
  upstream: string,
  fail: (queueUrl: string) => boolean,
): Promise<{ endpoint: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const queueUrl =
        req.headers['x-amz-target'] === 'AmazonSQS.SendMessage'
          ? ((JSON.parse(body.toString()) as { QueueUrl?: string }).QueueUrl ?? '')
          : undefined;
      if (queueUrl !== undefined && fail(queueUrl)) {
        res.writeHead(500, {
          'Content-Type': 'application/x-amz-json-1.0',
          'x-amzn-query-error': 'InternalError;Receiver',
        });
        res.end(
          JSON.stringify({ __type: 'com.amazonaws.sqs#InternalError', message: 'We encountered an internal error.' }),
        );
        return;
      }
      const forward = request(
        `${upstream}${req.url ?? '/'}`,
        { method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  return { endpoint: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`, server };
}

describe('local EventBridge retries through a flaky SQS', () => {
  const local = useSqsEmulator();

  it('retries transient 500s with back-off and then delivers, in order', async () => {
    const url = (await local.client.send(new CreateQueueCommand({ QueueName: 'flaky' }))).QueueUrl as string;
    let failuresLeft = 3;
    const proxy = await flakySqs(local.server.endpoint, () => failuresLeft-- > 0);
    const bridge = createEventBridge({ sqsEndpoint: proxy.endpoint, retry: { baseDelayMs: 5, maxDelayMs: 20 } });
    try {
      bridge.putRule({ Name: 'r', EventPattern: { source: ['switchboard'] } });
      bridge.putTargets({
        Rule: 'r',
        Targets: [{ Id: 'q', Arn: queueArn('flaky'), RetryPolicy: { MaximumRetryAttempts: 5 } }],
      });
      bridge.putEvents([1, 2].map((n) => ({ Source: 'switchboard', DetailType: 'd', Detail: JSON.stringify({ n }) })));
      await bridge.drain();
      expect(bridge.counters()).toMatchObject({ delivered: 2, retried: 3, deadLettered: 0, dropped: 0 });
      const { Messages } = await local.client.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }),
      );
      expect(Messages?.map((m) => (JSON.parse(m.Body ?? '{}') as { detail: unknown }).detail)).toEqual([
        { n: 1 },
        { n: 2 },
      ]);
    } finally {
      await bridge.close();
      await closeServer(proxy.server);
    }
  });

  it('dead-letters after MaximumRetryAttempts when the target keeps failing', async () => {
    await local.client.send(new CreateQueueCommand({ QueueName: 'always-failing' }));
    const dlq = (await local.client.send(new CreateQueueCommand({ QueueName: 'always-failing-dlq' })))
      .QueueUrl as string;
    const proxy = await flakySqs(local.server.endpoint, (queueUrl) => queueUrl.endsWith('/always-failing'));
    const bridge = createEventBridge({ sqsEndpoint: proxy.endpoint, retry: { baseDelayMs: 2, maxDelayMs: 5 } });
    try {
      bridge.putRule({ Name: 'r', EventPattern: { source: ['switchboard'] } });
      bridge.putTargets({
        Rule: 'r',
        Targets: [
          {
            Id: 'q',
            Arn: queueArn('always-failing'),
            RetryPolicy: { MaximumRetryAttempts: 2 },
            DeadLetterConfig: { Arn: queueArn('always-failing-dlq') },
          },
        ],
      });
      bridge.putEvents([{ Source: 'switchboard', DetailType: 'd', Detail: '{}' }]);
      await bridge.drain();
      expect(bridge.counters()).toMatchObject({ delivered: 0, retried: 2, deadLettered: 1, dropped: 0 });
      const { Messages } = await local.client.send(
        new ReceiveMessageCommand({ QueueUrl: dlq, MessageAttributeNames: ['All'] }),
      );
      const attributes = Messages?.[0]?.MessageAttributes;
      expect(attributes?.ERROR_CODE?.StringValue).toBe('INTERNAL_ERROR');
      expect(attributes?.EXHAUSTED_RETRY_CONDITION?.StringValue).toBe('MaximumRetryAttempts');
      expect(attributes?.RETRY_ATTEMPTS?.StringValue).toBe('2');
    } finally {
      await bridge.close();
      await closeServer(proxy.server);
    }
  });
});
