import { seededRandom } from '#core/shared/seeded-random.js';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { parseFaults, startFaultProxy } from '#local/emulators/fault-proxy.js';
import { startSqs, type SqsEmulator } from '#local/emulators/sqs.js';
import { LOCAL_CREDENTIALS } from '#local/emulators/local-credentials.js';

const base = { region: 'us-east-1', credentials: LOCAL_CREDENTIALS, maxAttempts: 1 };

describe('fault mode (SWITCHBOARD_FAULTS)', () => {
  it('reads the share per service, and refuses a value it cannot read, naming the variable', () => {
    expect(parseFaults(undefined)).toEqual({});
    expect(parseFaults(' ')).toEqual({});
    expect(parseFaults('dynamodb:0.2,eventbridge:0.2, sqs:0.05')).toEqual({
      dynamodb: 0.2,
      eventbridge: 0.2,
      sqs: 0.05,
    });
    expect(() => parseFaults('dynamo:0.2')).toThrow(
      /SWITCHBOARD_FAULTS: "dynamo:0.2" is not <service>:<share>; services are dynamodb, sqs, eventbridge/,
    );
    expect(() => parseFaults('sqs:1.5')).toThrow(
      'SWITCHBOARD_FAULTS: the share for sqs must be a number from 0 to 1, not "1.5"',
    );
    expect(() => parseFaults('sqs')).toThrow(/is not <service>:<share>/);
  });

  describe('in front of the SQS emulator', () => {
    let sqs: SqsEmulator;
    beforeAll(async () => {
      sqs = await startSqs({ port: 0 });
    });
    afterAll(() => sqs.stop());

    it('forwards the requests it does not fail, unchanged, and counts them by operation', async () => {
      const proxy = await startFaultProxy({ service: 'sqs', target: sqs.endpoint, share: 0 });
      const client = new SQSClient({ ...base, endpoint: proxy.endpoint });
      try {
        const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'through-proxy' }));
        await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'héllo' }));
        const { Messages } = await client.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
        expect(Messages?.map((m) => m.Body)).toEqual(['héllo']);
        expect(proxy.counts.requests).toEqual({ CreateQueue: 1, SendMessage: 1, ReceiveMessage: 1 });
        expect(proxy.counts.faults).toEqual({});
      } finally {
        client.destroy();
        await proxy.stop();
      }
    });

    it('holds every request during an outage: a caller that gives up changed nothing, a patient one gets through after', async () => {
      const direct = new SQSClient({ ...base, endpoint: sqs.endpoint });
      const { QueueUrl } = await direct.send(new CreateQueueCommand({ QueueName: 'outage' }));
      const proxy = await startFaultProxy({ service: 'sqs', target: sqs.endpoint, share: 0 });
      const impatient = new SQSClient({
        ...base,
        endpoint: proxy.endpoint,
        requestHandler: { requestTimeout: 300, throwOnRequestTimeout: true },
      });
      const patient = new SQSClient({
        ...base,
        endpoint: proxy.endpoint,
        requestHandler: { requestTimeout: 5_000, throwOnRequestTimeout: true },
      });
      try {
        proxy.freeze(1_200);
        const started = Date.now();
        await expect(impatient.send(new SendMessageCommand({ QueueUrl, MessageBody: 'gave up' }))).rejects.toThrow();
        await patient.send(new SendMessageCommand({ QueueUrl, MessageBody: 'waited' }));
        expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
        await new Promise((r) => setTimeout(r, 300));
        const { Messages = [] } = await direct.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        expect(Messages.map((m) => m.Body)).toEqual(['waited']);
      } finally {
        impatient.destroy();
        patient.destroy();
        direct.destroy();
        await proxy.stop();
      }
    });

    it('fails about the given share as SQS fails, and a failed request changes nothing', async () => {
      const direct = new SQSClient({ ...base, endpoint: sqs.endpoint });
      const { QueueUrl } = await direct.send(new CreateQueueCommand({ QueueName: 'faulted' }));
      const proxy = await startFaultProxy({
        service: 'sqs',
        target: sqs.endpoint,
        share: 0.3,
        random: seededRandom(7),
      });
      const client = new SQSClient({ ...base, endpoint: proxy.endpoint });
      const errors = new Map<string, number>();
      let sent = 0;
      try {
        for (let i = 0; i < 200; i++) {
          try {
            await client.send(new SendMessageCommand({ QueueUrl, MessageBody: String(i) }));
            sent++;
          } catch (err) {
            const e = err as Error & { $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
            errors.set(
              `${e.name} ${e.$metadata?.httpStatusCode}`,
              (errors.get(`${e.name} ${e.$metadata?.httpStatusCode}`) ?? 0) + 1,
            );
          }
        }
        const failed = [...errors.values()].reduce((a, b) => a + b, 0);
        expect(failed).toBeGreaterThan(40);
        expect(failed).toBeLessThan(80);
        expect([...errors.keys()].sort()).toEqual([
          'InternalError 500',
          'RequestThrottled 400',
          'ServiceUnavailable 503',
        ]);
        let received = 0;
        for (;;) {
          const { Messages } = await direct.send(
            new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
          );
          if (!Messages?.length) break;
          received += Messages.length;
        }
        expect(received).toBe(sent);
      } finally {
        client.destroy();
        direct.destroy();
        await proxy.stop();
      }
    });
  });

  it('answers DynamoDB and EventBridge requests with their own throttling and server errors, which the SDK retries', async () => {
    // The upstream is never reached when every request fails.
    const dynamo = await startFaultProxy({
      service: 'dynamodb',
      target: 'http://127.0.0.1:9',
      share: 1,
      random: seededRandom(1),
    });
    const events = await startFaultProxy({
      service: 'eventbridge',
      target: 'http://127.0.0.1:9',
      share: 1,
      random: seededRandom(2),
    });
    const ddb = new DynamoDBClient({ ...base, endpoint: dynamo.endpoint });
    const eb = new EventBridgeClient({ ...base, endpoint: events.endpoint });
    const seen = new Set<string>();
    try {
      for (let i = 0; i < 40; i++) {
        const e1 = (await ddb
          .send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }))
          .catch((e: unknown) => e)) as Error & { $retryable?: unknown; $metadata: { httpStatusCode?: number } };
        const e2 = (await eb
          .send(new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: '{}' }] }))
          .catch((e: unknown) => e)) as Error & { $metadata: { httpStatusCode?: number } };
        seen.add(`dynamodb ${e1.name} ${e1.$metadata.httpStatusCode}`);
        seen.add(`eventbridge ${e2.name} ${e2.$metadata.httpStatusCode}`);
      }
      expect([...seen].sort()).toEqual([
        'dynamodb InternalServerError 500',
        'dynamodb ProvisionedThroughputExceededException 400',
        'dynamodb ServiceUnavailableException 503',
        'dynamodb ThrottlingException 400',
        'eventbridge InternalException 500',
        'eventbridge ServiceUnavailableException 503',
        'eventbridge ThrottlingException 400',
      ]);
      expect(dynamo.counts.requests).toEqual({ GetItem: 40 });
      expect(events.counts.requests).toEqual({ PutEvents: 40 });
      // the SDK's standard retry strategy recognises every one of them as retryable
      const retrying = new DynamoDBClient({ ...base, endpoint: dynamo.endpoint, maxAttempts: 3 });
      await expect(retrying.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }))).rejects.toThrow();
      retrying.destroy();
      expect(dynamo.counts.requests).toEqual({ GetItem: 43 });
    } finally {
      ddb.destroy();
      eb.destroy();
      await dynamo.stop();
      await events.stop();
    }
  });
});
