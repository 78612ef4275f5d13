import { enrich } from '#core/enrichment/enrich.js';

describe('enrich', () => {
  it('combines language, sentiment, intents and keywords', () => {
    const e = enrich({ text: 'The app crashes every time I open my Refunds page!' });
    expect(e.language).toBe('en');
    expect(e.sentiment.label).toBe('negative');
    expect(e.intents).toContain('bug_report');
    expect(e.keywords).toEqual(expect.arrayContaining(['crashes', 'crash', 'refunds', 'refund']));
    expect(e.pii).toBeUndefined();
    expect(e.influence).toBeUndefined();
    expect(e.text).toBeUndefined();
  });

  it('reports PII kinds, keeps them out of keywords and redacts stored text on request', () => {
    const draft = {
      text: 'Still no refund, email me at sam@example.com or call +44 7700 900123',
      author: { followers: 250_000 },
    };
    const e = enrich(draft, { redactStoredText: true });
    expect(e.pii).toEqual({ types: ['email', 'phone'], count: 2 });
    expect(e.keywords.join(' ')).not.toMatch(/sam|example|7700/);
    expect(e.text).toBe('Still no refund, email me at [email] or call [phone]');
    expect(e.influence).toEqual({ tier: 'macro', followers: 250_000 });
  });

  it('uses the platform language tag when given', () => {
    expect(enrich({ text: 'ok', language: 'fr-FR' }).language).toBe('fr');
    expect(enrich({ text: 'ok' }).language).toBe('und');
  });
});
