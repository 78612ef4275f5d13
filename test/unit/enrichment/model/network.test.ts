import { extractFeatures } from '../../../../lambdas/core/enrichment/model/features.js';
import {
  decideIntents,
  decideSentiment,
  featureTable,
  logits,
  rowOf,
  score,
} from '../../../../lambdas/core/enrichment/model/network.js';
import { calibrate, freeze, trainNetwork } from '../../../../lambdas/core/enrichment/model/train.js';
import { tinyCorpus, tinyLabels, tinyOptions } from './tiny-corpus.js';

describe('a trained network', () => {
  const trained = trainNetwork(tinyCorpus, tinyLabels, tinyOptions);
  const model = calibrate(freeze(trained, 'tiny'), tinyCorpus);

  it('learns its training texts', () => {
    for (const item of tinyCorpus) {
      const s = score(model, item);
      expect([item.text, decideIntents(model, s.intents).map((i) => model.intents[i])]).toEqual([
        item.text,
        expect.arrayContaining([item.intents[0]]),
      ]);
      expect([item.text, model.sentiments[decideSentiment(model, s.sentiment)]]).toEqual([item.text, item.sentiment]);
    }
  });

  it('gives probabilities: each sentiment and language distribution sums to one', () => {
    const s = score(model, { text: 'is the red one in stock' });
    expect(s.sentiment.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(s.language.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    for (const p of s.intents) expect(p).toBeGreaterThanOrEqual(0);
  });

  it('sums the packed 8-bit embeddings exactly as a plain loop would, also past 255 features', () => {
    const long = {
      text: Array.from({ length: 120 }, (_, i) => `order never arrived refund ${i % 7} gracias pedido`).join(' '),
    };
    for (const input of [{ text: 'where is my refund' }, long]) {
      const features = extractFeatures(input);
      const H = model.hidden;
      const sums = new Float64Array(H);
      let known = 0;
      for (const h of features) {
        const row = rowOf(model.lookup, h);
        if (row < 0) continue;
        known++;
        for (let k = 0; k < H; k++) sums[k]! += model.embeddings[row * H + k]!;
      }
      const norm = 1 / Math.sqrt(known);
      const hidden = Array.from(sums, (v, k) => Math.tanh(model.hiddenBias[k]! + v * model.embeddingScales[k]! * norm));
      const O = model.outputBias.length;
      const expected = Array.from({ length: O }, (_, o) =>
        hidden.reduce((z, a, k) => z + a * model.outputWeights[k * O + o]!, model.outputBias[o]!),
      );
      const got = logits(model, features);
      for (const [o, v] of expected.entries()) expect(got[o]).toBeCloseTo(v, 4);
    }
  });

  it('averages the word-level sentiment network with the main sentiment head, reading only word-level features', () => {
    const words = trainNetwork(tinyCorpus, tinyLabels, { ...tinyOptions, hidden: 4, seed: 8, grams: false });
    const both = freeze(trained, 'tiny', words);
    const net = both.sentimentNet!;
    // Character n-grams have no row in it; every word-level feature it knows does.
    expect(net.rows.filter((own) => own >= 0).length).toBe(words.features.length);
    for (const input of [{ text: 'where is my refund' }, { text: 'love it, gracias por todo' }, { text: 'zzz' }]) {
      const ns = both.sentiments.length;
      const ni = both.intents.length;
      const z = logits(both, extractFeatures(input));
      const softmax = (v: number[]) => v.map((x) => Math.exp(x) / v.reduce((s, y) => s + Math.exp(y), 0));
      const main = softmax(Array.from(z.subarray(ni, ni + ns)));
      const own = extractFeatures(input, undefined, { grams: false });
      const sums = new Float64Array(net.hidden);
      let known = 0;
      for (const h of own) {
        const row = rowOf(both.lookup, h);
        if (row < 0 || net.rows[row]! < 0) continue;
        known++;
        for (let k = 0; k < net.hidden; k++) sums[k]! += net.embeddings[net.rows[row]! * net.hidden + k]!;
      }
      const norm = known > 0 ? 1 / Math.sqrt(known) : 0;
      const hidden = Array.from(sums, (v, k) => Math.tanh(net.hiddenBias[k]! + v * net.embeddingScales[k]! * norm));
      const second = softmax(
        Array.from({ length: ns }, (_, o) =>
          hidden.reduce((acc, a, k) => acc + a * net.outputWeights[k * ns + o]!, net.outputBias[o]!),
        ),
      );
      const got = score(both, input);
      for (let i = 0; i < ns; i++) expect(got.sentiment[i]).toBeCloseTo((main[i]! + second[i]!) / 2, 5);
      // Intents and languages are the main network's alone.
      expect(Array.from(got.intents)).toEqual(Array.from(score(freeze(trained, 'tiny'), input).intents));
    }
  });

  it('finds every feature it was built with, and nothing else', () => {
    const table = featureTable(Uint32Array.from([5, 0xffffffff, 77, 0]));
    expect([5, 0xffffffff, 77, 0].map((h) => rowOf(table, h))).toEqual([0, 1, 2, 3]);
    expect(rowOf(table, 6)).toBe(-1);
  });

  it('always assigns an intent: every one at its threshold, or the best p^1.5/threshold', () => {
    const probabilities = Float32Array.from([0.2, 0.6, 0.1]);
    expect(decideIntents({ thresholds: Float32Array.from([0.1, 0.5, 0.5]) }, probabilities)).toEqual([0, 1]);
    expect(decideIntents({ thresholds: Float32Array.from([0.9, 0.9, 0.9]) }, probabilities)).toEqual([1]);
    // 0.23 against 0.36 beats 0.12 against 0.18: the likelier intent wins a near tie of ratios
    expect(
      decideIntents({ thresholds: Float32Array.from([0.36, 0.18, 0.9]) }, Float32Array.from([0.23, 0.12, 0.01])),
    ).toEqual([0]);
  });

  it('applies the calibrated sentiment offsets before choosing', () => {
    const neutralish = Float32Array.from([0.3, 0.4, 0.3]);
    expect(decideSentiment({ sentimentOffsets: new Float32Array(3) }, neutralish)).toBe(1);
    expect(decideSentiment({ sentimentOffsets: Float32Array.from([0.5, 0, 0]) }, neutralish)).toBe(0);
  });
});
