import { termMatcher } from '#core/voice/term-matcher.js';

describe('voice terms', () => {
  const matcher = termMatcher(['guarantee', 'risk free', 'garantía']);

  it('match whole words, whatever the case and accents, with the span as written', () => {
    const text = 'We GUARANTEE it, totally Risk  Free, con garantia!';
    const hits = matcher.find(text);
    expect(hits.map((h) => text.slice(h.start, h.end))).toEqual(['GUARANTEE', 'Risk  Free', 'garantia']);
    expect(hits.map((h) => h.term)).toEqual(['guarantee', 'risk free', 'garantía']);
  });

  it('do not match inside other words', () => {
    expect(matcher.find('guaranteed, unguarantee, riskfree')).toEqual([]);
  });

  it('keep spans right after characters that fold to more or fewer units', () => {
    const text = 'ﬁne 👍🏽 e\u0301 — GARANTÍA';
    const [hit] = matcher.find(text);
    expect(text.slice(hit!.start, hit!.end)).toBe('GARANTÍA');
  });
});
