import { costReport, PRICES, type TwinUsage } from '../../../bin/commands/cost.js';

const usage = (over: Partial<TwinUsage> = {}): TwinUsage => ({
  apiRequests: 100,
  functions: {
    'Switchboard-WebhookFunction6FF7199F': { invocations: 100, billedMs: 1_000, memoryMb: 512 },
    'Switchboard-ProcessFunction4423FA37': { invocations: 10, billedMs: 2_000, memoryMb: 512 },
  },
  services: {
    dynamodb: {
      requests: { TransactWriteItems: 100, GetItem: 4 },
      capacityUnits: { TransactWriteItems: 500, UpdateItem: 200, GetItem: 4 },
      events: 0,
    },
    sqs: { requests: { SendMessage: 100 }, capacityUnits: {}, events: 0 },
    eventbridge: { requests: { PutEvents: 10 }, capacityUnits: {}, events: 100 },
  },
  eventBridgeDeliveries: 100,
  ...over,
});

describe('cost report', () => {
  it('prices each line per engagement at list prices, beside the floor of a REST API front door', () => {
    const r = costReport(usage());
    expect(r.engagements).toBe(100);
    const line = (service: string) => r.lines.find((l) => l.service === service)!;
    expect(line('API Gateway (REST)')).toMatchObject({
      unitsPerEngagement: 1,
      usdPerMillion: 3.5,
      floorUsdPerMillion: 3.5,
    });
    expect(line('Lambda requests').unitsPerEngagement).toBeCloseTo(1.1);
    // 3 s at 0.5 GB over 100 engagements: 0.015 GB-s each
    expect(line('Lambda duration').usdPerMillion).toBeCloseTo(0.015 * PRICES.lambdaArmGbSecond * 1e6);
    expect(line('DynamoDB writes')).toMatchObject({ unitsPerEngagement: 7 });
    expect(line('DynamoDB writes').usdPerMillion).toBeCloseTo(7 * 0.625);
    expect(line('DynamoDB reads').unitsPerEngagement).toBeCloseTo(0.04);
    // SQS: 1 send each, receive + delete per batch (0.2), one delivery to a department queue each
    expect(line('SQS').unitsPerEngagement).toBeCloseTo(2.2);
    const total = r.lines.reduce((s, l) => s + l.usdPerMillion, 0);
    expect(r.perMillion.total).toBeCloseTo(total);
    expect(r.perMillion.ratio).toBeCloseTo(total / r.perMillion.floor);
    expect(r.perMillion.floor).toBeCloseTo(3.5 + 0.2 + 0.25 * 0.05 * PRICES.lambdaArmGbSecond * 1e6 + 0.625 + 1 + 0.4);
  });

  it('refuses to price nothing', () => {
    const none = usage();
    none.services.eventbridge!.events = 0;
    expect(() => costReport(none)).toThrow(/no engagement has been published/);
  });
});
