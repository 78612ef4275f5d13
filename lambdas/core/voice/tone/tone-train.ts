import type { EnrichmentModel } from '../../enrichment/model/network.js';
import {
  freeze,
  type Labels,
  type TrainingItem,
  type TrainOptions,
  trainNetwork,
} from '../../enrichment/model/train.js';
import { TONE_TARGETS, type ToneFigures, type ToneItem, type ToneLabel, toneFigures } from './tone-corpus.js';
import { scoreTone, TONE_CLASSES, thresholdOffsets } from './tone-model.js';

/**
 * Training and calibration of the reply-tone model with the enrichment model's trainer
 * (`enrichment/model/train.ts`): no intents, no languages, one two-class head. Used by
 * `npm run train:tone` and `npm run eval:tone`; nothing here reads files.
 */

/** The labels the trainer is given: the tone classes in the sentiment slot, nothing else. */
export const TONE_TRAINING_LABELS: Labels = { intents: [], sentiments: TONE_CLASSES, languages: [] };

/** One candidate setting: the main network, and optionally the word-level one averaged with it. */
export interface ToneTrainOptions {
  main: TrainOptions;
  /** The word-level network (no character n-grams), as the enrichment model's sentiment uses. */
  words?: TrainOptions | undefined;
}

const asTrainingItem = (item: ToneItem): TrainingItem => ({
  text: item.text,
  intents: [],
  sentiment: item.label,
  // The model has no language head: `language` teaches nothing (unknown → no gradient).
  language: item.language,
});

/**
 * Trains a tone model (threshold 0.5 until {@link calibrateTone}); returns it with the feature
 * hashes of its embedding rows, which the model file stores. Deterministic for the same inputs.
 */
export function trainTone(
  train: readonly ToneItem[],
  options: ToneTrainOptions,
  name: string,
): { model: EnrichmentModel; features: Uint32Array } {
  const items = train.map(asTrainingItem);
  const main = trainNetwork(items, TONE_TRAINING_LABELS, options.main);
  const words = options.words
    ? trainNetwork(items, TONE_TRAINING_LABELS, { ...options.words, grams: false })
    : undefined;
  return { model: { ...freeze(main, name, words), sentimentOffsets: thresholdOffsets(0.5) }, features: main.features };
}

/** A model with another decision threshold (weights shared, not copied). */
export const withThreshold = (model: EnrichmentModel, threshold: number): EnrichmentModel => ({
  ...model,
  sentimentOffsets: thresholdOffsets(threshold),
});

/** The figures of a model on labelled replies, overall and per language. */
export function evaluateTone(
  model: EnrichmentModel,
  items: readonly ToneItem[],
): { all: ToneFigures; languages: Record<string, ToneFigures> } {
  const outcomes = items.map((item) => ({
    language: item.language,
    label: item.label,
    predicted: scoreTone(model, item.text).label as ToneLabel,
  }));
  const languages: Record<string, ToneFigures> = {};
  for (const language of [...new Set(items.map((i) => i.language))].sort())
    languages[language] = toneFigures(outcomes.filter((o) => o.language === language));
  return { all: toneFigures(outcomes), languages };
}

/**
 * The threshold that maximises negative F1 on `dev` while keeping false refusals within a
 * margin under the target (a dev figure exactly at the target would likely miss it on new
 * text); when no threshold keeps them there, the one with the fewest. Returns it with its figures.
 */
export function calibrateTone(
  model: EnrichmentModel,
  dev: readonly ToneItem[],
  maxFalseRefusals = TONE_TARGETS.falseRefusalRate * 0.8,
): { threshold: number; figures: ToneFigures } {
  const scored = dev.map((item) => ({ label: item.label, score: scoreTone(model, item.text).score }));
  let best = { threshold: 0.5, figures: figuresAt(scored, 0.5), key: -Infinity };
  for (let t = 0.2; t <= 0.951; t += 0.01) {
    const figures = figuresAt(scored, t);
    const key = figures.falseRefusalRate <= maxFalseRefusals ? 10 + figures.f1 : -figures.falseRefusalRate;
    if (key > best.key) best = { threshold: Math.round(t * 100) / 100, figures, key };
  }
  return { threshold: best.threshold, figures: best.figures };
}

function figuresAt(scored: readonly { label: ToneLabel; score: number }[], threshold: number): ToneFigures {
  return toneFigures(
    scored.map((s) => ({ label: s.label, predicted: s.score >= threshold ? ('negative' as const) : ('ok' as const) })),
  );
}
