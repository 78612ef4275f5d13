import { chooseLanguage, detectLanguage, platformLanguage } from '#core/enrichment/language.js';

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
    for (const t of ['ok', 'lol', '👍👍', '@acme', 'https://example.com', '', '12345'])
      expect(detectLanguage(t)).toBe('und');
  });

  it('ignores mentions, links and hashtags', () => {
    expect(
      detectLanguage('@acme_support @someone https://t.co/xyz #fail where is my parcel, it was due on monday'),
    ).toBe('en');
  });

  it('names a language from its script alone', () => {
    expect(detectLanguage('ありがとう')).toBe('ja');
    expect(detectLanguage('감사합니다')).toBe('ko');
  });

  it('prefers a usable platform tag', () => {
    expect(platformLanguage('pt-BR')).toBe('pt');
    expect(platformLanguage('EN')).toBe('en');
    expect(platformLanguage('und')).toBeUndefined();
    expect(platformLanguage(undefined)).toBeUndefined();
  });
});

describe('choosing the language from the model', () => {
  const languages = ['en', 'es', 'fr'];
  const probabilities = (...p: number[]) => Float32Array.from(p);

  it('takes the model when it is sure', () => {
    expect(chooseLanguage('donde esta mi pedido', languages, probabilities(0.1, 0.8, 0.1))).toBe('es');
  });

  it('is und for text with no letters, for words every language uses, and for one word the model is unsure of', () => {
    expect(chooseLanguage('👍👍 123', languages, probabilities(0.9, 0.05, 0.05))).toBe('und');
    expect(chooseLanguage('ok', languages, probabilities(0.6, 0.2, 0.2))).toBe('und');
    expect(chooseLanguage('gracias', languages, probabilities(0.02, 0.97, 0.01))).toBe('es');
    expect(chooseLanguage('lol', languages, probabilities(0.98, 0.01, 0.01))).toBe('und');
  });

  it('asks franc-min for other scripts and for longer text the model is unsure of', () => {
    expect(chooseLanguage('ありがとうございます', languages, probabilities(0.9, 0.05, 0.05))).toBe('ja');
    expect(
      chooseLanguage(
        'Moje zamówienie jeszcze nie dotarło, proszę o pomoc w tej sprawie',
        languages,
        probabilities(0.4, 0.3, 0.3),
      ),
    ).toBe('pl');
  });
});
