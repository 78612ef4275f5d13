/**
 * `npm run train`: trains the enrichment model on `corpus/enrichment/train.jsonl`, calibrates its
 * intent thresholds and sentiment offsets on `dev.jsonl`, and writes
 * `lambdas/core/enrichment/model/enrichment-model.bin`. Deterministic: the same corpus gives the
 * same bytes, so the file's version (in every routing decision) changes only when the corpus,
 * the features or the settings do. The test split is never read here.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { decodeModel, encodeModel } from '../lambdas/core/enrichment/model/model-file.js';
import { MODEL_FILE } from '../lambdas/core/enrichment/model/shipped-model.js';
import {
  calibrate,
  DEFAULT_SENTIMENT_OPTIONS,
  DEFAULT_TRAIN_OPTIONS,
  freeze,
  MODEL_LABELS as LABELS,
  trainNetwork,
  type TrainingItem,
} from '../lambdas/core/enrichment/model/train.js';
import { readCorpus } from './corpus-file.js';

/** The model's name, the first part of its version. */
const NAME = 'switchboard-net-v1';

const trainFile = 'corpus/enrichment/train.jsonl';
const devFile = 'corpus/enrichment/dev.jsonl';
const toItem = (c: ReturnType<typeof readCorpus>[number]): TrainingItem => ({
  text: c.text,
  rating: c.rating,
  intents: c.expect.intents,
  alsoOk: c.expect.alsoOk,
  sentiment: c.expect.sentiment,
  language: c.expect.language,
});
const train = readCorpus(trainFile).map(toItem);
const dev = readCorpus(devFile).map(toItem);
const digest = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16);

const options = DEFAULT_TRAIN_OPTIONS;
process.stdout.write(
  `Training on ${train.length} engagements (${options.hidden} hidden units, features seen ${options.minCount}+ times, ${options.epochs} epochs)… epoch `,
);
const started = performance.now();
const trained = trainNetwork(train, LABELS, options, (epoch) => process.stdout.write(`${epoch + 1} `));
console.log(
  `done in ${((performance.now() - started) / 1000).toFixed(1)} s, ${trained.features.length.toLocaleString('en-US')} features`,
);
// The word-level sentiment network (see network.ts), on the same texts.
const sentimentOptions = DEFAULT_SENTIMENT_OPTIONS;
process.stdout.write(
  `Training the sentiment network (${sentimentOptions.hidden} hidden units, no character n-grams)… `,
);
const sentimentStarted = performance.now();
const sentimentNet = trainNetwork(train, LABELS, sentimentOptions);
console.log(
  `done in ${((performance.now() - sentimentStarted) / 1000).toFixed(1)} s, ${sentimentNet.features.length.toLocaleString('en-US')} features`,
);
const model = calibrate(freeze(trained, NAME, sentimentNet), dev);
const file = encodeModel(model, trained.features, NAME, {
  train: { file: trainFile, items: train.length, sha256: digest(trainFile) },
  dev: { file: devFile, items: dev.length, sha256: digest(devFile) },
  options,
  sentimentOptions,
});
const out = new URL(`../lambdas/core/enrichment/model/${MODEL_FILE}`, import.meta.url);
writeFileSync(out, file);
const version = decodeModel(file).version;
console.log(
  `Calibrated on ${dev.length} dev engagements: thresholds ${LABELS.intents.map((i, k) => `${i} ${model.thresholds[k]!.toFixed(2)}`).join(', ')}`,
);
console.log(
  `Sentiment offsets: ${LABELS.sentiments.map((s, k) => `${s} ${model.sentimentOffsets[k]!.toFixed(1)}`).join(', ')}`,
);
console.log(
  `Wrote lambdas/core/enrichment/model/${MODEL_FILE}: ${(file.length / 1024).toFixed(0)} KiB, version ${version}`,
);
