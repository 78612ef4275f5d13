import { readFileSync } from 'node:fs';
import { decodeModel } from '../../enrichment/model/model-file.js';
import { decideSentiment, score, type EnrichmentModel } from '../../enrichment/model/network.js';
import type { ToneLabel } from './tone-corpus.js';

/**
 * The reply-tone model: the enrichment model's network and file format (hashed word, word-pair
 * and character n-gram features, 8-bit embeddings; see `enrichment/model/network.ts`) trained
 * on what brand agents write (`corpus/reply-tone/`), with no intent or language head and one
 * two-class head, `ok` / `negative`, in the slot the enrichment model uses for sentiment. The
 * decision threshold chosen on the dev split is stored as that head's class offsets
 * (`sentimentOffsets`: 0 for ok, `-logit(threshold)` for negative), so the file carries it and
 * `decideSentiment` applies it.
 */

/**
 * File name of the trained model, next to this module in the source tree and next to the
 * bundle's `index.mjs` in a function's asset (the CDK must copy it there, as it does the
 * enrichment model), so the same relative URL finds it in both.
 */
export const REPLY_TONE_MODEL_FILE = 'reply-tone-model.bin';

/** The classes of the model's head, in output order. */
export const TONE_CLASSES: readonly ToneLabel[] = ['ok', 'negative'];

/** What the model reads off one reply. */
export interface ToneScore {
  label: ToneLabel;
  /** Probability that the reply's tone is negative, 0..1 (before the threshold). */
  score: number;
}

/** The offsets that make {@link decideSentiment} say negative from `threshold` up. */
export function thresholdOffsets(threshold: number): Float32Array {
  const t = Math.min(Math.max(threshold, 1e-6), 1 - 1e-6);
  return Float32Array.from([0, -Math.log(t / (1 - t))]);
}

/** The threshold a model's offsets stand for. */
export function thresholdOf(model: Pick<EnrichmentModel, 'sentimentOffsets'>): number {
  const shift = model.sentimentOffsets[0]! - model.sentimentOffsets[1]!;
  return 1 / (1 + Math.exp(-shift));
}

/** Scores one reply with a tone model. */
export function scoreTone(model: EnrichmentModel, text: string): ToneScore {
  const probabilities = score(model, { text }).sentiment;
  return { label: TONE_CLASSES[decideSentiment(model, probabilities)]!, score: probabilities[1]! };
}

let loaded: EnrichmentModel | undefined;

/**
 * The shipped tone model, read and decoded on first use and kept for the life of the process
 * (a Lambda environment keeps it between invocations).
 */
export function toneModel(): EnrichmentModel {
  if (loaded) return loaded;
  const model = decodeModel(readFileSync(new URL(`./${REPLY_TONE_MODEL_FILE}`, import.meta.url)));
  if (model.sentiments.join() !== TONE_CLASSES.join())
    throw new Error(`${REPLY_TONE_MODEL_FILE} is not a reply-tone model (classes ${model.sentiments.join(', ')})`);
  loaded = model;
  return loaded;
}
