import { detectLanguage, resolveLanguage } from '../../../lambdas/core/enrichment/language.js';

describe('language detection', () => {
  it.each([
    ['en', 'The battery on my laptop drains way too fast since yesterday'],
    ['es', 'Mi pedido todavía no ha llegado y nadie me contesta'],
    ['fr', 'Je voudrais savoir quand ma commande sera livrée'],
    ['de', 'Ich habe meine Rechnung noch nicht bekommen, bitte helfen'],
    ['it', 'Il negozio di Milano è aperto anche la domenica?'],
    ['pt', 'Vocês entregam no Brasil inteiro ou só em São Paulo?'],
    ['nl', 'Ik wacht al twee weken op mijn bestelling'],
  ])('detects %s', (lang, text) => {
    expect(detectLanguage(text)).toBe(lang);
  });

  it('is und when the text is too short to tell', () => {
    for (const t of ['ok', 'lol', '👍👍', '@acme', 'https://example.com', '', '12345']) expect(detectLanguage(t)).toBe('und');
  });

  it('ignores mentions, links and hashtags', () => {
    expect(detectLanguage('@acme_support @someone https://t.co/xyz #fail where is my parcel, it was due on monday')).toBe('en');
  });

  it('names a language from its script alone', () => {
    expect(detectLanguage('ありがとう')).toBe('ja');
    expect(detectLanguage('감사합니다')).toBe('ko');
  });

  it('prefers a usable platform tag', () => {
    expect(resolveLanguage('whatever text is here', 'pt-BR')).toBe('pt');
    expect(resolveLanguage('The parcel never arrived at my door', 'und')).toBe('en');
  });
});
