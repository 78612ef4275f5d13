import { decodeModel, encodeModel } from '../../../../lambdas/core/enrichment/model/model-file.js';
import { logits, score } from '../../../../lambdas/core/enrichment/model/network.js';
import { freeze, trainNetwork } from '../../../../lambdas/core/enrichment/model/train.js';
import { extractFeatures } from '../../../../lambdas/core/enrichment/model/features.js';
import { tinyCorpus, tinyLabels, tinyOptions } from './tiny-corpus.js';

describe('the model file', () => {
  const trained = trainNetwork(tinyCorpus, tinyLabels, tinyOptions);
  const model = freeze(trained, 'tiny');

  it('reads back exactly what was written, with a version naming its content', () => {
    const back = decodeModel(encodeModel(model, trained.features, 'tiny', { note: 'test' }));
    expect(back.version).toMatch(/^tiny@[0-9a-f]{12}$/);
    expect(back.intents).toEqual(tinyLabels.intents);
    expect(back.languages).toEqual(tinyLabels.languages);
    expect(Array.from(back.embeddings)).toEqual(Array.from(model.embeddings));
    expect(Array.from(back.outputWeights)).toEqual(Array.from(model.outputWeights));
    for (const text of ['where is my refund', 'gracias por todo', 'zzz unknown words only']) {
      const features = extractFeatures({ text });
      expect(Array.from(logits(back, features))).toEqual(Array.from(logits(model, features)));
    }
  });

  it('reads back a model with a sentiment network, and files without one still read', () => {
    const words = trainNetwork(tinyCorpus, tinyLabels, { ...tinyOptions, hidden: 4, seed: 8, grams: false });
    const both = freeze(trained, 'tiny', words);
    const file = encodeModel(both, trained.features, 'tiny');
    const back = decodeModel(file);
    expect(back.sentimentNet!.hidden).toBe(4);
    expect(Array.from(back.sentimentNet!.rows)).toEqual(Array.from(both.sentimentNet!.rows));
    expect(Array.from(back.sentimentNet!.embeddings)).toEqual(Array.from(both.sentimentNet!.embeddings));
    for (const text of ['where is my refund', 'gracias por todo', 'zzz unknown words only']) {
      expect(Array.from(score(back, { text }).sentiment)).toEqual(Array.from(score(both, { text }).sentiment));
    }
    expect(() => decodeModel(file.subarray(0, file.length - 1))).toThrow(/bytes, its header says/);
    expect(decodeModel(encodeModel(model, trained.features, 'tiny')).sentimentNet).toBeUndefined();
  });

  it('gives a new version when a weight changes, and the same one for the same bytes', () => {
    const a = decodeModel(encodeModel(model, trained.features, 'tiny')).version;
    expect(decodeModel(encodeModel(model, trained.features, 'tiny')).version).toBe(a);
    const embeddings = Int8Array.from(model.embeddings);
    embeddings[0] = embeddings[0] === 127 ? 126 : embeddings[0]! + 1;
    expect(decodeModel(encodeModel({ ...model, embeddings }, trained.features, 'tiny')).version).not.toBe(a);
  });

  it('refuses a file that is not a model or was cut short', () => {
    expect(() => decodeModel(Buffer.from('not a model at all'))).toThrow('not a Switchboard enrichment model');
    const file = encodeModel(model, trained.features, 'tiny');
    expect(() => decodeModel(file.subarray(0, file.length - 5))).toThrow(/bytes, its header says/);
  });
});

describe('training', () => {
  it('is reproducible: the same corpus and options give the same weights', () => {
    const again = trainNetwork(tinyCorpus, tinyLabels, tinyOptions);
    expect(Buffer.from(again.embeddings.buffer).equals(Buffer.from(trained().embeddings.buffer))).toBe(true);
    const other = trainNetwork(tinyCorpus, tinyLabels, { ...tinyOptions, seed: tinyOptions.seed + 1 });
    expect(Buffer.from(other.embeddings.buffer).equals(Buffer.from(again.embeddings.buffer))).toBe(false);
  });

  it('needs a hidden layer the packed sums can read', () => {
    expect(() => trainNetwork(tinyCorpus, tinyLabels, { ...tinyOptions, hidden: 6 })).toThrow('multiple of 4');
  });
});

const trained = () => trainNetwork(tinyCorpus, tinyLabels, tinyOptions);
