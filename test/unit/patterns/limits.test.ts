import { compilePattern, InvalidEventPatternError, MAX_OR_COMBINATIONS } from '#core/patterns/index.js';
import { compileRuleText } from '#core/patterns/rule-compiler.js';
import { wildcardComplexity } from '#core/patterns/wildcard.js';
import { reasonOf } from '#test-support/patterns.js';

const TOO_COMPLEX =
  'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character';

describe('service limits', () => {
  describe('pattern length', () => {
    it('accepts 2048 characters and refuses 2049 by default', () => {
      const fits = `{"a":["${'x'.repeat(2048 - 10)}"]}`;
      expect(fits).toHaveLength(2048);
      expect(reasonOf(fits)).toBe('accepted');
      expect(reasonOf(`{"a":["${'x'.repeat(2048 - 9)}"]}`)).toMatch(/too long: 2049 characters/);
    });

    it('measures an object as JSON.stringify writes it', () => {
      const pattern = { a: ['x'.repeat(2048 - 10)] };
      expect(JSON.stringify(pattern)).toHaveLength(2048);
      expect(reasonOf(pattern)).toBe('accepted');
      expect(reasonOf({ a: ['x'.repeat(2040)] })).toMatch(/too long/);
    });

    it('honours a raised quota', () => {
      const pattern = { a: ['x'.repeat(4000)] };
      expect(reasonOf(pattern)).toMatch(/too long/);
      expect(reasonOf(pattern, { maxLength: 4096 })).toBe('accepted');
    });
  });

  describe('$or combinations', () => {
    const or = (prefix: string, n: number): object => ({
      $or: Array.from({ length: n }, (_, i) => ({ [`${prefix}${i}`]: ['v'] })),
    });

    it(`accepts exactly ${MAX_OR_COMBINATIONS} combinations and refuses more`, () => {
      expect(reasonOf({ a: or('a', 10), b: or('b', 10), c: or('c', 10) })).toBe('accepted');
      expect(reasonOf({ a: or('a', 10), b: or('b', 10), c: or('c', 11) })).toMatch(/more than 1000 combinations/);
    });

    it('counts an astronomically large expansion without building it', () => {
      // 2^60 combinations: materialising them would never finish, so the compiler must count them
      // and stop building sub-rules just past the limit.
      const text = `{${Array.from({ length: 60 }, (_, i) => `"f${i}":{"$or":[{"a":[1]},{"b":[2]}]}`).join(',')}}`;
      const compiled = compileRuleText(text);
      expect(compiled.branches).toBeGreaterThan(MAX_OR_COMBINATIONS);
      expect(compiled.subRules.length).toBeLessThanOrEqual(MAX_OR_COMBINATIONS + 1);
      expect(reasonOf(text, { maxLength: 4096 })).toMatch(/more than 1000 combinations/);
    });

    it('reports a syntax error anywhere in the text before the combination limit', () => {
      const tooMany = JSON.stringify({ a: or('a', 10), b: or('b', 10), c: or('c', 11) });
      expect(reasonOf(`${tooMany.slice(0, -1)},"z":[}}`)).toMatch(/^Unexpected close marker '}'/);
    });
  });

  describe('wildcard complexity', () => {
    const complexity = (...patterns: string[]): number =>
      wildcardComplexity(
        patterns.map((p, i) => ({ id: `w${i}`, strings: [p] })),
        1_000_000,
      );

    it("reproduces Ruler's published complexity figures", () => {
      // event-ruler MachineComplexityEvaluatorCorpus / AWS recordings
      expect(complexity(`${'*a'.repeat(50)}*`)).toBe(101);
      expect(complexity('*aa*', '*ba*', '*ca*', '*da*')).toBe(12);
      expect(complexity('*kiwi*', '*BASE_QuxB*', '*Delta*', '*a/example-lake-abc98765432*')).toBe(12);
      expect(
        wildcardComplexity(
          [{ id: 'set', strings: ['*kiwi*', '*BASE_QuxB*', '*Delta*', '*a/example-lake-abc98765432*'] }],
          1e6,
        ),
      ).toBe(7);
      expect(complexity('*:*:*:*:*:event-bus/*')).toBe(11);
      expect(complexity('/Users/*/dir/dir/dir/dir/dir/doc.txt')).toBe(7);
    });

    it('refuses what AWS refused and accepts what AWS accepted', () => {
      expect(reasonOf({ EventBusArn: [{ wildcard: '*:*:*:*:*:event-bus/*' }] })).toBe(TOO_COMPLEX);
      expect(reasonOf({ FileName: [{ wildcard: '/Users/*/dir/dir/dir/dir/dir/doc.txt' }] })).toBe('accepted');
      expect(reasonOf({ k: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] })).toBe('accepted');
      // several wildcards on one field add up (one machine), across fields they do not
      const four = ['*/datasync/*.bif', '*/datasync/*.tif', '*/datasync/*.tiff', '*/datasync/*.svs'];
      expect(reasonOf({ key: four.map((wildcard) => ({ wildcard })) })).toBe(TOO_COMPLEX);
      expect(reasonOf({ key: four.slice(0, 2).map((wildcard) => ({ wildcard })) })).toBe('accepted');
      expect(reasonOf({ a: [{ wildcard: four[0] }], b: [{ wildcard: four[1] }], c: [{ wildcard: four[2] }] })).toBe(
        'accepted',
      );
    });

    it('counts anything-but wildcard lists as one pattern', () => {
      const strings = ['*kiwi*', '*BASE_QuxB*', '*Delta*', '*a/example-lake-abc98765432*'];
      expect(reasonOf({ key: [{ 'anything-but': { wildcard: strings } }] })).toBe('accepted');
      expect(reasonOf({ key: strings.map((wildcard) => ({ wildcard })) })).toBe(TOO_COMPLEX);
    });
  });

  it('formats the message as EventBridge does', () => {
    try {
      compilePattern({ a: [] });
      throw new Error('expected a failure');
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidEventPatternError);
      expect((err as InvalidEventPatternError).reason).toBe('Empty arrays are not allowed');
      expect((err as Error).message).toBe('Event pattern is not valid. Reason: Empty arrays are not allowed');
    }
  });
});
