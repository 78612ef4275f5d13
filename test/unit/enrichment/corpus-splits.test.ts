import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * The enrichment corpus's test split is frozen: written apart from the training corpus, never
 * tuned on, and never changed (its digest is recorded when `npm run corpus:split` writes it).
 * Nothing in it appears in the train or dev split.
 */
const read = (name: string) => readFileSync(`corpus/enrichment/${name}`, 'utf8');
const texts = (name: string) =>
  read(name)
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => (JSON.parse(l) as { text: string }).text.trim().toLowerCase().replace(/\s+/g, ' '));

describe('the enrichment corpus splits', () => {
  const splits = JSON.parse(read('splits.json')) as { test: { sha256: string; items: number } };

  it('keeps the test split exactly as it was frozen', () => {
    expect(createHash('sha256').update(read('test.jsonl')).digest('hex')).toBe(splits.test.sha256);
    expect(texts('test.jsonl')).toHaveLength(splits.test.items);
  });

  it('has no test text in the train or dev split, and no text twice', () => {
    const test = new Set(texts('test.jsonl'));
    const train = texts('train.jsonl');
    const dev = texts('dev.jsonl');
    expect(train.filter((t) => test.has(t))).toEqual([]);
    expect(dev.filter((t) => test.has(t))).toEqual([]);
    expect(new Set([...train, ...dev]).size).toBe(train.length + dev.length);
  });

  it('covers every supported language in every split', () => {
    for (const name of ['train.jsonl', 'dev.jsonl', 'test.jsonl']) {
      const languages = new Set(
        read(name)
          .split('\n')
          .filter((l) => l.trim())
          .map((l) => (JSON.parse(l) as { expect: { language: string } }).expect.language),
      );
      for (const l of ['en', 'es', 'fr', 'de', 'pt', 'it', 'nl'])
        expect([name, languages.has(l)]).toEqual([name, true]);
    }
  });
});
