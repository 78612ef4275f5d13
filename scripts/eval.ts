/**
 * Measures enrichment against a labelled JSON Lines file of
 * `{ platform, text, expect: { intents, alsoOk?, sentiment, language } }`.
 * Usage: `npm run eval [-- file.jsonl]` (default: `corpus/routing-dev-set.jsonl`). Exits 0 after
 * reporting (it measures quality, it does not gate); 1 when the file cannot be read.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { enrich } from '../lambdas/core/enrichment/enrich.js';
import { INTENTS } from '../lambdas/core/enrichment/intents.js';

interface Case {
  platform?: string;
  text: string;
  language?: string;
  author?: { followers?: number };
  rating?: number;
  expect: { intents?: string[]; alsoOk?: string[]; sentiment?: string; language?: string };
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const file = resolve(process.argv[2] ?? join(repoRoot, 'corpus/routing-dev-set.jsonl'));
if (!existsSync(file)) {
  console.error(`npm run eval: no labelled set at ${file}`);
  process.exit(1);
}
const cases: Case[] = readFileSync(file, 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('//'))
  .map((l) => JSON.parse(l) as Case);

const pct = (n: number, d: number): string => (d === 0 ? '  n/a' : `${((100 * n) / d).toFixed(1).padStart(5)}%`);
const cut = (s: string, n = 70): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const wordCount = (s: string): number => (s.match(/[\p{L}\p{N}]+/gu) ?? []).length;

const perIntent = new Map<string, { tp: number; fp: number; fn: number }>(INTENTS.map((i) => [i, { tp: 0, fp: 0, fn: 0 }]));
let hits = 0;
let withIntents = 0;
let spurious = 0;
let sentimentOk = 0;
let sentimentN = 0;
let langOk = 0;
let langN = 0;
let lang5Ok = 0;
let lang5N = 0;
const misses: string[] = [];

for (const c of cases) {
  // The language label is what we measure, so the platform's tag is not passed in.
  const e = enrich({ text: c.text, author: c.author, rating: c.rating });
  const problems: string[] = [];
  const expected = c.expect.intents ?? [];
  const ok = new Set([...expected, ...(c.expect.alsoOk ?? [])]);
  if (expected.length > 0) {
    withIntents++;
    const hit = expected.some((i) => (e.intents as string[]).includes(i));
    if (hit) hits++;
    else problems.push(`intent miss: expected ${expected.join('|')}`);
    for (const i of INTENTS) {
      const s = perIntent.get(i)!;
      const predicted = (e.intents as string[]).includes(i);
      if (predicted && expected.includes(i)) s.tp++;
      else if (predicted && !ok.has(i)) s.fp++;
      else if (!predicted && expected.includes(i)) s.fn++;
    }
    const extra = e.intents.filter((i) => !ok.has(i));
    spurious += extra.length;
    if (extra.length) problems.push(`spurious: ${extra.join(',')}`);
  }
  if (c.expect.sentiment) {
    sentimentN++;
    if (e.sentiment.label === c.expect.sentiment) sentimentOk++;
    else problems.push(`sentiment ${e.sentiment.label} (${e.sentiment.score}) ≠ ${c.expect.sentiment}`);
  }
  if (c.expect.language) {
    langN++;
    const good = e.language === c.expect.language;
    if (good) langOk++;
    if (wordCount(c.text) >= 5) {
      lang5N++;
      if (good) lang5Ok++;
    }
    if (!good) problems.push(`language ${e.language} ≠ ${c.expect.language}`);
  }
  if (problems.length) misses.push(`  ${cut(c.text).padEnd(70)}  [${e.intents.join(',')}] ${problems.join('; ')}`);
}

console.log(`Enrichment eval: ${file} (${cases.length} cases)\n`);
console.log('intent             precision  recall   tp  fp  fn');
for (const [intent, s] of perIntent) {
  if (s.tp + s.fp + s.fn === 0) continue;
  console.log(`${intent.padEnd(18)} ${pct(s.tp, s.tp + s.fp).padStart(9)} ${pct(s.tp, s.tp + s.fn).padStart(7)} ${String(s.tp).padStart(4)}${String(s.fp).padStart(4)}${String(s.fn).padStart(4)}`);
}
console.log('');
console.log(`intent hit rate        ${pct(hits, withIntents)}  (${hits}/${withIntents}; target ≥ 85%)`);
console.log(`spurious intents/text  ${(withIntents ? spurious / withIntents : 0).toFixed(2)}  (${spurious} outside expected ∪ alsoOk)`);
console.log(`sentiment accuracy     ${pct(sentimentOk, sentimentN)}  (${sentimentOk}/${sentimentN}; target ≥ 80%)`);
console.log(`language accuracy 5+w ${pct(lang5Ok, lang5N)}  (${lang5Ok}/${lang5N}; target ≥ 95%)`);
console.log(`language accuracy all  ${pct(langOk, langN)}  (${langOk}/${langN})`);
console.log(`\nmisses (${misses.length}):`);
console.log(misses.length ? misses.join('\n') : '  none');
