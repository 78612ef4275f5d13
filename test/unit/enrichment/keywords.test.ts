import {
  extractKeywords,
  MAX_KEYWORD_TEXT_CHARS,
  MAX_KEYWORDS,
  normalizeKeyword,
  singularize,
  wordForms,
} from '#core/enrichment/keywords.js';

describe('keyword extraction', () => {
  it('lower-cases words and drops punctuation', () => {
    expect(extractKeywords('REFUND please!!! My order #123')).toEqual(
      expect.arrayContaining(['refund', 'please', 'order', '123']),
    );
  });

  it('keeps phrases of up to three words, but not across punctuation', () => {
    const k = extractKeywords('My parcel never arrived. Shipping is slow');
    expect(k).toEqual(expect.arrayContaining(['never arrived', 'parcel never arrived', 'shipping is slow']));
    expect(k).not.toContain('arrived shipping');
  });

  it('drops single stopwords but keeps negations', () => {
    const k = extractKeywords('The app is not working');
    expect(k).not.toContain('the');
    expect(k).toContain('not');
    expect(k).toContain('not working');
  });

  it('handles non-Latin scripts, accents and apostrophes', () => {
    const k = extractKeywords("Café don't Überweisung 退款 😀");
    expect(k).toEqual(expect.arrayContaining(['café', "don't", 'überweisung', '退款']));
  });

  it('returns no duplicates and nothing for empty text', () => {
    expect(extractKeywords('refund refund')).toEqual(['refund', 'refund refund']);
    expect(extractKeywords('')).toEqual([]);
  });
});

describe('keyword bounds', () => {
  it('reads a bounded prefix of long texts and returns a bounded list', () => {
    const long = Array.from({ length: 5_000 }, (_, i) => `w${i}`).join(' ');
    const k = extractKeywords(long);
    expect(k).toHaveLength(MAX_KEYWORDS);
    expect(k[0]).toBe('w0');
    expect(extractKeywords(`${'x'.repeat(MAX_KEYWORD_TEXT_CHARS)} refund`)).not.toContain('refund');
  });
});

describe('keyword normalization', () => {
  it('adds singular and stemmed forms while keeping the original words', () => {
    const k = extractKeywords('Refunds! Two deliveries crashes, refunded today');
    expect(k).toEqual(
      expect.arrayContaining(['refunds', 'refund', 'deliveries', 'delivery', 'crashes', 'crash', 'refunded']),
    );
    expect(extractKeywords('Refund!')).toContain('refund');
  });

  it('singularizes the last word of phrases', () => {
    expect(extractKeywords('late deliveries again')).toEqual(
      expect.arrayContaining(['late deliveries', 'late delivery']),
    );
  });

  it('leaves words that are not plain English alone', () => {
    expect(singularize('status')).toBe('status');
    expect(singularize('class')).toBe('class');
    expect(wordForms('überweisungen')).toEqual([]);
    expect(normalizeKeyword('  Never   Arrived ')).toBe('never arrived');
  });
});
