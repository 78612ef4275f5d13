import fc from 'fast-check';
import { compileRuleText, compileRuleValue } from '#core/patterns/rule-compiler.js';
import { loadConformanceCases } from '#test-support/conformance-corpus.js';

/** What compiling yields, comparable: the sub-rules as text (maps, sets and matcher functions spelt out), or the error. */
function outcome(compile: () => unknown): unknown {
  try {
    return {
      ok: JSON.stringify(compile(), (_k, v: unknown) =>
        v instanceof Map || v instanceof Set ? [...v] : typeof v === 'function' ? String(v) : v,
      ),
    };
  } catch (err) {
    return { error: `${(err as Error).name}: ${(err as Error).message}` };
  }
}

/** The two ways to compile a pattern value must agree on everything: sub-rules, branch counts, errors. */
function expectSame(value: object): void {
  expect(outcome(() => compileRuleValue(value))).toEqual(outcome(() => compileRuleText(JSON.stringify(value))));
}

describe('patterns read off a value agree with patterns read from its text', () => {
  it('for every pattern of the conformance corpus that is a JSON object', () => {
    const patterns = loadConformanceCases<{ pattern: unknown }>()
      .map((c) =>
        typeof c.pattern === 'string'
          ? (() => {
              try {
                return JSON.parse(c.pattern) as unknown;
              } catch {
                return undefined;
              }
            })()
          : c.pattern,
      )
      .filter((p): p is object => typeof p === 'object' && p !== null && !Array.isArray(p));
    expect(patterns.length).toBeGreaterThan(150);
    for (const p of patterns) expectSame(p);
  });

  it('for any JSON object, valid pattern or not (fast-check)', () => {
    const leaf = fc.oneof(
      fc.string(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
    );
    const op = fc.oneof(
      fc.record({ prefix: fc.string() }),
      fc.record({ suffix: fc.oneof(fc.string(), fc.record({ 'equals-ignore-case': fc.string() })) }),
      fc.record({
        'anything-but': fc.oneof(leaf, fc.array(leaf, { maxLength: 3 }), fc.record({ prefix: fc.string() })),
      }),
      fc.record({
        numeric: fc.array(fc.oneof(fc.constantFrom('<', '>=', '=', '>'), fc.integer({ min: -5, max: 5 })), {
          maxLength: 4,
        }),
      }),
      fc.record({ exists: fc.oneof(fc.boolean(), leaf) }),
      fc.record({ wildcard: fc.string() }),
      fc.record({ cidr: fc.string() }),
    );
    const pattern = fc.letrec<{ node: object }>((tie) => ({
      node: fc.dictionary(
        fc.oneof(fc.string({ maxLength: 4 }), fc.constant('$or')),
        fc.oneof(
          { maxDepth: 3 },
          fc.array(fc.oneof(leaf, op), { maxLength: 3 }),
          tie('node'),
          fc.array(tie('node'), { maxLength: 3 }),
          leaf,
        ),
        { maxKeys: 3 },
      ),
    })).node;
    fc.assert(
      fc.property(pattern, (p) => expectSame(p)),
      { numRuns: 500, seed: 42 },
    );
  });

  it('hands back what it cannot read as JSON, for its text to be compiled instead', () => {
    expect(compileRuleValue({ a: [undefined] })).toBeUndefined();
    expect(compileRuleValue({ a: [Number.NaN] })).toBeUndefined();
    expect(compileRuleValue({ a: [new Date(0)] })).toBeUndefined();
    expect(compileRuleValue({ a: ['x'] })).toEqual(compileRuleText('{"a":["x"]}'));
  });
});
