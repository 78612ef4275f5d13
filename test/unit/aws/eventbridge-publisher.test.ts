import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import type { Engagement } from '#core/engagement/engagement.schema.js';
import { EventBridgePublisher } from '#aws/eventbridge-publisher.js';

const eb = mockClient(EventBridgeClient);
const engagement = (n: number) => ({ id: `generic:${n}` }) as Engagement;
const publisher = () =>
  new EventBridgePublisher(new EventBridgeClient({}), 'bus', { backoffBaseMs: 1, maxAttempts: 3 });
const sentIds = (call: number) =>
  (eb.commandCalls(PutEventsCommand)[call]?.args[0].input.Entries ?? []).map(
    (e) => (JSON.parse(e.Detail ?? '{}') as { id: string }).id,
  );

beforeEach(() => eb.reset());

describe('publishing Engagement Routed events', () => {
  it('sends at most ten entries per PutEvents call, with the contract envelope', async () => {
    eb.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `e${i}` })),
    }));
    const out = await publisher().publish(Array.from({ length: 23 }, (_, i) => engagement(i)));
    expect(out.published).toHaveLength(23);
    expect(eb.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
    expect(eb.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0]).toMatchObject({
      Source: 'switchboard',
      DetailType: 'Engagement Routed',
      EventBusName: 'bus',
    });
  });

  it('retries only the entries that failed with a retryable code', async () => {
    eb.on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }, { EventId: 'c' }],
      })
      .resolvesOnce({ FailedEntryCount: 0, Entries: [{ EventId: 'b' }] });
    const out = await publisher().publish([engagement(1), engagement(2), engagement(3)]);
    expect(out).toEqual({ published: ['generic:1', 'generic:3', 'generic:2'], failed: [] });
    expect(sentIds(1)).toEqual(['generic:2']);
  });

  it('does not retry entries the bus will never accept', async () => {
    eb.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' }],
    });
    const out = await publisher().publish([engagement(1)]);
    expect(out.failed).toEqual([
      { id: 'generic:1', errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed.' },
    ]);
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it('gives up on a failing entry after the last attempt and reports it as failed', async () => {
    eb.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }],
    });
    const out = await publisher().publish([engagement(1)]);
    expect(out.published).toEqual([]);
    expect(out.failed.map((f) => [f.id, f.errorCode])).toEqual([['generic:1', 'ThrottlingException']]);
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(3);
  });

  it('leaves a failed whole call to the SDK (which retried it already) and reports its entries as failed', async () => {
    eb.on(PutEventsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const out = await publisher().publish([engagement(1), engagement(2)]);
    expect(out.published).toEqual([]);
    expect(out.failed.map((f) => [f.id, f.errorCode])).toEqual([
      ['generic:1', 'ThrottlingException'],
      ['generic:2', 'ThrottlingException'],
    ]);
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(1);
  });
});

describe('publishing within the PutEvents size limit', () => {
  const big = (n: number, kb: number) => ({ id: `generic:${n}`, text: 'x'.repeat(kb * 1024) }) as unknown as Engagement;

  it('splits calls by bytes as well as by count', async () => {
    eb.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `e${i}` })),
    }));
    const out = await new EventBridgePublisher(new EventBridgeClient({}), 'bus', {
      maxRequestBytes: 100 * 1024,
    }).publish([big(1, 40), big(2, 40), big(3, 40), big(4, 10)]);
    expect(out.published).toHaveLength(4);
    expect(eb.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([2, 2]);
  });

  it('fails an entry larger than the limit on its own and publishes the rest', async () => {
    eb.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `e${i}` })),
    }));
    const out = await new EventBridgePublisher(new EventBridgeClient({}), 'bus', {
      maxRequestBytes: 100 * 1024,
    }).publish([big(1, 120), big(2, 1)]);
    expect(out.published).toEqual(['generic:2']);
    expect(out.failed).toEqual([
      { id: 'generic:1', errorCode: 'EntryTooLarge', errorMessage: expect.stringContaining('limit') },
    ]);
  });

  it('does not retry a call the service refused as invalid', async () => {
    eb.on(PutEventsCommand).rejects(
      Object.assign(new Error('Total size of the entries in the request is over the limit.'), {
        name: 'ValidationException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const out = await publisher().publish([engagement(1)]);
    expect(out.failed.map((f) => f.errorCode)).toEqual(['ValidationException']);
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it('sends the calls of a round together, so a stalled bus costs one request timeout per round, not one per call', async () => {
    let inFlight = 0;
    let peak = 0;
    eb.on(PutEventsCommand).callsFake(async (input: { Entries: unknown[] }) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return { FailedEntryCount: 0, Entries: input.Entries.map((_, i) => ({ EventId: `e${i}` })) };
    });
    const out = await publisher().publish(Array.from({ length: 45 }, (_, i) => engagement(i)));
    expect(out.published).toHaveLength(45);
    expect(peak).toBe(5);
  });

  it('makes no call past its deadline and reports what is left as failed, for the caller to hand on', async () => {
    let calls = 0;
    eb.on(PutEventsCommand).callsFake(async () => {
      calls++;
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    });
    const out = await new EventBridgePublisher(new EventBridgeClient({}), 'bus', {
      backoffBaseMs: 1,
      maxAttempts: 10,
    }).publish([engagement(1), engagement(2)], { deadline: Date.now() - 1 });
    expect(calls).toBe(0);
    expect(out).toEqual({
      published: [],
      failed: [1, 2].map((n) => ({
        id: `generic:${n}`,
        errorCode: 'DeadlineReached',
        errorMessage: 'no time left to publish it in this invocation',
      })),
    });
  });
});
