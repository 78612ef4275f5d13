import { createHmac } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { LoadedConfig } from '../lambdas/core/config/load-config.js';
import { SwitchboardConfigSchema } from '../lambdas/core/config/config.schema.js';
import { buildEngagement } from '../lambdas/core/engagement/build-engagement.js';
import type { EngagementDraft } from '../lambdas/core/engagement/engagement.schema.js';
import { acceptWebhook } from '../lambdas/core/lifecycle/accept-webhook.js';
import { adapterFor } from '../lambdas/core/platforms/registry.js';
import { createRouter } from '../lambdas/core/routing/router.js';

/**
 * `npm run bench`: prints throughput and latency figures. Timings on a shared machine are noisy,
 * so compare the figures of one run with each other (ratios), not across runs.
 */

// A deterministic generator, so every run measures the same rules and engagements.
let seed = 42;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const VOCABULARY = Array.from({ length: 20_000 }, (_, i) => `word${i}`);
const COMMON = 'my order never arrived and i want a refund the app crashes when i log in lovely service thanks'.split(' ');

function configWith(ruleCount: number): LoadedConfig {
  const departments = ['care', 'eng', 'sales', 'comms', 'legal'].map((id) => ({ id, name: id, sla: { firstResponse: 'PT1H' } }));
  const rules = Array.from({ length: ruleCount }, (_, i) => {
    const kind = i % 5;
    const when =
      kind < 3 ? { keywords: [VOCABULARY[i % VOCABULARY.length]] }
      : kind === 3 ? { author: { handle: [`handle${i}`] } }
      : { platform: ['x'], keywords: [VOCABULARY[(i * 7) % VOCABULARY.length]] };
    return { id: `rule-${i}`, when, routeTo: [departments[i % departments.length]!.id], priority: 'normal' };
  });
  const config = SwitchboardConfigSchema.parse({ departments, defaultDepartment: 'comms', rules });
  return { config, configVersion: `bench-${ruleCount}`, path: '(generated)' };
}

function drafts(n: number): EngagementDraft[] {
  return Array.from({ length: n }, (_, i) => ({
    platform: i % 2 ? 'x' : 'facebook',
    kind: 'comment',
    externalId: String(i),
    text: Array.from({ length: 20 }, () => (random() < 0.9 ? pick(COMMON) : pick(VOCABULARY))).join(' '),
    createdAt: '2026-11-25T10:00:00.000Z',
    author: { id: String(i), handle: `handle${Math.floor(random() * 20_000)}`, name: '' },
  }));
}

function perSecond(label: string, n: number, fn: () => void): number {
  fn(); // warm-up: JIT and caches
  const start = performance.now();
  for (let i = 0; i < n; i++) fn();
  const rate = (n / (performance.now() - start)) * 1000;
  console.log(`${label.padEnd(58)} ${Math.round(rate).toLocaleString('en-US').padStart(12)} /s`);
  return rate;
}

console.log(`Switchboard benchmarks (Node ${process.version})\n`);
const sample = drafts(2_000);
const received = '2026-11-25T10:00:01.000Z';
const routingRates = new Map<number, number>();
for (const ruleCount of [10, 1_000, 10_000]) {
  const compileStart = performance.now();
  const router = createRouter(configWith(ruleCount));
  const compileMs = performance.now() - compileStart;
  const enriched = sample.map((d) => buildEngagement(d, received, router));
  let i = 0;
  const rate = perSecond(`routing only, ${ruleCount.toLocaleString('en-US')} rules (compiled in ${compileMs.toFixed(0)} ms)`, 20_000, () => {
    router.route(enriched[i++ % enriched.length]!);
  });
  routingRates.set(ruleCount, rate);
  i = 0;
  perSecond(`keywords + routing, ${ruleCount.toLocaleString('en-US')} rules`, 20_000, () => {
    buildEngagement(sample[i++ % sample.length]!, received, router);
  });
}
console.log(`routing slowdown 10 → 10,000 rules: ${((routingRates.get(10) ?? 0) / (routingRates.get(10_000) ?? 1)).toFixed(2)}x\n`);

// Webhook acceptance in the handler's domain code: signature check + parse + enqueue (in memory).
const secret = 'bench-secret';
const body = Buffer.from(JSON.stringify({ id: '1', text: 'My order never arrived, I want a refund', author: { id: 'u1', handle: 'sam' } }));
const deps = { adapterFor, secretFor: async () => ({ signingSecret: secret }), enqueue: async () => undefined, now: () => new Date() };
const times: number[] = [];
for (let i = 0; i < 20_000; i++) {
  const ts = String(Math.floor(Date.now() / 1000));
  const headers = { 'content-type': 'application/json', 'x-switchboard-timestamp': ts, 'x-switchboard-signature': `sha256=${createHmac('sha256', secret).update(`${ts}.`).update(body).digest('hex')}` };
  const start = performance.now();
  const res = await acceptWebhook('generic', { method: 'POST', headers, query: {}, rawBody: body }, deps);
  times.push(performance.now() - start);
  if (res.statusCode !== 200) throw new Error(`unexpected ${res.statusCode}: ${res.body}`);
}
times.sort((a, b) => a - b);
const q = (p: number) => times[Math.floor((times.length - 1) * p)]!.toFixed(3);
console.log(`webhook accept (generic, verify + parse), in-handler ms: p50 ${q(0.5)}  p99 ${q(0.99)}  max ${q(1)}`);
