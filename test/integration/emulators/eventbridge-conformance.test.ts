import { EventBridgeClient, InvalidEventPatternException, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import { createEventBridge, type DeliveryRequest, type LocalEventBridge } from '#local/emulators/eventbridge/index.js';
import { localCredentials } from '#test-support/aws-local.js';
import { loadConformanceCases } from '#test-support/conformance-corpus.js';
import { ENVELOPE_KEYS } from '#test-support/eventbridge.js';

/**
 * Drives the conformance corpus through the emulator end to end: TestEventPattern over HTTP for
 * every case, and PutEvents → rules → targets for the match cases PutEvents can reproduce
 * (envelope-only events in our account and region whose pattern does not name id, time or
 * version, which PutEvents sets itself). The engine alone is tested case by case in test/conformance.
 */

interface Case {
  name: string;
  pattern: object;
  patternText?: string;
  event?: Record<string, unknown>;
  match?: boolean;
  invalid?: true;
}

const cases = loadConformanceCases<Case>();
const patternText = (c: Case) => c.patternText ?? JSON.stringify(c.pattern);

const ENVELOPE = new Set(ENVELOPE_KEYS);
const reproducible = cases.filter(
  (c) =>
    c.event !== undefined &&
    Object.keys(c.event).every((key) => ENVELOPE.has(key)) &&
    c.event.account === '123456789012' &&
    c.event.region === 'us-east-1' &&
    typeof c.event.source === 'string' &&
    typeof c.event['detail-type'] === 'string' &&
    !['id', 'time', 'version'].some((key) => key in c.pattern),
);

describe('conformance corpus through the local EventBridge', () => {
  let bridge: LocalEventBridge;
  let client: EventBridgeClient;
  const delivered: DeliveryRequest[] = [];

  beforeAll(async () => {
    bridge = createEventBridge({ deliverers: { sqs: async (request) => void delivered.push(request) } });
    client = new EventBridgeClient({
      endpoint: await bridge.listen(0),
      region: 'us-east-1',
      credentials: localCredentials,
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    client.destroy();
    await bridge.close();
  });

  it('answers TestEventPattern over HTTP as the corpus says, for every case', async () => {
    const disagreements: string[] = [];
    for (const c of cases) {
      const outcome = await client
        .send(
          new TestEventPatternCommand({
            EventPattern: patternText(c),
            Event: JSON.stringify(
              c.event ?? { id: '1', account: '1', source: 's', time: 't', region: 'r', 'detail-type': 'd' },
            ),
          }),
        )
        .then((answer) => String(answer.Result))
        .catch((error: unknown) =>
          error instanceof InvalidEventPatternException ? 'invalid' : `error ${String(error)}`,
        );
      const expected = c.invalid ? 'invalid' : String(c.match);
      if (outcome !== expected) disagreements.push(`${c.name}: expected ${expected}, got ${outcome}`);
    }
    expect(disagreements).toEqual([]);
  });

  it('routes PutEvents to exactly the rules the corpus says match, over one compiled set per bus', async () => {
    expect(reproducible.length).toBeGreaterThan(100);
    bridge.createEventBus({ Name: 'conformance' });
    reproducible.forEach((c, i) => {
      bridge.putRule({ Name: `case-${i}`, EventBusName: 'conformance', EventPattern: patternText(c) });
      bridge.putTargets({
        Rule: `case-${i}`,
        EventBusName: 'conformance',
        Targets: [{ Id: 'q', Arn: `arn:aws:sqs:us-east-1:123456789012:case-${i}` }],
      });
    });
    const eventIds = reproducible.map((c) => {
      const event = c.event as Record<string, unknown>;
      const result = bridge.putEvents([
        {
          EventBusName: 'conformance',
          Source: event.source as string,
          DetailType: event['detail-type'] as string,
          Detail: JSON.stringify(event.detail ?? {}),
          Resources: event.resources as string[] | undefined,
          Time: typeof event.time === 'string' ? new Date(event.time) : undefined,
        },
      ]);
      return (result.Entries[0] as { EventId?: string }).EventId;
    });
    await bridge.drain();

    const disagreements = reproducible.flatMap((c, i) => {
      const hit = delivered.some(
        (request) => request.targetArn.endsWith(`:case-${i}`) && request.event.id === eventIds[i],
      );
      return hit === c.match ? [] : [`${c.name}: expected ${String(c.match)}, got ${String(hit)}`];
    });
    expect(disagreements).toEqual([]);
  });
});
