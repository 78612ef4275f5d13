import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WEBHOOK_CLIENT_OPTIONS, WORKER_CLIENT_OPTIONS } from '#aws/sdk-client-options.js';

/**
 * The functions' SDK settings against a service that stalls (accepts the connection, never
 * answers): the call must fail within its budget, well inside the function's timeout, rather
 * than wait for the function to time out.
 */
describe('SDK client timeouts of the functions', () => {
  let server: Server;
  let endpoint: string;
  beforeAll(async () => {
    server = createServer(() => undefined); // never answers
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  // Without a request timeout that throws, the call never settles and the test times out.
  it.each([
    ['webhook', WEBHOOK_CLIENT_OPTIONS],
    ['queue workers', WORKER_CLIENT_OPTIONS],
  ] as const)(
    '%s: a stalled call fails after its retries instead of waiting for the function to time out',
    async (_, options) => {
      const client = new SQSClient({
        ...options,
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      });
      try {
        const error = (await client
          .send(new SendMessageCommand({ QueueUrl: `${endpoint}/1/q`, MessageBody: 'x' }))
          .catch((e: unknown) => e)) as Error & { $metadata?: { attempts?: number } };
        expect(error).toBeInstanceOf(Error);
        expect(error.$metadata?.attempts).toBe(options.maxAttempts);
      } finally {
        client.destroy();
      }
    },
    40_000,
  );
});
