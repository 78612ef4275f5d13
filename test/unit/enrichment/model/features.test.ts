import { extractFeatures } from '../../../../lambdas/core/enrichment/model/features.js';

const named = (text: string, rating?: number): string[] => {
  const names = new Map<number, string>();
  const hashes = extractFeatures({ text, rating }, names);
  return [...hashes].map((h) => names.get(h)!);
};

describe('text features', () => {
  it('reads words, bigrams and character n-grams, lower-cased', () => {
    const f = named('Refund NOW');
    expect(f).toEqual(
      expect.arrayContaining([
        'w:refund',
        'w:now',
        'b:<s>_refund',
        'b:refund_now',
        'b:now_</s>',
        'g:<re',
        'g:und>',
        'm:shout',
      ]),
    );
  });

  it('leaves out the character n-grams when asked (the sentiment network), and nothing else', () => {
    const text = 'Refund NOW 😡 where is it?';
    const names = new Map<number, string>();
    const words = [...extractFeatures({ text }, names, { grams: false })].map((h) => names.get(h)!);
    expect(words.some((n) => n.startsWith('g:'))).toBe(false);
    expect(words).toEqual(named(text).filter((n) => !n.startsWith('g:')));
  });

  it('removes accents from words but keeps them in the character n-grams', () => {
    const f = named('não chegou');
    expect(f).toEqual(expect.arrayContaining(['w:nao', 'g:não', 'g:ão>']));
  });

  it('turns links, handles and numbers into tokens, and squeezes repeated letters', () => {
    const f = named('@AcmeSupport sooooo slow, order 12345 https://t.co/x');
    expect(f).toEqual(expect.arrayContaining(['w:user', 'w:soo', 'w:0', 'w:httplink']));
    expect(f.join(' ')).not.toMatch(/acmesupport|12345|t\.co/);
  });

  it('gives misspellings features in common with the right spelling', () => {
    const right = new Set(extractFeatures({ text: 'delivery' }));
    const typo = extractFeatures({ text: 'delivry' });
    expect([...typo].filter((h) => right.has(h)).length).toBeGreaterThanOrEqual(4);
  });

  it('marks questions, emoji-only texts and the review rating', () => {
    expect(named('¿dónde está?')).toContain('m:has?');
    expect(named('😡😡')).toEqual(expect.arrayContaining(['m:emoji-only', 'm:len:0']));
    expect(named('ok', 2)).toContain('m:rating:2');
  });

  it('lists each feature once, and the same text always gives the same features', () => {
    const a = extractFeatures({ text: 'late late late again' });
    expect(new Set(a).size).toBe(a.length);
    expect(Array.from(extractFeatures({ text: 'late late late again' }))).toEqual(Array.from(a));
  });
});
