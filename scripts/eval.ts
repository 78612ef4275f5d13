/**
 * `npm run eval [-- file.jsonl…]`: measures enrichment (the full `enrich`, as the process function
 * runs it) on labelled engagements and prints, per set, the headline figures next to their
 * targets, then per language and per intent precision / recall / F1, the sentiment confusion
 * matrix and the rate. Without files: the frozen test split, the dev split and the routing dev
 * set, all under `corpus/`. Exits 0 after reporting (it measures, it does not gate); 1 when a
 * file cannot be read.
 *
 * Scoring: an engagement's intents are a hit when any expected intent is assigned; an assigned
 * intent that is neither expected nor in `alsoOk` is spurious. Language counts on texts of five
 * words or more (short texts are reported apart).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { INTENTS } from '../lambdas/core/engagement/engagement.schema.js';
import { enrich, type Enrichment } from '../lambdas/core/enrichment/enrich.js';
import { shippedModel } from '../lambdas/core/enrichment/model/shipped-model.js';
import { findPii, type PiiType } from '../lambdas/core/enrichment/pii.js';
import { readCorpus, type CorpusItem } from './corpus-file.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_SETS: [string, string][] = [
  ['corpus/enrichment/test.jsonl', 'test split: frozen, written apart from the training corpus, never tuned on'],
  ['corpus/enrichment/dev.jsonl', 'dev split: the thresholds and offsets are calibrated on it'],
  ['corpus/routing-dev-set.jsonl', 'routing dev set'],
];
const SENTIMENTS = ['negative', 'neutral', 'positive'] as const;

const pct = (n: number, d: number): string => (d === 0 ? '    –' : `${((100 * n) / d).toFixed(1).padStart(5)}%`);
const f2 = (n: number): string => n.toFixed(2);
const wordCount = (s: string): number => (s.match(/[\p{L}\p{N}]+/gu) ?? []).length;
const table = (rows: string[][]): string => {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map(
      (r, i) =>
        r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ') +
        (i === 0 ? `\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : ''),
    )
    .join('\n');
};

interface Outcome {
  item: CorpusItem;
  got: Enrichment;
  hit: boolean;
  spurious: string[];
}

function measure(file: string, about: string): void {
  const items = readCorpus(file);
  const outcomes: Outcome[] = items.map((item) => {
    // The platform's language tag is not passed in: the detected language is what is measured.
    const got = enrich({ text: item.text, rating: item.rating });
    const ok = new Set([...item.expect.intents, ...(item.expect.alsoOk ?? [])]);
    return {
      item,
      got,
      hit: item.expect.intents.some((i) => (got.intents as string[]).includes(i)),
      spurious: got.intents.filter((i) => !ok.has(i)),
    };
  });
  const n = outcomes.length;
  const hits = outcomes.filter((o) => o.hit).length;
  const spurious = outcomes.reduce((sum, o) => sum + o.spurious.length, 0);
  const sentimentOk = outcomes.filter((o) => o.got.sentiment.label === o.item.expect.sentiment).length;
  const negatives = outcomes.filter((o) => o.item.expect.sentiment === 'negative');
  const negHits = negatives.filter((o) => o.got.sentiment.label === 'negative').length;
  const long = outcomes.filter((o) => wordCount(o.item.text) >= 5 && o.item.expect.language !== 'und');
  const longOk = long.filter((o) => o.got.language === o.item.expect.language).length;
  const short = outcomes.filter((o) => wordCount(o.item.text) < 5 || o.item.expect.language === 'und');
  const shortOk = short.filter((o) => o.got.language === o.item.expect.language).length;
  const und = outcomes.filter((o) => o.got.language === 'und');
  const undTruly = und.filter((o) => o.item.expect.language === 'und').length;
  const check = (ok: boolean) => (ok ? 'met' : 'NOT met');

  console.log(`\n== ${relative(repoRoot, file)}: ${about} (${n} engagements)\n`);
  console.log(
    table([
      ['measure', 'value', 'target', ''],
      ['intent hit rate', pct(hits, n), '≥ 85% (aim 90%)', check(hits / n >= 0.85)],
      ['spurious intents per engagement', f2(spurious / n), '≤ 0.30', check(spurious / n <= 0.3)],
      ['sentiment (3 classes)', pct(sentimentOk, n), '≥ 80% (aim 85%)', check(sentimentOk / n >= 0.8)],
      [
        'negative recall',
        pct(negHits, negatives.length),
        '≥ 80%',
        check(negatives.length === 0 || negHits / negatives.length >= 0.8),
      ],
      [
        'language, 5+ words',
        pct(longOk, long.length),
        '≥ 95%',
        check(long.length === 0 || longOk / long.length >= 0.95),
      ],
      ['language, shorter or no letters', pct(shortOk, short.length), '', ''],
      ['und given (of which truly unknown)', `${und.length} (${undTruly})`, 'und only when unknown', ''],
    ]),
  );

  const languages = [...new Set(outcomes.map((o) => o.item.expect.language))].sort();
  console.log('\nper language');
  console.log(
    table([
      ['language', 'n', 'intent hit', 'spurious', 'sentiment', 'neg. recall', 'language (5+ words)'],
      ...languages.map((l) => {
        const of = outcomes.filter((o) => o.item.expect.language === l);
        const neg = of.filter((o) => o.item.expect.sentiment === 'negative');
        const lng = of.filter((o) => wordCount(o.item.text) >= 5);
        return [
          l,
          String(of.length),
          pct(of.filter((o) => o.hit).length, of.length),
          f2(of.reduce((s, o) => s + o.spurious.length, 0) / of.length),
          pct(of.filter((o) => o.got.sentiment.label === o.item.expect.sentiment).length, of.length),
          pct(neg.filter((o) => o.got.sentiment.label === 'negative').length, neg.length),
          l === 'und' ? '–' : pct(lng.filter((o) => o.got.language === l).length, lng.length),
        ];
      }),
    ]),
  );

  const tags = [...new Set(outcomes.flatMap((o) => o.item.tags ?? []))].sort();
  if (tags.length > 0) {
    console.log('\nhard cases (by the corpus tags)');
    console.log(
      table([
        ['tag', 'n', 'intent hit', 'sentiment'],
        ...tags
          .map((tag) => [tag, outcomes.filter((o) => o.item.tags?.includes(tag))] as const)
          .filter(([, of]) => of.length >= 10)
          .map(([tag, of]) => [
            tag,
            String(of.length),
            pct(of.filter((o) => o.hit).length, of.length),
            pct(of.filter((o) => o.got.sentiment.label === o.item.expect.sentiment).length, of.length),
          ]),
      ]),
    );
  }

  console.log('\nper intent (alsoOk intents count as neither right nor wrong)');
  console.log(
    table([
      ['intent', 'expected', 'precision', 'recall', 'F1'],
      ...INTENTS.map((intent) => {
        let tp = 0;
        let fp = 0;
        let fn = 0;
        for (const o of outcomes) {
          const expected = o.item.expect.intents.includes(intent);
          const predicted = (o.got.intents as string[]).includes(intent);
          const allowed = expected || (o.item.expect.alsoOk ?? []).includes(intent);
          if (predicted && expected) tp++;
          else if (predicted && !allowed) fp++;
          else if (!predicted && expected) fn++;
        }
        const p = tp + fp ? tp / (tp + fp) : 0;
        const r = tp + fn ? tp / (tp + fn) : 0;
        return [intent, String(tp + fn), f2(p), f2(r), f2(p + r ? (2 * p * r) / (p + r) : 0)];
      }),
    ]),
  );

  console.log('\nsentiment confusion (rows: expected, columns: assigned)');
  console.log(
    table([
      ['expected \\ assigned', ...SENTIMENTS],
      ...SENTIMENTS.map((e) => [
        e,
        ...SENTIMENTS.map((g) =>
          String(outcomes.filter((o) => o.item.expect.sentiment === e && o.got.sentiment.label === g).length),
        ),
      ]),
    ]),
  );

  // Rate: the whole enrichment, one core, after a warm-up, for at least a second.
  for (const o of outcomes.slice(0, 200)) enrich({ text: o.item.text, rating: o.item.rating });
  let done = 0;
  const started = performance.now();
  while (performance.now() - started < 1000)
    for (const o of outcomes) {
      enrich({ text: o.item.text, rating: o.item.rating });
      done++;
    }
  const rate = (done / (performance.now() - started)) * 1000;
  console.log(
    `\nrate: ${Math.round(rate).toLocaleString('en-US')} engagements/s on one core (target ≥ 10,000: ${check(rate >= 10_000)})`,
  );
}

const files = process.argv.slice(2);
const sets: [string, string][] = files.length
  ? files.map((f) => [resolve(f), 'given file'])
  : DEFAULT_SETS.map(([f, about]) => [join(repoRoot, f), about]);
for (const [file] of sets) {
  if (!existsSync(file)) {
    console.error(`npm run eval: no labelled set at ${file}`);
    process.exit(1);
  }
}
console.log(`Enrichment model ${shippedModel().version}`);
for (const [file, about] of sets) measure(file, about);
if (files.length === 0) measurePii(join(repoRoot, 'corpus/pii/pii.jsonl'));

/**
 * PII detection on labelled texts: each expected value found with its type is a true positive,
 * each detection that is not one is a false positive; `keep` values (order numbers, UUIDs,
 * dates, prices…) must come out untouched.
 */
function measurePii(file: string): void {
  interface PiiItem {
    text: string;
    language: string;
    pii: { type: PiiType; value: string }[];
    keep?: string[];
  }
  const items = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as PiiItem);
  const types: PiiType[] = ['email', 'phone', 'card', 'iban'];
  const stats = new Map(types.map((t) => [t, { tp: 0, fp: 0, fn: 0 }]));
  let keeps = 0;
  let broken = 0;
  const problems: string[] = [];
  for (const item of items) {
    const found = findPii(item.text).map((m) => ({
      type: m.type,
      start: m.start,
      end: m.end,
      value: item.text.slice(m.start, m.end),
    }));
    const expected = item.pii.map((p) => ({
      ...p,
      start: item.text.indexOf(p.value),
      end: item.text.indexOf(p.value) + p.value.length,
    }));
    for (const f of found) {
      const hit = expected.find((e) => e.type === f.type && f.start < e.end && e.start < f.end);
      stats.get(f.type)!.tp += hit ? 1 : 0;
      if (!hit) {
        stats.get(f.type)!.fp++;
        problems.push(`false ${f.type} "${f.value}" in: ${item.text.slice(0, 80)}`);
      }
    }
    for (const e of expected) {
      if (!found.some((f) => f.type === e.type && f.start < e.end && e.start < f.end)) {
        stats.get(e.type)!.fn++;
        problems.push(`missed ${e.type} "${e.value}" in: ${item.text.slice(0, 80)}`);
      }
    }
    for (const k of item.keep ?? []) {
      keeps++;
      const at = item.text.indexOf(k);
      if (found.some((f) => f.start < at + k.length && at < f.end)) broken++;
    }
  }
  console.log(`\n== ${relative(repoRoot, file)}: PII detection (${items.length} texts)\n`);
  console.log(
    table([
      ['type', 'expected', 'precision', 'recall'],
      ...types.map((t) => {
        const s = stats.get(t)!;
        return [
          t,
          String(s.tp + s.fn),
          f2(s.tp + s.fp ? s.tp / (s.tp + s.fp) : 1),
          f2(s.tp + s.fn ? s.tp / (s.tp + s.fn) : 1),
        ];
      }),
    ]),
  );
  console.log(`identifiers, dates, prices left intact: ${pct(keeps - broken, keeps)} (${keeps - broken}/${keeps})`);
  if (problems.length)
    console.log(
      `\n${problems.slice(0, 15).join('\n')}${problems.length > 15 ? `\n… and ${problems.length - 15} more` : ''}`,
    );
}
