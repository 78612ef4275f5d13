import { GetCommand, PutCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { jest } from '@jest/globals';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';

// Failure paths of the process function's handler; the twin's integration tests drive its
// success path against DynamoDB Local.
const dynamodb = mockClient(DynamoDBDocumentClient);
process.env.TABLE_NAME = 'engagements';
process.env.RAW_RETENTION_DAYS = '30';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
const { handler } = (await import('../../../lambdas/process/handler.js')) as {
  handler: (e: SQSEvent, c: Context) => Promise<SQSBatchResponse>;
};
const context = { getRemainingTimeInMillis: () => 30_000, functionName: 'process', awsRequestId: 'r' } as Context;

/** An intake message as the webhook writes it: a generic delivery with one engagement. */
function intake(messageId: string, externalId: string): SQSEvent['Records'][number] {
  const body = JSON.stringify({ id: externalId, text: 'the app crashes when I log in', author: { id: 'u1' } });
  const delivery = {
    v: 1,
    platform: 'generic',
    receivedAt: new Date().toISOString(),
    headers: { 'content-type': 'application/json' },
    body,
  };
  return { messageId, body: JSON.stringify(delivery) } as SQSEvent['Records'][number];
}

async function run(
  records: SQSEvent['Records'],
): Promise<{ response: SQSBatchResponse; metrics: Record<string, unknown>[] }> {
  const printed: string[] = [];
  const write = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array) => printed.push(String(chunk)) > 0);
  try {
    const response = await handler({ Records: records }, context);
    return {
      response,
      metrics: printed.filter((l) => l.startsWith('{"_aws"')).map((l) => JSON.parse(l) as Record<string, unknown>),
    };
  } finally {
    write.mockRestore();
  }
}

beforeEach(() => {
  dynamodb.reset();
  // Crisis mode off (its state is read once a batch).
  dynamodb.on(GetCommand).resolves({});
});

describe('process handler (SQS batch)', () => {
  it('returns a message whose engagement could not be stored as a batch item failure, and counts it', async () => {
    dynamodb
      .on(PutCommand)
      .rejects(Object.assign(new Error('throughput exceeded'), { name: 'ProvisionedThroughputExceededException' }));
    const { response, metrics } = await run([intake('m-1', 'p1')]);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    expect(metrics).toEqual([expect.objectContaining({ EngagementsStored: 0, DeliveriesFailed: 1 })]);
  });

  it('fails only the unreadable message of a batch; the others are stored', async () => {
    dynamodb.on(PutCommand).resolves({});
    const unreadable = { messageId: 'm-bad', body: '{"v":1,"platform":"nowhere"}' } as SQSEvent['Records'][number];
    const { response, metrics } = await run([intake('m-2', 'p2'), unreadable]);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-bad' }] });
    // the raw copy of the readable delivery, then its engagement, each one conditional put
    const engagementPut = dynamodb.commandCalls(PutCommand).find((c) => c.args[0].input.Item?.sk === 'ENGAGEMENT');
    expect(engagementPut?.args[0].input).toMatchObject({
      Item: { pk: 'ENG#generic:p2' },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(metrics).toEqual([expect.objectContaining({ EngagementsStored: 1, DeliveriesFailed: 1 })]);
  });
});
