import { seededRandom } from '../../shared/seeded-random.js';

/**
 * The reply-tone corpus (`corpus/reply-tone/`) as the training script, the evaluation script and
 * the tests read it: parsing, the frozen group split and the figures reported on a split. Pure:
 * callers read and write the files.
 */

/** A reply's tone label: `negative` is what the voice policy's `tone.notNegative` refuses. */
export type ToneLabel = 'ok' | 'negative';

/** One labelled reply, one JSON object a line. */
export interface ToneItem {
  text: string;
  label: ToneLabel;
  /** ISO 639-1 code of the reply's language. */
  language: string;
  /** The batch of replies written together (one scenario, one writer session). */
  group: string;
  /**
   * Groups that share a template (the same replies written in several languages) share a
   * family; the split keeps a family whole. Absent: the group is its own family.
   */
  family?: string;
  /**
   * Kept out of every split (it still counts when the split is drawn, so marking an item never
   * moves the others): a reply the unit tests probe the model with, which no split may hold.
   */
  heldOut?: boolean;
  note?: string;
}

/** Parses JSON Lines; a malformed line or label is reported with its number. */
export function parseToneCorpus(text: string, file = 'corpus'): ToneItem[] {
  return text
    .split('\n')
    .map((line, i) => [line.trim(), i + 1] as const)
    .filter(([line]) => line !== '')
    .map(([line, n]) => {
      let item: ToneItem;
      try {
        item = JSON.parse(line) as ToneItem;
      } catch (err) {
        throw new Error(`${file}:${n}: not JSON: ${(err as Error).message}`);
      }
      if (typeof item.text !== 'string' || item.text.trim() === '') throw new Error(`${file}:${n}: no text`);
      if (item.label !== 'ok' && item.label !== 'negative')
        throw new Error(`${file}:${n}: label must be "ok" or "negative", not ${JSON.stringify(item.label)}`);
      if (typeof item.language !== 'string' || typeof item.group !== 'string')
        throw new Error(`${file}:${n}: language and group are required`);
      return item;
    });
}

/** The form two texts are compared in (for de-duplication): lower case, single spaces. */
export const normalizedReply = (text: string): string => text.trim().toLowerCase().replace(/\s+/g, ' ');

/** Shares of the three splits. */
export interface SplitShares {
  train: number;
  dev: number;
  test: number;
}

export const DEFAULT_SPLIT_SHARES: SplitShares = { train: 0.7, dev: 0.15, test: 0.15 };
export type SplitName = keyof SplitShares;
const SPLITS: readonly SplitName[] = ['train', 'dev', 'test'];

/**
 * Splits items by family (a template never lands in two splits), stratified by language: the
 * families are shuffled with `seed`, then each goes to the split furthest below its share of
 * that family's languages. Texts repeated anywhere are kept once (the first seen); `heldOut`
 * items are left out of the result. A split with share 0 gets nothing. Deterministic for the same
 * items, seed and shares.
 */
export function splitByFamily(
  items: readonly ToneItem[],
  seed: number,
  shares: SplitShares = DEFAULT_SPLIT_SHARES,
): Record<SplitName, ToneItem[]> {
  const seen = new Set<string>();
  const unique = items.filter((item) => {
    const key = normalizedReply(item.text);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const families = new Map<string, ToneItem[]>();
  for (const item of unique) {
    const key = item.family ?? item.group;
    families.set(key, [...(families.get(key) ?? []), item]);
  }
  const keys = [...families.keys()].sort();
  const next = seededRandom(seed);
  for (let i = keys.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [keys[i], keys[j]] = [keys[j]!, keys[i]!];
  }
  const totals = new Map<string, number>();
  for (const item of unique) totals.set(item.language, (totals.get(item.language) ?? 0) + 1);
  const assigned = Object.fromEntries(SPLITS.map((s) => [s, new Map<string, number>()])) as Record<
    SplitName,
    Map<string, number>
  >;
  const out: Record<SplitName, ToneItem[]> = { train: [], dev: [], test: [] };
  for (const key of keys) {
    const family = families.get(key)!;
    let best: SplitName = 'train';
    let bestDeficit = -Infinity;
    for (const split of SPLITS) {
      if (shares[split] <= 0) continue;
      // How far below its share this split would be, weighted by the family's languages.
      let deficit = 0;
      for (const item of family) {
        const total = totals.get(item.language)!;
        deficit += shares[split] - (assigned[split].get(item.language) ?? 0) / total;
      }
      if (deficit > bestDeficit) {
        bestDeficit = deficit;
        best = split;
      }
    }
    for (const item of family) assigned[best].set(item.language, (assigned[best].get(item.language) ?? 0) + 1);
    out[best].push(...family.filter((item) => !item.heldOut));
  }
  return out;
}

/** Figures on one set of replies; the negative class is the positive one (what is refused). */
export interface ToneFigures {
  items: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /** Share of `ok` replies predicted negative: replies the tone check would wrongly refuse. */
  falseRefusalRate: number;
  /** Share of `negative` replies predicted ok: hostile replies that would go out. */
  missRate: number;
}

/** The figures of predictions against labels. */
export function toneFigures(outcomes: readonly { label: ToneLabel; predicted: ToneLabel }[]): ToneFigures {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (const o of outcomes) {
    if (o.label === 'negative') o.predicted === 'negative' ? tp++ : fn++;
    else o.predicted === 'negative' ? fp++ : tn++;
  }
  const ratio = (n: number, d: number) => (d === 0 ? 0 : n / d);
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  return {
    items: outcomes.length,
    accuracy: ratio(tp + tn, outcomes.length),
    precision,
    recall,
    f1: ratio(2 * precision * recall, precision + recall),
    falseRefusalRate: ratio(fp, fp + tn),
    missRate: ratio(fn, tp + fn),
  };
}

/** What the tone model must reach on the frozen test split. */
export const TONE_TARGETS = { negativeF1: 0.85, falseRefusalRate: 0.05 } as const;

/**
 * The floor the shipped model is held to by the unit tests, below the targets: the model
 * shipped after flat, neutral replies were added to training (so they stop being refused) scores
 * a negative F1 of 0.79 on the frozen test split, short of {@link TONE_TARGETS}. The targets stay
 * what `npm run eval:tone` reports against; this floor only keeps a retraining from making it
 * worse unnoticed. Raise it as the model improves.
 */
export const TONE_FLOOR = { negativeF1: 0.78, falseRefusalRate: 0.05 } as const;
