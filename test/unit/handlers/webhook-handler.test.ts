import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { jest } from '@jest/globals';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { switchboardSignature, unixSeconds } from '#test-support/signatures.js';

const sqs = mockClient(SQSClient);
const dynamodb = mockClient(DynamoDBDocumentClient);
const SECRET = 'unit-signing-secret';

process.env.INTAKE_QUEUE_URL = 'https://sqs.local/123/intake';
process.env.PLATFORM_SECRET_ARNS = JSON.stringify({ generic: 'arn:aws:secretsmanager:us-east-1:123:secret:generic' });
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.AWS_SESSION_TOKEN = 'session-token';
// The Parameters and Secrets extension's local API, as the handler calls it.
const secretRequests: { url: string; token: string | null }[] = [];
jest.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
  secretRequests.push({ url: String(input), token: new Headers(init?.headers).get('x-aws-parameters-secrets-token') });
  return new Response(JSON.stringify({ SecretString: JSON.stringify({ signingSecret: SECRET }) }), { status: 200 });
});
const { handler } = (await import('../../../lambdas/webhook/handler.js')) as {
  handler: (e: APIGatewayProxyEvent, c: Context) => Promise<APIGatewayProxyResult>;
};

const context = { getRemainingTimeInMillis: () => 10_000, functionName: 'webhook', awsRequestId: 'r' } as Context;

function event(body: string, headers: Record<string, string> = {}): APIGatewayProxyEvent {
  const ts = unixSeconds(new Date());
  return {
    httpMethod: 'POST',
    pathParameters: { platform: 'generic' },
    // REST APIs keep the sender's header case; binary media types deliver base64
    headers: {
      'Content-Type': 'application/json',
      'X-Switchboard-Timestamp': String(ts),
      'X-Switchboard-Signature': switchboardSignature(SECRET, ts, body),
      ...headers,
    },
    queryStringParameters: null,
    body: Buffer.from(body).toString('base64'),
    isBase64Encoded: true,
  } as unknown as APIGatewayProxyEvent;
}

beforeEach(() => {
  sqs.reset();
  dynamodb.reset();
});

describe('webhook handler (API Gateway proxy)', () => {
  it('reads the platform secret from the secrets extension with the session token, once a minute at most', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
    expect((await handler(event('{"id":"6","text":"hello","author":{"id":"u"}}'), context)).statusCode).toBe(200);
    expect((await handler(event('{"id":"5","text":"hello","author":{"id":"u"}}'), context)).statusCode).toBe(200);
    expect(secretRequests).toEqual([
      {
        url: `http://localhost:2773/secretsmanager/get?secretId=${encodeURIComponent('arn:aws:secretsmanager:us-east-1:123:secret:generic')}`,
        token: 'session-token',
      },
    ]);
  });

  it('verifies the base64-delivered bytes and answers 200 once SQS accepted', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
    const res = await handler(event('{"id":"7","text":"hello","author":{"id":"u"}}'), context);
    expect(res.statusCode).toBe(200);
    const sent = JSON.parse(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageBody ?? '{}') as {
      body: string;
    };
    expect(sent.body).toBe('{"id":"7","text":"hello","author":{"id":"u"}}');
  });

  it('answers 503 (so the platform retries) when SQS fails, never 2xx', async () => {
    sqs.on(SendMessageCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    const res = await handler(event('{"id":"8","text":"hello","author":{"id":"u"}}'), context);
    expect(res.statusCode).toBe(503);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'unavailable' });
  });

  it('refuses a bad signature without touching SQS', async () => {
    const res = await handler(
      event('{"id":"9","text":"x","author":{"id":"u"}}', { 'X-Switchboard-Signature': 'sha256=00' }),
      context,
    );
    expect(res.statusCode).toBe(403);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('reports connector health as metrics (a refusal with its reason), and never writes to the table', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
    const printed: string[] = [];
    const write = jest
      .spyOn(process.stdout, 'write')
      .mockImplementation((chunk: string | Uint8Array) => (printed.push(String(chunk)), true));
    try {
      await handler(event('{"id":"10","text":"hello","author":{"id":"u"}}'), context);
      await handler(
        event('{"id":"11","text":"x","author":{"id":"u"}}', { 'X-Switchboard-Signature': 'sha256=00' }),
        context,
      );
      await handler(event('{"id":"12","text":"x","author":{"id":"u"}}', { 'X-Switchboard-Signature': '' }), context);
    } finally {
      write.mockRestore();
    }
    const metrics = printed.filter((l) => l.startsWith('{"_aws"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(metrics).toEqual([
      expect.objectContaining({ platform: 'generic', WebhookAccepted: 1, EngagementsAccepted: 1 }),
      expect.objectContaining({ platform: 'generic', WebhookRefused: 1, refusal: 'bad_signature' }),
    ]);
    expect(dynamodb.calls()).toHaveLength(0);
  });
});
