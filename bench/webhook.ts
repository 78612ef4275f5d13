import { createHmac } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { acceptWebhook } from '../lambdas/core/lifecycle/accept-webhook.js';
import { adapterFor } from '../lambdas/core/platforms/registry.js';

/** Webhook acceptance in the handler's domain code: signature check + parse + enqueue (in memory). */
export async function benchWebhookAccept(count = 20_000): Promise<void> {
  const secret = 'bench-secret';
  const body = Buffer.from(
    JSON.stringify({ id: '1', text: 'My order never arrived, I want a refund', author: { id: 'u1', handle: 'sam' } }),
  );
  const deps = {
    adapterFor,
    secretFor: async () => ({ signingSecret: secret }),
    enqueue: async () => undefined,
    now: () => new Date(),
  };
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const ts = String(Math.floor(Date.now() / 1000));
    const headers = {
      'content-type': 'application/json',
      'x-switchboard-timestamp': ts,
      'x-switchboard-signature': `sha256=${createHmac('sha256', secret).update(`${ts}.`).update(body).digest('hex')}`,
    };
    const start = performance.now();
    const res = await acceptWebhook('generic', { method: 'POST', headers, query: {}, rawBody: body }, deps);
    times.push(performance.now() - start);
    if (res.statusCode !== 200) throw new Error(`unexpected ${res.statusCode}: ${res.body}`);
  }
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.floor((times.length - 1) * p)]!.toFixed(3);
  console.log(`webhook accept (generic, verify + parse), in-handler ms: p50 ${q(0.5)}  p99 ${q(0.99)}  max ${q(1)}`);
}
