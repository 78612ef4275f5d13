import { createHmac, randomUUID } from 'node:crypto';
import type { PlatformHealth } from '#core/lifecycle/ports/health-recorder.js';
import { localSecrets } from '../support/local-secrets.js';
import { twin } from './twin-client.js';

const health = async () =>
  ((await (await fetch(`${twin.webhookBaseUrl}/health/platforms`)).json()) as { platforms: PlatformHealth[] })
    .platforms;
const of = async (platform: string) => (await health()).find((p) => p.platform === platform);

describe('local twin: GET /health/platforms', () => {
  it("lists every platform, counting accepted deliveries and refused signatures from the webhook's metrics", async () => {
    const before = (await of('facebook'))?.webhook ?? {};
    const body = JSON.stringify({
      object: 'page',
      entry: [
        {
          id: '1122334455',
          time: 1,
          changes: [
            {
              field: 'feed',
              value: {
                item: 'comment',
                verb: 'add',
                post_id: '1122334455_1',
                comment_id: `1_${randomUUID()}`,
                parent_id: '1122334455_1',
                from: { id: '9', name: 'A' },
                message: 'hi',
                created_time: 1,
              },
            },
          ],
        },
      ],
    });
    const sign = (secret: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    const post = (signature: string) =>
      fetch(`${twin.webhookBaseUrl}/webhooks/facebook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
        body,
      });

    // Health comes from the webhook's metric lines, which reach the twin a moment after the answer.
    const eventually = async (check: (h: NonNullable<PlatformHealth['webhook']>) => boolean) => {
      const deadline = Date.now() + 5_000;
      let h = (await of('facebook'))?.webhook ?? {};
      while (!check(h) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        h = (await of('facebook'))?.webhook ?? {};
      }
      return h;
    };
    expect((await post(sign('a rotated secret'))).status).toBe(403);
    const refused = await eventually((h) => (h.refusals ?? 0) > (before.refusals ?? 0));
    expect(refused).toMatchObject({
      refusals: (before.refusals ?? 0) + 1,
      lastRefusalCode: 'bad_signature',
      consecutiveRefusals: expect.any(Number),
    });
    expect(refused.consecutiveRefusals).toBeGreaterThanOrEqual(1);

    const sentAt = new Date().toISOString();
    expect((await post(sign(localSecrets.facebook!.appSecret!))).status).toBe(200);
    const accepted = await eventually(
      (h) => (h.accepted ?? 0) > (refused.accepted ?? 0) && h.consecutiveRefusals === 0,
    );
    expect(accepted).toMatchObject({ consecutiveRefusals: 0, lastAcceptedAt: expect.any(String) });
    expect(accepted.accepted).toBeGreaterThan(refused.accepted ?? 0);
    expect(accepted.lastAcceptedAt! >= sentAt.slice(0, 19)).toBe(true);

    const platforms = (await health()).map((p) => p.platform);
    expect(platforms).toEqual(expect.arrayContaining(['x', 'facebook', 'generic', 'rss']));
  });

  it('shows each polling target with its last successful poll', async () => {
    const deadline = Date.now() + 20_000;
    let rss = await of('rss');
    while (!rss?.polling?.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      rss = await of('rss');
    }
    expect(rss?.polling).toEqual([
      expect.objectContaining({ target: 'it-newsroom', consecutiveFailures: 0, lastSuccessAt: expect.any(String) }),
    ]);
  });
});
