import { compilePattern } from '#core/patterns/index.js';
import { cidrRange, hexRangeMatches, ipToHex } from '#core/patterns/cidr.js';
import { parseWildcard, wildcardMatches } from '#core/patterns/wildcard.js';
import { flattenEvent, type FlatEvent, type Leaf } from '#core/patterns/flatten-event.js';
import { jest } from '@jest/globals';
import { reasonOf } from '#test-support/patterns.js';

const matches = (pattern: string | object, event: unknown): boolean => compilePattern(pattern).matches(event);

describe('pattern text is read as Ruler streams it', () => {
  it('applies a duplicate key where it appears: after an $or it overrides every branch', () => {
    const text = '{"a":["1"],"$or":[{"a":["2"]},{"b":["3"]}],"a":["4"]}';
    expect(matches(text, { a: '4' })).toBe(true);
    expect(matches(text, { a: '2' })).toBe(false);
    expect(matches(text, { a: '4', b: '3' })).toBe(true);
  });

  it('merges duplicate object keys instead of dropping the first', () => {
    const text = '{"detail":{"a":["1"]},"detail":{"b":["2"]}}';
    expect(matches(text, { detail: { b: '2' } })).toBe(false);
    expect(matches(text, { detail: { a: '1', b: '2' } })).toBe(true);
  });

  it('lets the last duplicate leaf win', () => {
    expect(matches('{"a":["1"],"a":["2"]}', { a: '2' })).toBe(true);
    expect(matches('{"a":["1"],"a":["2"]}', { a: '1' })).toBe(false);
  });

  it("reports JSON syntax errors with Jackson's messages (AWS recordings)", () => {
    expect(reasonOf("{'bad': 'quotation'}")).toBe(
      "Unexpected character (''' (code 39)): was expecting double-quote to start field name",
    );
    expect(reasonOf('this is valid json but not a dict')).toBe(
      "Unrecognized token 'this': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
    );
    expect(reasonOf('{"not": closed mark"')).toBe(
      "Unrecognized token 'closed': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
    );
    expect(reasonOf('["not", "a", "dict", "but valid json"]')).toBe('Filter is not an object');
    expect(reasonOf('')).toBe('Filter is not an object');
    expect(reasonOf('{"a":["x"]')).toMatch(/^Unexpected end-of-input: expected close marker for Object/);
    expect(reasonOf('{"a":[01]}')).toBe('Invalid numeric value: Leading zeroes not allowed');
  });

  it('reports a semantic error that comes before a syntax error, as a streaming compiler does', () => {
    expect(reasonOf('{"a": 5, "b": ]')).toBe('"a" must be an object or an array');
  });

  it('ignores text after the closing brace, as Ruler never reads it', () => {
    expect(reasonOf('{"a":["x"]} trailing')).toBe('accepted');
  });

  it('validates an object pattern the same way as its text', () => {
    expect(reasonOf({ a: 'x' })).toBe('"a" must be an object or an array');
    expect(reasonOf([1])).toBe('Filter is not an object');
  });
});

describe('$or', () => {
  it('falls back to a literal "$or" field when it is not a list of two or more branches', () => {
    expect(matches({ $or: ['hello'] }, { $or: 'hello' })).toBe(true);
    expect(matches({ $or: [{ numeric: ['>', 0] }] }, { $or: 5 })).toBe(true);
    expect(reasonOf({ $or: [{ source: ['x'] }] })).toBe('There must have at least 2 Objects in $or relationship.');
    expect(reasonOf({ $or: 'x' })).toBe('It must be an Array followed with $or.');
  });

  it('nests and multiplies', () => {
    const pattern = { $or: [{ a: ['1'] }, { b: ['2'] }], c: { $or: [{ d: ['3'] }, { e: ['4'] }] } };
    expect(matches(pattern, { a: '1', c: { e: '4' } })).toBe(true);
    expect(matches(pattern, { a: '1', c: { f: '4' } })).toBe(false);
  });
});

describe('array consistency and exists:false', () => {
  it('judges exists:false inside the element pinned by keys sorted before it', () => {
    const event = { m: [{ h: '@a', v: true }, { h: '@b' }] };
    expect(matches({ m: { h: ['@b'], v: [{ exists: false }] } }, event)).toBe(true);
    // "a" sorts before "h": nothing is pinned yet, so any element having the field defeats it
    expect(matches({ m: { a: [{ exists: false }], h: ['@b'] } }, { m: [{ h: '@a', a: 1 }, { h: '@b' }] })).toBe(false);
  });

  it('does not combine fields from different elements, also in nested arrays', () => {
    const event = {
      s: [
        {
          w: [
            { f: 'John', l: 'Lennon' },
            { f: 'Paul', l: 'McCartney' },
          ],
        },
      ],
    };
    expect(matches({ s: { w: { f: ['Paul'], l: ['McCartney'] } } }, event)).toBe(true);
    expect(matches({ s: { w: { f: ['Paul'], l: ['Lennon'] } } }, event)).toBe(false);
  });

  it('visits each pair of leaves at most once on large arrays with no match', () => {
    const n = 400;
    const items = Array.from({ length: n }, (_, i) => ({ a: 'x', b: 'y', n: i }));
    const event = flattenEvent({ items })!;
    const counted = countingLeaves(event);
    expect(compilePattern({ items: { a: ['x'], b: ['y'], c: ['z'] } }).matchesFlat(counted.event)).toBe(false);
    // The first key's n leaves, then each one's consistent partner among the second key's n:
    // quadratic at worst, never the n^3 of trying every combination.
    expect(counted.visits()).toBeGreaterThan(0);
    expect(counted.visits()).toBeLessThanOrEqual(n + n * n);
  });

  it('treats scalars of an array as one field and objects as leaves-only', () => {
    expect(matches({ tags: ['a'] }, { tags: [['b', ['a']]] })).toBe(true);
    expect(matches({ o: [{ exists: true }] }, { o: {} })).toBe(false);
    expect(matches({ o: [{ exists: false }] }, { o: [] })).toBe(true);
  });
});

describe('values', () => {
  it('compares numbers numerically, never with strings', () => {
    expect(matches({ n: [300] }, { n: 300.0 })).toBe(true);
    expect(matches({ n: [300] }, { n: '300' })).toBe(false);
    expect(matches({ n: ['300'] }, { n: 300 })).toBe(false);
    expect(matches({ n: [{ 'anything-but': [300] }] }, { n: 3e2 })).toBe(false);
    expect(matches({ n: [0] }, { n: -0 })).toBe(true);
  });

  it('folds case per character, Java style', () => {
    expect(matches({ k: [{ 'equals-ignore-case': 'straße' }] }, { k: 'STRASSE' })).toBe(true);
    expect(matches({ k: [{ 'equals-ignore-case': 'straße' }] }, { k: 'strasse' })).toBe(false);
    expect(matches({ k: [{ prefix: { 'equals-ignore-case': 'İs' } }] }, { k: 'i̇stanbul' })).toBe(true);
    expect(matches({ k: [{ suffix: { 'equals-ignore-case': '.PNG' } }] }, { k: 'a.png' })).toBe(true);
  });

  it('compares strings as Java UTF-8 bytes (unpaired surrogates read as "?")', () => {
    expect(matches({ k: ['\ud800'] }, { k: '?' })).toBe(true);
    expect(matches({ k: ['😀'] }, { k: '😀' })).toBe(true);
    expect(matches({ k: [{ 'equals-ignore-case': '😀' }] }, { k: '😀' })).toBe(false);
  });

  it('handles events given as plain objects with non-JSON values like JSON would', () => {
    expect(matches({ at: [{ prefix: '2024-' }] }, { at: new Date('2024-05-01T00:00:00Z') })).toBe(true);
    expect(matches({ n: [5] }, { n: 5n })).toBe(true);
    expect(matches({ f: [{ exists: false }] }, { f: undefined })).toBe(true);
  });
});

describe('IP addresses', () => {
  it('parses IPv4/IPv6 like Java', () => {
    expect(ipToHex('10.0.0.1')).toBe('0A000001');
    expect(ipToHex('2001:db8::1')).toBe('20010DB8000000000000000000000001');
    expect(ipToHex('::ffff:a00:1')).toBe('0A000001');
    expect(ipToHex('10.0.0.256')).toBeNull();
    expect(ipToHex('010.0.0.1')).toBeNull();
    expect(ipToHex(':::')).toBeNull();
    expect(ipToHex('1:2:3:4:5:6:7:8:9')).toBeNull();
  });

  it('builds CIDR ranges with host bits cleared and Ruler messages', () => {
    expect(cidrRange('10.0.0.7/24')).toEqual({
      bottom: '0A000000',
      top: '0A0000FF',
      openBottom: false,
      openTop: false,
    });
    expect(() => cidrRange('10.0.0.1/32')).toThrow('IPv4 mask bits must be < 32');
    expect(() => cidrRange('::1/128')).toThrow('IPv6 mask bits must be < 128');
    expect(() => cidrRange('10.0.0.0')).toThrow("Malformed CIDR, one '/' required");
    expect(() => cidrRange('10.0.0.0/x')).toThrow('Malformed CIDR, mask bits must be an integer');
    expect(() => cidrRange('10.0.0.0/-1')).toThrow('Malformed CIDR, mask bits must not be negative');
    expect(() => cidrRange('xx.11.xx/8')).toThrow('Nonstandard IP address: xx.11.xx');
    expect(() => cidrRange('10.0.0.256/8')).toThrow('Invalid IP address: 10.0.0.256');
  });

  it('matches the range automaton digit by digit', () => {
    const r = cidrRange('10.0.0.0/24');
    expect(hexRangeMatches(r, '0A000000')).toBe(true);
    expect(hexRangeMatches(r, '0A0000FF')).toBe(true);
    expect(hexRangeMatches(r, '0A000100')).toBe(false);
    expect(matches({ ip: [{ cidr: '2001:db8::/32' }] }, { ip: '2001:0DB8:ffff::1' })).toBe(true);
  });

  it("keeps Ruler's per-field reading: an IP condition makes string operators miss IP values", () => {
    expect(matches({ ip: [{ prefix: '192.' }] }, { ip: '192.168.0.1' })).toBe(true);
    expect(matches({ ip: ['10.0.0.1', { prefix: '192.' }] }, { ip: '192.168.0.1' })).toBe(false);
    // and a numeric condition on the same field stops IP strings from being read as IPs
    expect(matches({ ip: [{ cidr: '10.0.0.0/8' }, 5] }, { ip: '10.1.1.1' })).toBe(false);
    // a number is walked through the range automaton as its digits
    expect(matches({ ip: [{ cidr: '0.0.0.0/0' }] }, { ip: 5 })).toBe(true);
    expect(matches({ ip: [{ cidr: '10.0.0.0/8' }] }, { ip: 5 })).toBe(false);
  });
});

describe('wildcards', () => {
  it('matches with * as any run, escapes for * and \\', () => {
    const w = parseWildcard('a*b\\*c*');
    expect(wildcardMatches(w, 'ab*c')).toBe(true);
    expect(wildcardMatches(w, 'axxb*cyy')).toBe(true);
    expect(wildcardMatches(w, 'abxc')).toBe(false);
  });

  it('gives byte positions of the quoted value in its errors', () => {
    expect(() => parseWildcard('arn:aws:events:us-east-1:**:event-bus/*')).toThrow(
      'Consecutive wildcard characters at pos 26',
    );
    expect(() => parseWildcard('é\\x')).toThrow('Invalid escape character at pos 3');
    expect(() => parseWildcard('abc\\')).toThrow('Invalid escape character at pos 4');
  });

  it('does not backtrack: one forward search per segment', () => {
    const w = parseWildcard(`${'*a'.repeat(4)}*b`);
    const indexOf = jest.spyOn(String.prototype, 'indexOf');
    try {
      expect(wildcardMatches(w, `${'a'.repeat(100_000)}c`)).toBe(false);
      expect(wildcardMatches(w, `${'a'.repeat(100_000)}b`)).toBe(true);
      // a backtracking matcher retries each segment from many start positions
      expect(indexOf.mock.calls.length).toBeGreaterThan(0);
      expect(indexOf.mock.calls.length).toBeLessThanOrEqual(2 * (w.segments.length - 2));
    } finally {
      indexOf.mockRestore();
    }
  });
});

/** A flattened event whose leaf lists count how many leaves the matcher reads (iterated or indexed). */
function countingLeaves(event: FlatEvent): { event: FlatEvent; visits(): number } {
  let visits = 0;
  const count = (leaves: readonly Leaf[]): readonly Leaf[] =>
    new Proxy(leaves, {
      get(target, key, receiver) {
        if (key === Symbol.iterator) {
          return function* () {
            for (let i = 0; i < target.length; i++) {
              visits++;
              yield target[i];
            }
          };
        }
        if (typeof key === 'string' && /^\d+$/.test(key)) visits++;
        return Reflect.get(target, key, receiver);
      },
    });
  return { event: new Map([...event].map(([path, leaves]) => [path, count(leaves)])), visits: () => visits };
}
