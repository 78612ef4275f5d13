import { twin } from './twin-client.js';

/** The twin-only endpoints refuse what they cannot do, naming what they expect, and change nothing. */
describe('twin-only endpoints', () => {
  it.each(['service=nope&seconds=5', 'service=dynamodb&seconds=0', 'service=dynamodb&seconds=601', 'service=sqs'])(
    'POST /twin/outage?%s is refused with 400',
    async (query) => {
      const res = await fetch(`${twin.webhookBaseUrl}/twin/outage?${query}`, { method: 'POST' });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: 'bad_outage',
        message: 'expected ?service=dynamodb|sqs|eventbridge&seconds=<1..600>',
      });
    },
  );

  it('reports usage as JSON with every service', async () => {
    const res = await fetch(`${twin.webhookBaseUrl}/twin/usage`);
    expect(res.status).toBe(200);
    const usage = (await res.json()) as { services: Record<string, unknown>; apiRequests: number };
    expect(Object.keys(usage.services).sort()).toEqual(['dynamodb', 'eventbridge', 'sqs']);
    expect(usage.apiRequests).toEqual(expect.any(Number));
  });
});
