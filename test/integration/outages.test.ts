import { randomUUID } from 'node:crypto';
import { post, receiveUntil, twin } from './twin-client.js';

/**
 * A stall anywhere between the webhook and the department never loses or doubles a message: the
 * table frozen while the process function stores, the bus frozen while the publish function
 * publishes. (The outages are short because other test files share this twin.)
 */
describe('outages of the table and of the bus (local twin)', () => {
  async function sendAndCount(outage: { service: string; seconds: number }) {
    const ids = Array.from({ length: 10 }, () => randomUUID());
    const freeze = await fetch(`${twin.webhookBaseUrl}/twin/outage?service=${outage.service}&seconds=${outage.seconds}`, { method: 'POST' });
    expect(freeze.status).toBe(200);
    for (const id of ids) {
      const res = await post({ path: '/webhooks/generic', headers: { 'content-type': 'application/json' }, body: { id, text: 'the app crashes when I log in', author: { id: 'outage' } }, sign: 'generic' });
      expect(res.status).toBe(200); // the webhook only needs the intake queue
    }
    const wanted = new Set(ids.map((id) => `generic:${id}`));
    const counts = new Map<string, number>();
    const deadline = Date.now() + 60_000;
    while ([...wanted].some((id) => !counts.has(id)) && Date.now() < deadline) {
      for (const m of await receiveUntil('engineering', (x) => wanted.has(x.detail.id), 5_000)) counts.set(m.detail.id, (counts.get(m.detail.id) ?? 0) + 1);
    }
    // anything published twice would arrive within a few seconds of the first copy
    for (const m of await receiveUntil('engineering', (x) => wanted.has(x.detail.id), 4_000)) counts.set(m.detail.id, (counts.get(m.detail.id) ?? 0) + 1);
    return [...wanted].map((id) => counts.get(id) ?? 0);
  }

  it('delivers each engagement once when the table stalls while the process function stores', async () => {
    expect(await sendAndCount({ service: 'dynamodb', seconds: 4 })).toEqual(Array(10).fill(1));
  });

  it('delivers each engagement once when the bus stalls while the publish function publishes', async () => {
    expect(await sendAndCount({ service: 'eventbridge', seconds: 4 })).toEqual(Array(10).fill(1));
  });
});
