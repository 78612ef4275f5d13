import { analyzeSentiment, sentimentOf } from '../../../lambdas/core/enrichment/sentiment.js';

const en = (t: string) => analyzeSentiment(t, { language: 'en' });

describe('sentiment', () => {
  it('labels clear cases and keeps the score in -1..1', () => {
    expect(en('I really love this jacket').label).toBe('positive');
    expect(en('This is the worst support I have ever dealt with').label).toBe('negative');
    expect(en('The store opens at 9 on Saturdays').label).toBe('neutral');
    for (const t of ['AMAZING!!!! 😍😍😍😍😍😍😍😍', 'horrible horrible horrible 😡😡😡']) {
      const { score } = en(t);
      expect(score).toBeGreaterThanOrEqual(-1);
      expect(score).toBeLessThanOrEqual(1);
    }
  });

  it('handles negation', () => {
    expect(en('the new version is good').score).toBeGreaterThan(0.2);
    expect(en('the new version is not good').score).toBeLessThan(-0.2);
    expect(en('honestly not bad at all').label).toBe('positive');
  });

  it('scores emoji', () => {
    expect(en('my new sneakers 😍🔥').label).toBe('positive');
    expect(en('my parcel 😡👎').label).toBe('negative');
  });

  it('reads elongation and capitals as emphasis', () => {
    expect(en('this is sooooo gooood').score).toBeGreaterThan(en('this is good').score);
    expect(en('this is GREAT').score).toBeGreaterThan(en('this is great').score);
  });

  it('reads sarcasm markers as negative', () => {
    const r = en('Oh great, the checkout crashed again. Just what I needed.');
    expect(r.sarcasm).toBe(true);
    expect(r.label).toBe('negative');
    expect(en('Fantastic service /s').label).toBe('negative');
    expect(en('Fantastic service').label).toBe('positive');
  });

  it('treats politeness in requests and plain questions as neutral', () => {
    expect(en('Please send me the invoice for order 5512').label).toBe('neutral');
    expect(en('How do I delete my account before the renewal?').label).toBe('neutral');
  });

  it('uses a small lexicon with negation for other languages, neutral without evidence', () => {
    expect(sentimentOf('Servicio excelente, muy rápido', { language: 'es' }).label).toBe('positive');
    expect(sentimentOf('Das ist nicht gut', { language: 'de' }).label).toBe('negative');
    expect(sentimentOf("C'est une honte, toujours pas de réponse", { language: 'fr' }).label).toBe('negative');
    const unknown = analyzeSentiment('Ndege imefika uwanjani leo asubuhi', { language: 'sw' });
    expect(unknown.label).toBe('neutral');
    expect(unknown.confidence).toBe(0);
  });

  it('blends a review rating', () => {
    expect(sentimentOf('Room 12, two nights', { language: 'en', rating: 1 }).label).toBe('negative');
    expect(sentimentOf('Room 12, two nights', { language: 'en', rating: 5 }).label).toBe('positive');
  });
});
