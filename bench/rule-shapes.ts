import { SwitchboardConfigSchema } from '../lambdas/core/config/config.schema.js';
import { createRouter, type RoutableEngagement } from '../lambdas/core/routing/router.js';
import { PatternSet } from '../lambdas/core/patterns/index.js';
import { median, perSec, rateSync, ratio, type Box } from './measure.js';
import { INTENTS as ENGAGEMENT_INTENTS } from '#core/engagement/engagement.schema.js';

/**
 * Routing cost by rule shape: for each shape a config may use, the same engagements routed
 * through 10 and through 10,000 rules of that shape, side by side in one run. The index must
 * keep the cost flat (≤ 1.5× at 10,000 rules) and fast (≥ 200,000 routings/s at 10,000 rules)
 * whatever the shape, not only for one-keyword rules.
 */

const SCALING_TARGET = 1.5;
const RATE_TARGET = 200_000;
const BOX: Box = { maxMs: 300, maxEvents: 2_000_000 };
const REPEATS = 3;
const SAMPLE = 500;

const PLATFORMS = ['x', 'facebook', 'instagram', 'reddit'];
const KINDS = ['comment', 'post', 'mention', 'dm', 'review'];
const INTENTS: readonly string[] = ENGAGEMENT_INTENTS;
const LANGUAGES = ['en', 'es', 'fr', 'de', 'pt', 'it', 'nl'];
/**
 * Rule `i` needs values numbered `i` (or values of its own, such as `kx<i>`), so the 10-rule set
 * is the first 10 rules of the 10,000-rule set. Events draw half their values from the first
 * {@link HOT} numbers and half from numbers no rule uses: both sets then match each event with
 * the same rules, and the ratio is the cost of having 9,990 more rules, not of matching more.
 */
const HOT = 10;
const UNUSED = 1_000_000;

function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

type When = Record<string, unknown>;
const of = <T>(xs: readonly T[], i: number): T => xs[i % xs.length]!;

/** The rule shapes: rule `i` of a set, as the `when` of a config rule. */
const SHAPES: Record<string, (i: number) => When> = {
  'platform + 3 keywords': (i) => ({ platform: [of(PLATFORMS, i)], keywords: [`kw${i}`, `kx${i}`, `ky${i}`] }),
  'account + kind + intent + language': (i) => ({
    account: { id: [`acct${i}`] },
    kind: [of(KINDS, i)],
    intents: [of(INTENTS, i >> 1)],
    language: [of(LANGUAGES, i >> 2)],
  }),
  'keyword + anything-but platform': (i) => ({
    keywords: [`kw${i}`],
    platform: [{ 'anything-but': [of(PLATFORMS, i)] }],
  }),
  'handle prefix': (i) => ({ author: { handle: [{ prefix: `h${i}-` }] } }),
  'keyword + followers range': (i) => ({
    keywords: [`kw${i}`],
    author: { followers: [{ numeric: ['>=', (i % 50) * 1_000, '<', 1_000_000] }] },
  }),
  'keyword or intent ($or)': (i) => ({
    $or: [{ keywords: [`kw${i}`] }, { intents: [of(INTENTS, i)], account: { id: [`acct${i}`] } }],
  }),
};
const MIX = (i: number): When => Object.values(SHAPES)[i % Object.keys(SHAPES).length]!(i);

/** Engagements as the router sees them; only the fields the rules read vary. */
function engagements(n: number): RoutableEngagement[] {
  const random = lcg(7);
  const skewed = () => (random() < 0.5 ? Math.floor(random() * HOT) : UNUSED + Math.floor(random() * UNUSED));
  return Array.from({ length: n }, (_, i) => {
    const keywords = Array.from({ length: 8 }, () => `kw${skewed()}`).concat(['order', 'refund', 'app']);
    const account = skewed();
    // Half the events of a hot account are of the kind, intent and language its rule asks for.
    const aligned = account < HOT && random() < 0.5;
    return {
      id: `e${i}`,
      platform: of(PLATFORMS, Math.floor(random() * 4)),
      kind: aligned ? of(KINDS, account) : of(KINDS, Math.floor(random() * 5)),
      account: { id: `acct${account}` },
      author: { handle: `h${skewed()}-${i}`, followers: Math.floor(random() * 60_000) },
      intents: [
        aligned ? of(INTENTS, account >> 1) : of(INTENTS, Math.floor(random() * 13)),
        of(INTENTS, Math.floor(random() * 13)),
      ],
      language: aligned ? of(LANGUAGES, account >> 2) : of(LANGUAGES, Math.floor(random() * 7)),
      keywords,
      receivedAt: '2026-11-25T10:00:01.000Z',
    } as unknown as RoutableEngagement;
  });
}

function router(count: number, shape: (i: number) => When) {
  const rules = Array.from({ length: count }, (_, i) => ({
    id: `r${i}`,
    when: shape(i),
    routeTo: ['care'],
    priority: 'normal',
  }));
  const config = SwitchboardConfigSchema.parse({
    departments: [{ id: 'care', name: 'Care' }],
    defaultDepartment: 'care',
    rules,
  });
  return {
    router: createRouter({ config, configVersion: `bench-${count}`, path: '(generated)' }),
    patterns: new PatternSet(rules.map((r) => ({ key: r.id, pattern: r.when }))),
  };
}

/** Prints, per shape, routings/s with 10 and 10,000 rules, the ratio and the rules evaluated per engagement. */
export function benchRuleShapes(): void {
  const sample = engagements(SAMPLE);
  console.log(
    'Routing by rule shape: the same engagements through 10 and 10,000 rules of one shape (median of 3 interleaved runs)',
  );
  const table: string[][] = [
    [
      'shape',
      'matched/event (10 / 10k)',
      'evaluated/event (10 / 10k)',
      'routings/s at 10',
      'at 10,000',
      'cost ratio',
      `target ≤ ${SCALING_TARGET}× and ≥ ${perSec(RATE_TARGET)}/s`,
    ],
  ];
  for (const [name, shape] of [...Object.entries(SHAPES), ['mix of all', MIX] as const]) {
    const small = router(10, shape);
    const large = router(10_000, shape);
    const matched = [0, 0];
    const evaluated = [0, 0];
    for (const e of sample) {
      for (const [k, set] of [small.patterns, large.patterns].entries()) {
        matched[k]! += set.matching(e).length;
        evaluated[k]! += set.lastEvaluated;
      }
    }
    const perEvent = (xs: number[]) => xs.map((x) => (x / SAMPLE).toFixed(2)).join(' / ');
    const at = (i: number) => sample[i % sample.length]!;
    rateSync({ maxMs: 100, maxEvents: 100_000 }, (i) => small.router.route(at(i)));
    rateSync({ maxMs: 100, maxEvents: 100_000 }, (i) => large.router.route(at(i)));
    const rates = { small: [] as number[], large: [] as number[] };
    for (let rep = 0; rep < REPEATS; rep++) {
      rates.small.push(rateSync(BOX, (i) => small.router.route(at(i))).perSecond);
      rates.large.push(rateSync(BOX, (i) => large.router.route(at(i))).perSecond);
    }
    const s = median(rates.small);
    const l = median(rates.large);
    const met = s / l <= SCALING_TARGET && l >= RATE_TARGET;
    table.push([
      name,
      perEvent(matched),
      perEvent(evaluated),
      perSec(s),
      perSec(l),
      ratio(s / l),
      met ? 'met' : 'NOT met',
    ]);
  }
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  for (const [i, row] of table.entries()) {
    console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  console.log();
}

if (import.meta.url === `file://${process.argv[1]}`) benchRuleShapes();
