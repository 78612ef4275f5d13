import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { sqsHandOff } from '#aws/sqs-republish.js';

const sqs = mockClient(SQSClient);
beforeEach(() => sqs.reset());
const ids = (n: number) => Array.from({ length: n }, (_, i) => `generic:${i}`);

describe('handing engagements to the republish queue', () => {
  it('sends small messages naming each engagement, ten to a call', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    expect(await sqsHandOff(new SQSClient({}), 'q')(ids(23))).toEqual({ failed: [] });
    const calls = sqs
      .commandCalls(SendMessageBatchCommand)
      .map((c) => c.args[0].input.Entries!.map((e) => e.MessageBody));
    expect(calls.map((c) => c.length)).toEqual([10, 10, 3]);
    expect(calls[0]![0]).toBe('{"id":"generic:0"}');
  });

  it('sends again, one by one, what a batch call refused or lost, and reports only what still failed', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [], Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }] })
      .rejectsOnce(new Error('socket hang up'));
    sqs.on(SendMessageCommand).callsFake((input: { MessageBody: string }) => {
      if (input.MessageBody.includes('generic:12')) throw new Error('injected: still refused');
      return {};
    });
    const logged: string[] = [];
    const out = await sqsHandOff(new SQSClient({}), 'q', (m) => void logged.push(m))(ids(13));
    expect(out).toEqual({ failed: ['generic:12'] });
    expect(
      sqs
        .commandCalls(SendMessageCommand)
        .map((c) => c.args[0].input.MessageBody)
        .sort(),
    ).toEqual(['{"id":"generic:1"}', '{"id":"generic:10"}', '{"id":"generic:11"}', '{"id":"generic:12"}']);
    expect(logged).toEqual(
      expect.arrayContaining([
        'republish batch call failed; sending its entries one by one',
        'engagement could not be handed to the republish queue',
      ]),
    );
  });
});
