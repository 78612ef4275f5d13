/**
 * Checks labelled enrichment corpus files (JSON Lines) before they are split or trained on:
 * every line parses, uses the contract's intent vocabulary, a sentiment label and a supported
 * language, and no text appears twice (across all the files given).
 * Usage: `npx tsx scripts/check-corpus.ts <file.jsonl…>` (default: every corpus/enrichment/source file).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INTENTS } from '../lambdas/core/engagement/engagement.schema.js';
import { PLATFORM_IDS } from '#core/engagement/platform-ids.js';

const LANGUAGES = new Set(['en', 'es', 'fr', 'de', 'pt', 'it', 'nl']);
const SENTIMENTS = new Set(['positive', 'neutral', 'negative']);
const PLATFORMS = new Set<string>(PLATFORM_IDS);
const intents = new Set<string>(INTENTS);

const dir = 'corpus/enrichment/source';
const files = process.argv.slice(2).length
  ? process.argv.slice(2)
  : readdirSync(dir)
      .filter((f) => f.endsWith('.jsonl'))
      .map((f) => join(dir, f));
const seen = new Map<string, string>();
let errors = 0;
/** Texts that also appear in another file: kept once by the split, not a problem. */
let repeats = 0;
const counts = {
  total: 0,
  intent: new Map<string, number>(),
  lang: new Map<string, number>(),
  sentiment: new Map<string, number>(),
  tag: new Map<string, number>(),
};
const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
for (const file of files) {
  for (const [i, raw] of readFileSync(file, 'utf8').split('\n').entries()) {
    const line = raw.trim();
    if (!line) continue;
    const where = `${file}:${i + 1}`;
    const fail = (msg: string) => {
      errors++;
      console.error(`${where}: ${msg}`);
    };
    let item: {
      platform?: string;
      text?: unknown;
      rating?: unknown;
      tags?: unknown;
      expect?: { intents?: unknown; alsoOk?: unknown; sentiment?: unknown; language?: unknown };
    };
    try {
      item = JSON.parse(line);
    } catch (err) {
      fail(`not JSON: ${(err as Error).message}`);
      continue;
    }
    if (typeof item.text !== 'string' || item.text.trim() === '') {
      fail('text must be a non-empty string');
      continue;
    }
    if (item.platform !== undefined && !PLATFORMS.has(item.platform)) fail(`unknown platform ${item.platform}`);
    if (
      item.rating !== undefined &&
      !(Number.isInteger(item.rating) && (item.rating as number) >= 1 && (item.rating as number) <= 5)
    )
      fail('rating must be 1..5');
    const e = item.expect;
    if (!e || typeof e !== 'object') {
      fail('expect is missing');
      continue;
    }
    if (!Array.isArray(e.intents) || e.intents.length === 0) fail('expect.intents must be a non-empty array');
    for (const x of [...((e.intents as unknown[]) ?? []), ...((e.alsoOk as unknown[]) ?? [])])
      if (!intents.has(String(x))) fail(`unknown intent ${String(x)}`);
    if (!SENTIMENTS.has(String(e.sentiment)))
      fail(`sentiment must be positive|neutral|negative, not ${String(e.sentiment)}`);
    if (!LANGUAGES.has(String(e.language)))
      fail(`language must be one of ${[...LANGUAGES].join(',')}, not ${String(e.language)}`);
    if (item.tags !== undefined && !Array.isArray(item.tags)) fail('tags must be an array');
    const key = item.text.trim().toLowerCase().replace(/\s+/g, ' ');
    const before = seen.get(key);
    if (before?.startsWith(`${file}:`)) fail(`duplicate text (first at ${before})`);
    else if (before) repeats++;
    else seen.set(key, where);
    counts.total++;
    for (const x of (e.intents as string[]) ?? []) bump(counts.intent, x);
    bump(counts.lang, String(e.language));
    bump(counts.sentiment, String(e.sentiment));
    for (const t of (item.tags as string[]) ?? []) bump(counts.tag, t);
  }
}
const show = (m: Map<string, number>) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
console.log(`${counts.total} items in ${files.length} file(s)`);
console.log(`languages: ${show(counts.lang)}`);
console.log(`intents:   ${show(counts.intent)}`);
console.log(`sentiment: ${show(counts.sentiment)}`);
console.log(`tags:      ${show(counts.tag)}`);
if (repeats) console.log(`${repeats} text(s) also appear in another file (kept once by npm run corpus:split)`);
if (errors) {
  console.error(`${errors} problem(s)`);
  process.exit(1);
}
