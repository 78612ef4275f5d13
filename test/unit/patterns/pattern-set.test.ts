import { seededRandom } from '#core/shared/seeded-random.js';
import { compilePattern, InvalidEventPatternError, PatternSet } from '#core/patterns/index.js';

const WORDS = [
  'refund',
  'Refund',
  'REFUND',
  'late',
  'bug',
  'straße',
  'STRASSE',
  'x',
  '',
  'ref',
  '10.0.0.1',
  '10.0.0.7',
  '2001:db8::1',
  'a.b',
  '5',
];
const NUMBERS = [0, 1, 5, 10, 10000, 15230, -0.5, 300, 3e2];
const PATHS = [
  'keywords',
  'handle',
  'platform',
  'author.followers',
  'author.handle',
  'mentions.handle',
  'mentions.verified',
  'intents',
];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function randomValue(r: () => number): unknown {
  const roll = r();
  if (roll < 0.3) return pick(r, WORDS);
  if (roll < 0.4) return pick(r, NUMBERS);
  if (roll < 0.45) return pick(r, [true, false, null]);
  if (roll < 0.52) return { prefix: pick(r, ['ref', 'Ref', '', '10.', 'l']) };
  if (roll < 0.57) return { suffix: pick(r, ['und', 'te', '']) };
  if (roll < 0.63) return { 'equals-ignore-case': pick(r, ['REFUND', 'straße', 'Bug', 'σ']) };
  if (roll < 0.68) return { 'anything-but': pick(r, ['refund', ['late', 'bug'], 5, [1, 10]]) };
  if (roll < 0.72) return { 'anything-but': { prefix: pick(r, ['re', 'la']) } };
  if (roll < 0.77) return { exists: r() < 0.5 };
  if (roll < 0.83)
    return {
      numeric: pick(r, [
        ['>', 5],
        ['>=', 10000],
        ['<', 1],
        ['>', 0, '<=', 10],
      ]),
    };
  if (roll < 0.88) return { wildcard: pick(r, ['re*', '*a*', 'l*e', '*']) };
  if (roll < 0.91) return { cidr: pick(r, ['10.0.0.0/24', '0.0.0.0/0']) };
  if (roll < 0.94) return { exactly: pick(r, WORDS) };
  return { prefix: { 'equals-ignore-case': pick(r, ['RE', 'st']) } };
}

function setAt(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next === 'object' && next !== null && !Array.isArray(next)) node = next as Record<string, unknown>;
    else {
      const created: Record<string, unknown> = {};
      node[part] = created;
      node = created;
    }
  }
  node[parts[parts.length - 1]!] = value;
}

function randomPattern(r: () => number): Record<string, unknown> {
  const pattern: Record<string, unknown> = {};
  const keys = 1 + Math.floor(r() * 3);
  for (let i = 0; i < keys; i++) {
    const values = Array.from({ length: 1 + Math.floor(r() * 2) }, () => randomValue(r));
    setAt(pattern, pick(r, PATHS), values);
  }
  if (r() < 0.15) {
    const branch = (): Record<string, unknown> => {
      const b: Record<string, unknown> = {};
      setAt(b, pick(r, PATHS), [randomValue(r)]);
      return b;
    };
    pattern.$or = [branch(), branch()];
  }
  return pattern;
}

function randomLeaf(r: () => number): unknown {
  const roll = r();
  if (roll < 0.6) return pick(r, WORDS);
  if (roll < 0.85) return pick(r, NUMBERS);
  return pick(r, [true, false, null]);
}

function randomEvent(r: () => number): Record<string, unknown> {
  const event: Record<string, unknown> = {};
  for (const p of PATHS) {
    if (r() < 0.35) continue;
    if (p.startsWith('mentions.')) continue;
    const roll = r();
    setAt(event, p, roll < 0.3 ? Array.from({ length: Math.floor(r() * 4) }, () => randomLeaf(r)) : randomLeaf(r));
  }
  if (r() < 0.5) {
    event.mentions = Array.from({ length: Math.floor(r() * 3) }, () => {
      const m: Record<string, unknown> = {};
      if (r() < 0.8) m.handle = pick(r, ['@a', '@b', 'refund']);
      if (r() < 0.6) m.verified = pick(r, [true, false, 'refund']);
      return m;
    });
  }
  return event;
}

describe('PatternSet', () => {
  it('returns matching keys in insertion order, and its size', () => {
    const set = new PatternSet([
      { key: 'c', pattern: { keywords: ['refund'] } },
      { key: 'a', pattern: { platform: ['x'] } },
      { key: 'b', pattern: '{"keywords":[{"prefix":"ref"}]}' },
    ]);
    expect(set.size).toBe(3);
    expect(set.matching({ keywords: ['late', 'refund'], platform: 'x' })).toEqual(['c', 'a', 'b']);
    expect(set.matching({ keywords: ['refuse'] })).toEqual(['b']);
    expect(set.matching({ keywords: 'nothing' })).toEqual([]);
  });

  it('never matches non-object events', () => {
    const set = new PatternSet([{ key: 1, pattern: { a: [{ exists: false }] } }]);
    for (const event of [null, 'a', 5, [{ a: 1 }], undefined, true]) expect(set.matching(event)).toEqual([]);
    expect(set.matching({})).toEqual([1]);
  });

  it('keeps keys of patterns that are listed twice', () => {
    const set = new PatternSet([
      { key: 'x', pattern: { a: ['1'] } },
      { key: 'x', pattern: { a: ['1'] } },
    ]);
    expect(set.matching({ a: '1' })).toEqual(['x', 'x']);
  });

  it('reports a matching pattern once even if several $or branches match', () => {
    const set = new PatternSet([{ key: 'k', pattern: { $or: [{ a: ['1'] }, { b: ['2'] }] } }]);
    expect(set.matching({ a: '1', b: '2' })).toEqual(['k']);
  });

  it('does not trust the index where the field is read for IP addresses', () => {
    const set = new PatternSet([{ key: 'k', pattern: { ip: [{ exactly: '10.0.0.1' }, { cidr: '192.168.0.0/16' }] } }]);
    expect(
      compilePattern({ ip: [{ exactly: '10.0.0.1' }, { cidr: '192.168.0.0/16' }] }).matches({ ip: '10.0.0.1' }),
    ).toBe(false);
    expect(set.matching({ ip: '10.0.0.1' })).toEqual([]);
    expect(set.matching({ ip: '192.168.1.1' })).toEqual(['k']);
  });

  it('throws InvalidEventPatternError for an invalid entry', () => {
    expect(() => new PatternSet([{ key: 1, pattern: { a: [] } }])).toThrow(InvalidEventPatternError);
    expect(() => new PatternSet([{ key: 1, pattern: { a: ['x'.repeat(50)] } }], { maxLength: 20 })).toThrow(/too long/);
  });

  it('indexes equals-ignore-case and prefix conditions without losing matches', () => {
    const set = new PatternSet([
      { key: 'eic', pattern: { h: [{ 'equals-ignore-case': '@Acme' }] } },
      { key: 'sharp-s', pattern: { h: [{ 'equals-ignore-case': 'straße' }] } },
      { key: 'prefix', pattern: { h: [{ prefix: '@ac' }] } },
      { key: 'empty-prefix', pattern: { h: [{ prefix: '' }] } },
    ]);
    expect(set.matching({ h: '@ACME' })).toEqual(['eic', 'empty-prefix']);
    expect(set.matching({ h: '@acme' })).toEqual(['eic', 'prefix', 'empty-prefix']);
    expect(set.matching({ h: 'STRASSE' })).toEqual(['sharp-s', 'empty-prefix']);
    expect(set.matching({ h: 5 })).toEqual([]);
  });

  it('gives exactly the answers of compilePattern on random rules and events (fixed seed)', () => {
    const r = seededRandom(20240501);
    const patterns: Array<{ key: number; pattern: Record<string, unknown> }> = [];
    while (patterns.length < 400) {
      const pattern = randomPattern(r);
      try {
        compilePattern(pattern);
        patterns.push({ key: patterns.length, pattern });
      } catch (err) {
        if (!(err instanceof InvalidEventPatternError)) throw err;
      }
    }
    const compiled = patterns.map((p) => compilePattern(p.pattern));
    const set = new PatternSet(patterns);
    let matches = 0;
    for (let i = 0; i < 600; i++) {
      const event = randomEvent(r);
      const expected = compiled.flatMap((c, k) => (c.matches(event) ? [k] : []));
      matches += expected.length;
      expect({ event, keys: set.matching(event) }).toEqual({ event, keys: expected });
    }
    // the generator must exercise both outcomes for the comparison to mean something
    expect(matches).toBeGreaterThan(500);
    expect(matches).toBeLessThan(400 * 600 * 0.5);
  });

  it('scales with candidates, not with rules: 10,000 keyword rules find the one that matches', () => {
    const entries = Array.from({ length: 10_000 }, (_, i) => ({ key: `rule-${i}`, pattern: { keywords: [`kw${i}`] } }));
    const set = new PatternSet(entries);
    expect(set.size).toBe(10_000);
    expect(set.matching({ keywords: ['kw42', 'other'], text: 'hello' })).toEqual(['rule-42']);
  });

  it('reaches only the rules an event can match when thousands share a condition', () => {
    // 10,000 rules that all need platform x, each with its own two keywords: the shared
    // condition must not make an event with platform x evaluate all of them.
    const entries = Array.from({ length: 10_000 }, (_, i) => ({
      key: i,
      pattern: { platform: ['x'], keywords: [`kw${i}`, `alt${i}`] },
    }));
    const set = new PatternSet(entries);
    expect(set.matching({ platform: 'x', keywords: ['kw7', 'alt9', 'nothing'] })).toEqual([7, 9]);
    expect(set.lastEvaluated).toBe(2);
    expect(set.matching({ platform: 'facebook', keywords: ['kw7'] })).toEqual([]);
    expect(set.lastEvaluated).toBe(0);
  });

  it('walks the index through every condition it holds: kind, intents and language together', () => {
    const kinds = ['comment', 'post', 'mention', 'dm'];
    const intents = ['complaint', 'question', 'praise', 'bug_report', 'spam'];
    const languages = ['en', 'es', 'fr', 'de', 'pt', 'it', 'nl'];
    const entries = Array.from({ length: 2_800 }, (_, i) => ({
      key: i,
      pattern: {
        kind: [kinds[i % 4]!],
        intents: [intents[Math.floor(i / 4) % 5]!],
        language: [languages[Math.floor(i / 20) % 7]!],
        author: { followers: [{ numeric: ['>=', i] }] },
      },
    }));
    const set = new PatternSet(entries);
    const event = { kind: 'post', intents: ['praise', 'spam'], language: 'fr', author: { followers: 1_000 } };
    const expected = entries.filter((e) => compilePattern(e.pattern).matches(event)).map((e) => e.key);
    expect(expected.length).toBeGreaterThan(0);
    expect(set.matching(event)).toEqual(expected);
    // only the rules with this kind, one of these intents and this language are evaluated
    expect(set.lastEvaluated).toBe(
      entries.filter(
        (e) =>
          e.pattern.kind[0] === 'post' &&
          ['praise', 'spam'].includes(e.pattern.intents[0]!) &&
          e.pattern.language[0] === 'fr',
      ).length,
    );
  });

  it('files a rule with too many value combinations under fewer conditions, and still answers exactly', () => {
    const many = Array.from({ length: 100 }, (_, i) => `w${i}`);
    const set = new PatternSet([
      { key: 'wide', pattern: { keywords: many, platform: ['x', 'y'], language: ['en'] } },
      { key: 'narrow', pattern: { keywords: ['w3'], platform: ['x'] } },
    ]);
    expect(set.matching({ keywords: ['w3'], platform: 'x', language: 'en' })).toEqual(['wide', 'narrow']);
    expect(set.matching({ keywords: ['w99'], platform: 'y', language: 'en' })).toEqual(['wide']);
    expect(set.matching({ keywords: ['w99'], platform: 'y', language: 'de' })).toEqual([]);
  });
});
