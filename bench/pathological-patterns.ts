import { performance } from 'node:perf_hooks';
import { compilePattern } from '../lambdas/core/patterns/index.js';
import { parseWildcard, wildcardMatches } from '../lambdas/core/patterns/wildcard.js';
import { median } from './measure.js';

/** Each pathological case should take well under this on any laptop; the tests bound the work instead. */
const TARGET_MS = 50;

/**
 * Times the inputs that would blow up a naive pattern engine (the unit tests bound the work they
 * do in steps, machine-independently; this prints how long they take here): a pattern whose
 * `$or`s expand to 2^60 combinations, a 400-element array with no match, and a many-star
 * wildcard against a 100,000-character value.
 */
export function benchPathologicalPatterns(): void {
  const orText = `{${Array.from({ length: 60 }, (_, i) => `"f${i}":{"$or":[{"a":[1]},{"b":[2]}]}`).join(',')}}`;
  const items = Array.from({ length: 400 }, (_, i) => ({ a: 'x', b: 'y', n: i }));
  const arrayPattern = compilePattern({ items: { a: ['x'], b: ['y'], c: ['z'] } });
  const wildcard = parseWildcard(`${'*a'.repeat(4)}*b`);
  const longValue = 'a'.repeat(100_000);
  const cases: [string, () => unknown][] = [
    [
      '$or expanding to 2^60 combinations (refused)',
      () => {
        try {
          compilePattern(orText, { maxLength: 4096 });
        } catch {
          /* refused, as it should be */
        }
      },
    ],
    ['400-element array, no match', () => arrayPattern.matches({ items })],
    ['wildcard *a*a*a*a*b on 100,000 characters', () => wildcardMatches(wildcard, longValue)],
  ];
  console.log('Pathological patterns (median of 5 runs):');
  for (const [name, fn] of cases) {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      fn();
      times.push(performance.now() - start);
    }
    const ms = median(times);
    console.log(
      `  ${name.padEnd(48)} ${ms.toFixed(2).padStart(8)} ms  (target ≤ ${TARGET_MS} ms: ${ms <= TARGET_MS ? 'met' : 'NOT met'})`,
    );
  }
  console.log();
}
