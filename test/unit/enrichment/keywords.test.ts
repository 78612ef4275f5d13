import { extractKeywords } from '../../../lambdas/core/enrichment/keywords.js';

describe('keyword extraction', () => {
  it('lower-cases words and drops punctuation', () => {
    expect(extractKeywords('REFUND please!!! My order #123')).toEqual(expect.arrayContaining(['refund', 'please', 'order', '123']));
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
