import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { jest } from '@jest/globals';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { TargetOutcome } from '#core/lifecycle/run-pollers.js';
import type { IntakeDelivery } from '#core/intake/delivery.js';

const sqs = mockClient(SQSClient);
const dynamodb = mockClient(DynamoDBDocumentClient);
const FEED = 'https://blog.example.com/feed.xml';

// The shipped config plus one polling target: the handler polls what `polling:` lists.
const dir = mkdtempSync(join(tmpdir(), 'poller-handler-'));
const configPath = join(dir, 'switchboard.yaml');
writeFileSync(
  configPath,
  `${readFileSync('config/switchboard.yaml', 'utf8')}\npolling:\n  - { platform: rss, id: blog, url: "${FEED}", every: PT15M }\n`,
);
process.env.SWITCHBOARD_CONFIG = configPath;
process.env.TABLE_NAME = 'engagements';
process.env.INTAKE_QUEUE_URL = 'https://sqs.local/123/intake';
// No platform has a secret here: a public feed needs none, so no secret is read.
process.env.PLATFORM_SECRET_ARNS = JSON.stringify({});
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

/** What the feed answers next (the handler's only HTTP). */
let feed: () => Response = () => new Response('', { status: 404 });
const fetched: string[] = [];
jest.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
  fetched.push(String(input));
  return feed();
});
const { handler } = (await import('../../../lambdas/poller/handler.js')) as {
  handler: (e: unknown, c: Context) => Promise<TargetOutcome[]>;
};

const context = { getRemainingTimeInMillis: () => 60_000, functionName: 'poller', awsRequestId: 'r' } as Context;
const rss = (guids: string[]) =>
  `<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title>${guids.map((g) => `<item><guid>${g}</guid><title>Post ${g}</title><link>https://blog.example.com/${g}</link></item>`).join('')}</channel></rss>`;

/** Runs the handler with stdout captured: the metrics it prints. */
async function run(): Promise<{ outcomes: TargetOutcome[]; metrics: Record<string, unknown>[] }> {
  const printed: string[] = [];
  const write = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array) => (printed.push(String(chunk)), true));
  try {
    const outcomes = await handler({}, context);
    return {
      outcomes,
      metrics: printed.filter((l) => l.startsWith('{"_aws"')).map((l) => JSON.parse(l) as Record<string, unknown>),
    };
  } finally {
    write.mockRestore();
  }
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(() => {
  sqs.reset();
  dynamodb.reset();
  fetched.splice(0);
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
  dynamodb.on(GetCommand).resolves({});
  dynamodb.on(PutCommand).resolves({});
  dynamodb.on(UpdateCommand).resolves({});
});

describe('poller handler (one-minute schedule)', () => {
  it('polls a due target: enqueues its new items, then stores its state, records its health and counts it as a metric', async () => {
    feed = () => new Response(rss(['p2', 'p1']), { status: 200, headers: { etag: '"v1"' } });
    const { outcomes, metrics } = await run();
    expect(outcomes).toEqual([{ platform: 'rss', target: 'blog', status: 'polled', emitted: 2 }]);
    expect(fetched).toEqual([FEED]);

    const sent = sqs
      .commandCalls(SendMessageCommand)
      .map((c) => JSON.parse(c.args[0].input.MessageBody ?? '{}') as IntakeDelivery);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ v: 1, platform: 'rss', source: 'poll:blog' });
    expect(sent[0]?.events?.map((e) => e.draft.externalId)).toEqual(['blog:p2', 'blog:p1']);

    const [put] = dynamodb.commandCalls(PutCommand);
    expect(put?.args[0].input).toMatchObject({
      TableName: 'engagements',
      Item: { pk: 'POLL#rss#blog', sk: 'STATE', state: { etag: '"v1"', seen: ['p2@', 'p1@'], consecutiveFailures: 0 } },
    });
    expect(dynamodb.commandCalls(UpdateCommand).map((c) => c.args[0].input.Key)).toEqual([
      { pk: 'HEALTH', sk: 'poll#rss#blog' },
    ]);
    expect(metrics).toEqual([expect.objectContaining({ platform: 'rss', PollSucceeded: 1 })]);
  });

  it('leaves a target alone until its `every` has passed', async () => {
    dynamodb
      .on(GetCommand)
      .resolves({ Item: { state: { lastPolledAt: new Date(Date.now() - 60_000).toISOString() } } });
    const { outcomes, metrics } = await run();
    expect(outcomes).toEqual([{ platform: 'rss', target: 'blog', status: 'not-due', emitted: 0 }]);
    expect(fetched).toEqual([]);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(dynamodb.commandCalls(PutCommand)).toHaveLength(0);
    expect(metrics).toEqual([]);
  });

  it('records a failed poll with a backoff and a PollFailed metric, enqueuing nothing', async () => {
    feed = () => new Response('upstream broke', { status: 500 });
    const { outcomes, metrics } = await run();
    expect(outcomes).toEqual([
      { platform: 'rss', target: 'blog', status: 'failed', emitted: 0, error: 'feed answered 500' },
    ]);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    const state = dynamodb.commandCalls(PutCommand)[0]?.args[0].input.Item?.state as
      | Record<string, unknown>
      | undefined;
    expect(state).toMatchObject({ consecutiveFailures: 1, lastError: 'feed answered 500' });
    expect(Date.parse(String(state?.nextPollAfter))).toBeGreaterThan(Date.now());
    expect(metrics).toEqual([expect.objectContaining({ platform: 'rss', PollFailed: 1 })]);
  });

  it('waits as long as a rate limit says, without counting a failure', async () => {
    feed = () => new Response('', { status: 429, headers: { 'retry-after': '600' } });
    const { outcomes } = await run();
    expect(outcomes).toEqual([
      { platform: 'rss', target: 'blog', status: 'rate-limited', emitted: 0, error: 'feed answered 429' },
    ]);
    const state = dynamodb.commandCalls(PutCommand)[0]?.args[0].input.Item?.state as
      | Record<string, unknown>
      | undefined;
    expect(state).toMatchObject({ consecutiveFailures: 0, lastError: 'feed answered 429' });
    expect(Date.parse(String(state?.nextPollAfter)) - Date.now()).toBeGreaterThan(590_000);
  });
});
