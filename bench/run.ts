import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { buildEngagement } from '../lambdas/core/lifecycle/build-engagement.js';
import { createRouter, type RoutableEngagement, type Router } from '../lambdas/core/routing/router.js';
import { createJreRouter, type JreRouter } from './json-rules-engine.js';
import { liveHeap, mb, median, perSec, rateAsync, rateSync, ratio, type Box } from './measure.js';
import { drafts, ruleSpecs, switchboardConfig } from './rule-sets.js';
import { benchEnrichment, benchEnrichmentCost } from './enrichment.js';
import { benchPathologicalPatterns } from './pathological-patterns.js';
import { benchRuleShapes } from './rule-shapes.js';
import { benchColdImport } from './cold-import.js';
import { benchConfigLoad } from './config-load.js';
import { benchWebhookAccept } from './webhook.js';
import { benchWriteCost } from './write-cost.js';

/**
 * `npm run bench`: engagements per second for enrichment alone, Switchboard routing alone and
 * both, with 10, 1,000 and 10,000 generated rules, against the same rule sets run through
 * json-rules-engine; then webhook accept latency. The machine is shared and noisy: every figure
 * is the median of 3 interleaved, time-boxed runs, and figures are to be compared as ratios
 * within one run, not across runs.
 */

const RULE_COUNTS = [10, 1_000, 10_000] as const;
/** Benchmark engagements; each is checked through both engines (json-rules-engine: ~0.1 s each at 10,000 rules). */
const SAMPLE_SIZE = 200;
const REPEATS = 3;
const SYNC_BOX: Box = { maxMs: 400, maxEvents: 1_000_000 };
const JRE_BOX: Box = { maxMs: 2_000, maxEvents: 100_000 };
const WARM_UP: Box = { maxMs: 200, maxEvents: 100_000 };
/** Switchboard routing with 10,000 rules may be at most this much slower than with 10. */
const SCALING_TARGET = 1.5;

const received = '2026-11-25T10:00:01.000Z';
const sample = drafts(SAMPLE_SIZE);
/** Enrichment alone: `buildEngagement` with a router that does nothing. */
const noRouting: Router = {
  configVersion: 'none',
  route: () => ({ departments: ['comms'], rules: [], priority: 'normal', configVersion: 'none' }),
};
const enriched: RoutableEngagement[] = sample.map((d) => {
  const { routing: _, ...engagement } = buildEngagement(d, received, noRouting);
  return engagement;
});
const at = <T>(items: readonly T[], i: number): T => items[i % items.length]!;

/**
 * Fails loudly unless both engines select exactly the same rules (and so departments) for every
 * benchmark engagement: the comparison is only fair if they agree. Returns matches per engagement.
 */
async function checkAgreement(ruleCount: number, router: Router, jre: JreRouter): Promise<number> {
  const mismatches: string[] = [];
  let matches = 0;
  for (const engagement of enriched) {
    const ours = router.route(engagement);
    const theirs = await jre.route(engagement);
    const a = [...ours.rules].sort();
    const b = [...theirs.rules].sort();
    matches += a.length;
    const departmentsDiffer =
      a.length > 0 && [...ours.departments].sort().join() !== [...theirs.departments].sort().join();
    if (a.join() !== b.join() || departmentsDiffer) {
      mismatches.push(
        `  ${engagement.id}: Switchboard [${a.join(', ')}] → ${ours.departments.join(', ')}; json-rules-engine [${b.join(', ')}] → ${theirs.departments.join(', ')}`,
      );
    }
  }
  if (mismatches.length > 0) {
    throw new Error(
      `Switchboard and json-rules-engine disagree on ${mismatches.length} of ${enriched.length} engagements with ${ruleCount} rules; the comparison would not be fair:\n${mismatches.slice(0, 10).join('\n')}`,
    );
  }
  if (matches === 0)
    throw new Error(`no benchmark engagement matches any of the ${ruleCount} rules: agreement would prove nothing`);
  return matches / enriched.length;
}

interface Row {
  ruleCount: number;
  matchesPerEvent: number;
  compileMs: { switchboard: number; jre: number };
  heap: { switchboard: number; switchboardDelta: number; jre: number; jreDelta: number };
  routing: number;
  enrichAndRoute: number;
  jre: number;
  jreEvents: number[];
}

console.log(
  `Switchboard benchmarks (Node ${process.version}, ${SAMPLE_SIZE} generated engagements, json-rules-engine 7.3.1 on the same rules)`,
);
console.log('Timings are noisy on a shared machine: compare them as ratios within this run, not across runs.\n');

const rows: Row[] = [];
const enrichmentRates: number[] = [];
for (const ruleCount of RULE_COUNTS) {
  const specs = ruleSpecs(ruleCount);
  const config = switchboardConfig(specs);

  const heapBefore = liveHeap();
  let start = performance.now();
  const router = createRouter(config);
  const sbCompileMs = performance.now() - start;
  const sbHeap = liveHeap();
  start = performance.now();
  const jre = createJreRouter(specs);
  const jreCompileMs = performance.now() - start;
  const jreHeap = liveHeap();

  process.stdout.write(
    `${ruleCount.toLocaleString('en-US')} rules: checking both engines agree on every engagement... `,
  );
  const checkStart = performance.now();
  const matchesPerEvent = await checkAgreement(ruleCount, router, jre);
  console.log(
    `they do (${matchesPerEvent.toFixed(2)} rules matched per engagement; ${((performance.now() - checkStart) / 1000).toFixed(1)} s). Measuring...`,
  );

  // Warm-up (JIT, caches); the agreement check above has warmed json-rules-engine already.
  rateSync(WARM_UP, (i) => router.route(at(enriched, i)));
  rateSync(WARM_UP, (i) => buildEngagement(at(sample, i), received, router));
  rateSync(WARM_UP, (i) => buildEngagement(at(sample, i), received, noRouting));

  // Interleaved repeats, so a noisy moment spreads over every engine rather than hitting one.
  const routing: number[] = [];
  const both: number[] = [];
  const jreRates: number[] = [];
  const jreEvents: number[] = [];
  for (let rep = 0; rep < REPEATS; rep++) {
    enrichmentRates.push(rateSync(SYNC_BOX, (i) => buildEngagement(at(sample, i), received, noRouting)).perSecond);
    routing.push(rateSync(SYNC_BOX, (i) => router.route(at(enriched, i))).perSecond);
    both.push(rateSync(SYNC_BOX, (i) => buildEngagement(at(sample, i), received, router)).perSecond);
    const j = await rateAsync(JRE_BOX, (i) => jre.route(at(enriched, i)));
    jreRates.push(j.perSecond);
    jreEvents.push(j.events);
  }
  rows.push({
    ruleCount,
    matchesPerEvent,
    compileMs: { switchboard: sbCompileMs, jre: jreCompileMs },
    heap: { switchboard: sbHeap, switchboardDelta: sbHeap - heapBefore, jre: jreHeap, jreDelta: jreHeap - sbHeap },
    routing: median(routing),
    enrichAndRoute: median(both),
    jre: median(jreRates),
    jreEvents,
  });
}

const signed = (bytes: number) => (bytes < 0 ? `−${mb(-bytes)}` : `+${mb(bytes)}`);
const table: string[][] = [
  [
    'rules',
    'matched/event',
    'Switchboard routing /s',
    'enrichment+routing /s',
    'json-rules-engine /s (events run)',
    'Switchboard ÷ jre',
    'compile ms (SB / jre)',
    'heapUsed after compile: SB (Δ) / jre (Δ)',
  ],
  ...rows.map((r) => [
    r.ruleCount.toLocaleString('en-US'),
    r.matchesPerEvent.toFixed(2),
    perSec(r.routing),
    perSec(r.enrichAndRoute),
    `${perSec(r.jre)} (${r.jreEvents.map((n) => n.toLocaleString('en-US')).join('/')})`,
    ratio(r.routing / r.jre),
    `${r.compileMs.switchboard.toFixed(0)} / ${r.compileMs.jre.toFixed(0)}`,
    `${mb(r.heap.switchboard)} (${signed(r.heap.switchboardDelta)}) / ${mb(r.heap.jre)} (${signed(r.heap.jreDelta)})`,
  ]),
];
const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
console.log();
for (const [i, row] of table.entries()) {
  console.log(
    row
      .map((cell, c) => (c === 0 || c === row.length - 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd(),
  );
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
}
console.log();
console.log(`enrichment alone (keywords, rule-count independent): ${perSec(median(enrichmentRates))} /s`);

const first = rows.find((r) => r.ruleCount === 10)!;
const last = rows.find((r) => r.ruleCount === 10_000)!;
const slowdown = first.routing / last.routing;
console.log(
  `Switchboard routing slowdown 10 → 10,000 rules: ${ratio(slowdown)} (target ≤ ${SCALING_TARGET}×: ${slowdown <= SCALING_TARGET ? 'met' : 'NOT met'}); ` +
    `json-rules-engine: ${ratio(first.jre / last.jre)}`,
);
console.log(
  `Switchboard vs json-rules-engine routing: ${rows.map((r) => `${ratio(r.routing / r.jre)} at ${r.ruleCount.toLocaleString('en-US')}`).join(', ')}`,
);
console.log(
  `Each figure: median of ${REPEATS} interleaved runs, time-boxed (Switchboard ${SYNC_BOX.maxMs} ms, json-rules-engine ${JRE_BOX.maxMs} ms or ${JRE_BOX.maxEvents.toLocaleString('en-US')} events); ` +
    'heapUsed after a full GC, Δ = growth from compiling that engine.\n',
);

benchRuleShapes();
benchConfigLoad();
if (existsSync('cdk.out/manifest.json')) benchColdImport();
else console.log('Cold import: skipped, no cdk.out (run `npx cdk synth` or `npm start` once first)\n');
benchEnrichment();
await benchEnrichmentCost();
benchPathologicalPatterns();
await benchWebhookAccept();
await benchWriteCost();
