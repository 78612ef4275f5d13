/**
 * Writes the reply-tone corpus's splits: `npx tsx corpus/reply-tone/make-splits.ts`.
 *
 * - `source/*.jsonl` (the corpus as first written) → train / dev / test (70 / 15 / 15), split by
 *   template family with a fixed seed (see `splitByFamily` in
 *   `lambdas/core/voice/tone/tone-corpus.ts`). The test split is frozen: when `splits.json`
 *   exists, the recomputed test split must have the SHA-256 recorded there, or nothing is written.
 * - `extra/*.jsonl` (batches written after the test split was frozen) → train and dev only
 *   (82 / 18, by family, another seed), so adding training data never touches the test split.
 *
 * Writes `train.jsonl`, `dev.jsonl`, `test.jsonl` and `splits.json` (counts and digests).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  normalizedReply,
  parseToneCorpus,
  type SplitName,
  splitByFamily,
  type ToneItem,
} from '../../lambdas/core/voice/tone/tone-corpus.js';

const root = 'corpus/reply-tone';
const SEED = 20260415;
const EXTRA_SEED = 20260416;
const SHARES = { train: 0.7, dev: 0.15, test: 0.15 };
const EXTRA_SHARES = { train: 0.82, dev: 0.18, test: 0 };

const readFolder = (folder: string): ToneItem[] =>
  readdirSync(join(root, folder))
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .flatMap((f) => parseToneCorpus(readFileSync(join(root, folder, f), 'utf8'), `${folder}/${f}`));

const splits = splitByFamily(readFolder('source'), SEED, SHARES);
const known = new Set(Object.values(splits).flatMap((list) => list.map((i) => normalizedReply(i.text))));
const extraItems = existsSync(join(root, 'extra'))
  ? readFolder('extra').filter((i) => !known.has(normalizedReply(i.text)))
  : [];
const extra = splitByFamily(extraItems, EXTRA_SEED, EXTRA_SHARES);
if (extra.test.length > 0) throw new Error('extra batches must never reach the test split');
splits.train.push(...extra.train);
splits.dev.push(...extra.dev);

const textOf = (list: ToneItem[]) => `${list.map((i) => JSON.stringify(i)).join('\n')}\n`;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const manifestFile = join(root, 'splits.json');
if (existsSync(manifestFile)) {
  const frozen = (JSON.parse(readFileSync(manifestFile, 'utf8')) as { test: { sha256: string } }).test.sha256;
  if (sha(textOf(splits.test)) !== frozen) {
    console.error('the recomputed test split differs from the frozen one in splits.json; nothing written');
    process.exit(1);
  }
}
const manifest: Record<string, unknown> = {};
for (const name of ['train', 'dev', 'test'] as SplitName[]) {
  const list = splits[name];
  const text = textOf(list);
  writeFileSync(join(root, `${name}.jsonl`), text);
  const count = (key: (i: ToneItem) => string) =>
    Object.fromEntries([...new Set(list.map(key))].sort().map((k) => [k, list.filter((i) => key(i) === k).length]));
  manifest[name] = {
    file: `${name}.jsonl`,
    sha256: sha(text),
    items: list.length,
    families: new Set(list.map((i) => i.family ?? i.group)).size,
    labels: count((i) => i.label),
    languages: count((i) => i.language),
  };
}
writeFileSync(
  manifestFile,
  `${JSON.stringify(
    {
      seed: SEED,
      shares: SHARES,
      extra: { seed: EXTRA_SEED, shares: EXTRA_SHARES, items: extraItems.length },
      frozen: ['test'],
      note: 'Split by template family (field family, else group). test is frozen (its sha256 is checked by make-splits.ts and by test/unit/voice/reply-tone.test.ts) and never used for training, model selection or threshold choice: only scripts/eval-tone.ts and that test read it. Batches under extra/ go to train and dev only.',
      ...manifest,
    },
    null,
    2,
  )}\n`,
);
for (const name of ['train', 'dev', 'test'] as SplitName[]) console.log(`${name}: ${splits[name].length}`);
