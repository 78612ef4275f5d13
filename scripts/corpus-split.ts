/**
 * `npm run corpus:split`: builds the enrichment corpus's train, dev and test splits from the
 * hand-written sources.
 *
 * - `corpus/enrichment/source/*.jsonl` (the training corpus) → `train.jsonl` (85%) and
 *   `dev.jsonl` (15%), by a stable hash of each normalized text, so adding items never moves an
 *   existing one between them. Texts repeated across files are kept once.
 * - `corpus/enrichment/heldout/*.jsonl` → `test.jsonl`: written independently, by other writers
 *   who never saw the sources, and frozen: its SHA-256 is recorded in `splits.json`, and a test
 *   fails when it changes. Nothing is ever tuned on it. A held-out text that also appears in the
 *   sources is dropped from the sources.
 * Items without any letter (emoji-only) carry language `und`.
 */
import { createHash } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCorpus, type CorpusItem } from './corpus-file.js';

const root = 'corpus/enrichment';
const DEV_SHARE = 0.15;

type Item = CorpusItem;

/** The form two texts are compared in: lower case, single spaces. */
export const normalizedText = (text: string): string => text.trim().toLowerCase().replace(/\s+/g, ' ');

function readFolder(folder: string): Item[] {
  return readdirSync(folder)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .flatMap((f) => readCorpus(join(folder, f)));
}

/** One line per item, keys in a fixed order, so the files diff well. */
function line(item: Item): string {
  const language = /\p{L}/u.test(item.text) ? item.expect.language : 'und';
  const expect = {
    intents: item.expect.intents,
    ...(item.expect.alsoOk?.length ? { alsoOk: item.expect.alsoOk } : {}),
    sentiment: item.expect.sentiment,
    language,
  };
  return JSON.stringify({
    ...(item.platform ? { platform: item.platform } : {}),
    text: item.text,
    ...(item.rating !== undefined ? { rating: item.rating } : {}),
    expect,
    ...(item.tags?.length ? { tags: item.tags } : {}),
  });
}

function unique(items: Item[], exclude: Set<string> = new Set()): Item[] {
  const seen = new Set(exclude);
  return items.filter((item) => {
    const key = normalizedText(item.text);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const test = unique(readFolder(join(root, 'heldout')));
const testKeys = new Set(test.map((i) => normalizedText(i.text)));
const sources = unique(readFolder(join(root, 'source')), testKeys);
const train: Item[] = [];
const dev: Item[] = [];
for (const item of sources) {
  const h = createHash('sha256').update(normalizedText(item.text)).digest().readUInt32BE(0) / 2 ** 32;
  (h < DEV_SHARE ? dev : train).push(item);
}
const write = (name: string, items: Item[]): string => {
  const text = `${items.map(line).join('\n')}\n`;
  writeFileSync(join(root, name), text);
  return createHash('sha256').update(text).digest('hex');
};
write('train.jsonl', train);
write('dev.jsonl', dev);
const testDigest = write('test.jsonl', test);
const count = (items: Item[]) =>
  Object.fromEntries(
    [...new Set(items.map((i) => i.expect.language))]
      .sort()
      .map((l) => [l, items.filter((i) => i.expect.language === l).length]),
  );
writeFileSync(
  join(root, 'splits.json'),
  `${JSON.stringify({ test: { sha256: testDigest, items: test.length, languages: count(test) }, dev: { items: dev.length, languages: count(dev) }, train: { items: train.length, languages: count(train) } }, null, 2)}\n`,
);
console.log(
  `train ${train.length}, dev ${dev.length}, test ${test.length} (frozen: sha256 ${testDigest.slice(0, 16)}…)`,
);
