/**
 * `npm run train:cv`: k-fold cross-validation of the enrichment model over the train and dev
 * splits (never the test split), so a change to the features, the network or the settings is
 * judged on every labelled text it was not trained on rather than on the dev split it was
 * calibrated on. Each fold trains on the other folds, calibrates on one half of its held-out
 * fold and is measured on the other half, then the halves swap: every text is measured once,
 * by a model that neither trained nor calibrated on it.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { decideIntents, decideSentiment, score } from '../lambdas/core/enrichment/model/network.js';
import {
  calibrate,
  DEFAULT_CALIBRATION,
  DEFAULT_SENTIMENT_OPTIONS,
  DEFAULT_TRAIN_OPTIONS,
  freeze,
  MODEL_LABELS as LABELS,
  trainNetwork,
  type TrainingItem,
} from '../lambdas/core/enrichment/model/train.js';
import { readCorpus, type CorpusItem } from './corpus-file.js';

const FOLDS = Number(process.env.CV_FOLDS ?? 4);
/**
 * Settings to try, as JSON overriding the defaults: `CV_TRAIN='{"hidden":96}'`,
 * `CV_SENTIMENT='{"hidden":32}'` (the word-level sentiment network; `CV_SENTIMENT=off` for none),
 * `CV_CALIBRATION='{"negativeRecall":0.85}'`.
 */
const options = { ...DEFAULT_TRAIN_OPTIONS, ...(JSON.parse(process.env.CV_TRAIN ?? '{}') as object) };
const sentimentOptions =
  process.env.CV_SENTIMENT === 'off'
    ? undefined
    : { ...DEFAULT_SENTIMENT_OPTIONS, ...(JSON.parse(process.env.CV_SENTIMENT ?? '{}') as object) };
const targets = { ...DEFAULT_CALIBRATION, ...(JSON.parse(process.env.CV_CALIBRATION ?? '{}') as object) };
const pool = [...readCorpus('corpus/enrichment/train.jsonl'), ...readCorpus('corpus/enrichment/dev.jsonl')];
const toItem = (c: CorpusItem): TrainingItem => ({
  text: c.text,
  rating: c.rating,
  intents: c.expect.intents,
  alsoOk: c.expect.alsoOk,
  sentiment: c.expect.sentiment,
  language: c.expect.language,
});
const bucket = (text: string, n: number) => createHash('sha256').update(`cv:${text}`).digest().readUInt32BE(0) % n;
const fold = pool.map((c) => bucket(c.text, FOLDS));
const half = pool.map((c) => bucket(`half:${c.text}`, 2));

interface Tally {
  n: number;
  hit: number;
  spurious: number;
  sentiment: number;
  negatives: number;
  negativeHit: number;
}
const empty = (): Tally => ({ n: 0, hit: 0, spurious: 0, sentiment: 0, negatives: 0, negativeHit: 0 });
const all = empty();
const byLanguage = new Map<string, Tally>();
const byTag = new Map<string, Tally>();
const confusion = new Map<string, number>();
const started = performance.now();
/** `CV_MISREADS=file` writes every text the folds misread, for looking at (never the test split's). */
const misreads: string[] | undefined = process.env.CV_MISREADS ? [] : undefined;

for (let f = 0; f < FOLDS; f++) {
  const trainItems = pool.filter((_, i) => fold[i] !== f).map(toItem);
  const trained = freeze(
    trainNetwork(trainItems, LABELS, options),
    'cv',
    sentimentOptions && trainNetwork(trainItems, LABELS, sentimentOptions),
  );
  for (const h of [0, 1]) {
    const held = pool.map((c, i) => ({ c, i })).filter(({ i }) => fold[i] === f);
    const model = calibrate(
      trained,
      held.filter(({ i }) => half[i] === h).map(({ c }) => toItem(c)),
      targets,
    );
    for (const { c } of held.filter(({ i }) => half[i] !== h)) {
      const s = score(model, c);
      const intents = decideIntents(model, s.intents).map((k) => model.intents[k]!);
      const sentiment = model.sentiments[decideSentiment(model, s.sentiment)]!;
      const tallies = [
        all,
        ...[c.expect.language, ...(c.tags ?? []).map((t) => `#${t}`)].map((k) => {
          const map = k.startsWith('#') ? byTag : byLanguage;
          if (!map.has(k)) map.set(k, empty());
          return map.get(k)!;
        }),
      ];
      for (const t of tallies) {
        t.n++;
        if (c.expect.intents.some((i) => intents.includes(i))) t.hit++;
        t.spurious += intents.filter(
          (i) => !c.expect.intents.includes(i) && !(c.expect.alsoOk ?? []).includes(i),
        ).length;
        if (sentiment === c.expect.sentiment) t.sentiment++;
        if (c.expect.sentiment === 'negative') {
          t.negatives++;
          if (sentiment === 'negative') t.negativeHit++;
        }
      }
      const key = `${c.expect.sentiment}→${sentiment}`;
      confusion.set(key, (confusion.get(key) ?? 0) + 1);
      if (misreads && (sentiment !== c.expect.sentiment || !c.expect.intents.some((i) => intents.includes(i))))
        misreads.push(JSON.stringify({ text: c.text, expect: c.expect, read: { intents, sentiment }, tags: c.tags }));
    }
  }
  process.stderr.write(`fold ${f + 1}/${FOLDS} done (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
}

const pct = (a: number, b: number) => (b ? ((100 * a) / b).toFixed(1) : '—').padStart(6);
const row = (name: string, t: Tally) =>
  console.log(
    `${name.padEnd(22)} ${String(t.n).padStart(6)} ${pct(t.hit, t.n)} ${(t.spurious / Math.max(1, t.n)).toFixed(2).padStart(6)} ${pct(t.sentiment, t.n)} ${pct(t.negativeHit, t.negatives)}`,
  );
console.log(
  `${FOLDS}-fold cross-validation over train + dev (${pool.length} texts), training ${JSON.stringify(options)}, sentiment network ${JSON.stringify(sentimentOptions ?? 'off')}, calibration ${JSON.stringify(targets)}`,
);
console.log(
  `${''.padEnd(22)} ${'texts'.padStart(6)} ${'hit%'.padStart(6)} ${'spur'.padStart(6)} ${'sent%'.padStart(6)} ${'negR%'.padStart(6)}`,
);
row('all', all);
for (const [k, t] of [...byLanguage].sort()) row(k, t);
for (const [k, t] of [...byTag].filter(([, t]) => t.n >= 60).sort()) row(k, t);
console.log(
  'sentiment (expected→read):',
  [...confusion]
    .sort()
    .map(([k, n]) => `${k} ${n}`)
    .join(', '),
);
if (misreads) writeFileSync(process.env.CV_MISREADS!, `${misreads.join('\n')}\n`);
