import type { HexRange } from './cidr.js';
import { compileIgnoreCase, type IgnoreCaseTests } from './ignore-case.js';
import { javaUtf8Normalize } from './java-text.js';
import type { Wildcard } from './wildcard.js';

/**
 * One compiled match value of a leaf condition (one element of a pattern array), mirroring
 * Ruler's `Patterns` types. `id` is a canonical identity: Ruler shares automaton states between
 * equal patterns, and that sharing decides how values are read (see `machine-sim.ts`).
 */
export type PatternValue =
  | { readonly type: 'exact'; readonly id: string; readonly value: string }
  | { readonly type: 'literal'; readonly id: string; readonly value: 'true' | 'false' | 'null' }
  | { readonly type: 'numeric-equals'; readonly id: string; readonly value: number }
  | {
      readonly type: 'range';
      readonly id: string;
      readonly bottom: number;
      readonly openBottom: boolean;
      readonly top: number;
      readonly openTop: boolean;
    }
  | { readonly type: 'cidr'; readonly id: string; readonly range: HexRange }
  | { readonly type: 'prefix'; readonly id: string; readonly value: string }
  | { readonly type: 'suffix'; readonly id: string; readonly value: string }
  | { readonly type: 'equals-ignore-case'; readonly id: string; readonly tests: IgnoreCaseTests }
  | { readonly type: 'prefix-ignore-case'; readonly id: string; readonly tests: IgnoreCaseTests }
  | { readonly type: 'suffix-ignore-case'; readonly id: string; readonly tests: IgnoreCaseTests }
  | { readonly type: 'wildcard'; readonly id: string; readonly wildcard: Wildcard }
  | { readonly type: 'exists'; readonly id: string }
  | { readonly type: 'absent'; readonly id: string }
  | { readonly type: 'anything-but-strings'; readonly id: string; readonly values: ReadonlySet<string> }
  | { readonly type: 'anything-but-numbers'; readonly id: string; readonly values: ReadonlySet<number> }
  | { readonly type: 'anything-but-prefix'; readonly id: string; readonly values: readonly string[] }
  | { readonly type: 'anything-but-suffix'; readonly id: string; readonly values: readonly string[] }
  | { readonly type: 'anything-but-ignore-case'; readonly id: string; readonly values: readonly IgnoreCaseTests[] }
  | { readonly type: 'anything-but-wildcard'; readonly id: string; readonly values: readonly Wildcard[] };

/** Canonical number text for identities (-0 and 0 are one value, as Ruler compares them). */
function num(n: number): string {
  return Object.is(n, -0) ? '0' : String(n);
}

function sortedJson(values: Iterable<string>): string {
  return JSON.stringify([...new Set(values)].sort());
}

/** Constructors for {@link PatternValue}s, normalising strings and computing identities. */
export const patternValue = {
  exact: (raw: string): PatternValue => {
    const value = javaUtf8Normalize(raw);
    return { type: 'exact', id: `s${JSON.stringify(value)}`, value };
  },
  literal: (value: 'true' | 'false' | 'null'): PatternValue => ({ type: 'literal', id: `l${value}`, value }),
  numericEquals: (value: number): PatternValue => ({
    type: 'numeric-equals',
    id: `n${num(value)}`,
    value: Object.is(value, -0) ? 0 : value,
  }),
  range: (bottom: number, openBottom: boolean, top: number, openTop: boolean): PatternValue => ({
    type: 'range',
    id: `r${num(bottom)}/${num(top)}:${openBottom}/${openTop}`,
    bottom,
    openBottom,
    top,
    openTop,
  }),
  cidr: (range: HexRange): PatternValue => ({
    type: 'cidr',
    id: `c${range.bottom}/${range.top}:${range.openBottom}/${range.openTop}`,
    range,
  }),
  prefix: (raw: string): PatternValue => {
    const value = javaUtf8Normalize(raw);
    return { type: 'prefix', id: `p${JSON.stringify(value)}`, value };
  },
  suffix: (raw: string): PatternValue => {
    const value = javaUtf8Normalize(raw);
    return { type: 'suffix', id: `x${JSON.stringify(value)}`, value };
  },
  equalsIgnoreCase: (raw: string): PatternValue => ({
    type: 'equals-ignore-case',
    id: `i${JSON.stringify(raw)}`,
    tests: compileIgnoreCase(raw),
  }),
  prefixIgnoreCase: (raw: string): PatternValue => ({
    type: 'prefix-ignore-case',
    id: `pi${JSON.stringify(raw)}`,
    tests: compileIgnoreCase(raw),
  }),
  suffixIgnoreCase: (raw: string): PatternValue => ({
    type: 'suffix-ignore-case',
    id: `xi${JSON.stringify(raw)}`,
    tests: compileIgnoreCase(raw),
  }),
  wildcard: (wildcard: Wildcard): PatternValue => ({
    type: 'wildcard',
    id: `w${JSON.stringify(wildcard.source)}`,
    wildcard,
  }),
  exists: (): PatternValue => ({ type: 'exists', id: 'e' }),
  absent: (): PatternValue => ({ type: 'absent', id: 'a' }),
  anythingButStrings: (values: Iterable<string>): PatternValue => {
    const set = new Set([...values].map(javaUtf8Normalize));
    return { type: 'anything-but-strings', id: `bs${sortedJson(set)}`, values: set };
  },
  anythingButNumbers: (values: Iterable<number>): PatternValue => {
    const set = new Set([...values].map((n) => (Object.is(n, -0) ? 0 : n)));
    return { type: 'anything-but-numbers', id: `bn${sortedJson([...set].map(num))}`, values: set };
  },
  anythingButPrefix: (values: readonly string[]): PatternValue => {
    const list = [...new Set(values.map(javaUtf8Normalize))];
    return { type: 'anything-but-prefix', id: `bp${sortedJson(list)}`, values: list };
  },
  anythingButSuffix: (values: readonly string[]): PatternValue => {
    const list = [...new Set(values.map(javaUtf8Normalize))];
    return { type: 'anything-but-suffix', id: `bx${sortedJson(list)}`, values: list };
  },
  anythingButIgnoreCase: (values: readonly string[]): PatternValue => {
    const list = [...new Set(values)];
    return { type: 'anything-but-ignore-case', id: `bi${sortedJson(list)}`, values: list.map(compileIgnoreCase) };
  },
  anythingButWildcard: (values: readonly Wildcard[]): PatternValue => {
    const seen = new Map(values.map((w) => [w.source, w] as const));
    return { type: 'anything-but-wildcard', id: `bw${sortedJson(seen.keys())}`, values: [...seen.values()] };
  },
};
