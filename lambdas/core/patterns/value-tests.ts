import { hexRangeMatches } from './cidr.js';
import { leafIpHex, type Leaf } from './flatten-event.js';
import type { ReadMode } from './machine-sim.js';
import type { PatternValue } from './pattern-values.js';
import { wildcardMatches } from './wildcard.js';

/** A compiled test of one leaf against one pattern value. */
export type LeafTest = (leaf: Leaf) => boolean;

const NEVER: LeafTest = () => false;
const ALWAYS: LeafTest = () => true;

/**
 * Compiles one pattern value into a leaf test for a field read in `mode` (see {@link ReadMode}).
 * Operators on strings never see numbers, booleans or null; numeric operators only see JSON
 * numbers; anything-but passes every present leaf that is not excluded.
 */
export function compileValueTest(value: PatternValue, mode: ReadMode): LeafTest {
  // A string leaf the machine reads as an IP is no longer the string for string operators.
  const text: (leaf: Leaf) => string | null =
    mode === 'ip'
      ? (leaf) => (leaf.kind === 'string' && leafIpHex(leaf) === null ? leaf.text : null)
      : (leaf) => (leaf.kind === 'string' ? leaf.text : null);
  const numeric = (leaf: Leaf): boolean => mode === 'numeric' && leaf.kind === 'number';
  switch (value.type) {
    case 'exact': {
      const expected = value.value;
      return (leaf) => leaf.kind === 'string' && leaf.text === expected && text(leaf) !== null;
    }
    case 'literal': {
      const kind = value.value;
      return (leaf) => leaf.kind === kind;
    }
    case 'numeric-equals': {
      const n = value.value;
      return (leaf) => numeric(leaf) && leaf.num === n;
    }
    case 'range': {
      const { bottom, top, openBottom, openTop } = value;
      return (leaf) => {
        if (!numeric(leaf)) return false;
        const n = leaf.num;
        return (openBottom ? n > bottom : n >= bottom) && (openTop ? n < top : n <= top);
      };
    }
    case 'cidr': {
      if (mode === 'numeric') return NEVER;
      const range = value.range;
      return (leaf) => {
        if (leaf.kind === 'string') {
          const hex = leafIpHex(leaf);
          return hex !== null && hexRangeMatches(range, hex);
        }
        // Ruler walks a number's digits through the range automaton too.
        return leaf.kind === 'number' && hexRangeMatches(range, leaf.text);
      };
    }
    case 'prefix': {
      const p = value.value;
      return (leaf) => text(leaf)?.startsWith(p) ?? false;
    }
    case 'suffix': {
      const s = value.value;
      return (leaf) => text(leaf)?.endsWith(s) ?? false;
    }
    case 'equals-ignore-case': {
      const tests = value.tests;
      return (leaf) => {
        const t = text(leaf);
        return t !== null && tests.equals(t);
      };
    }
    case 'prefix-ignore-case': {
      const tests = value.tests;
      return (leaf) => {
        const t = text(leaf);
        return t !== null && tests.prefix(t);
      };
    }
    case 'suffix-ignore-case': {
      const tests = value.tests;
      return (leaf) => {
        const t = text(leaf);
        return t !== null && tests.suffix(t);
      };
    }
    case 'wildcard': {
      const w = value.wildcard;
      return (leaf) => {
        const t = text(leaf);
        return t !== null && wildcardMatches(w, t);
      };
    }
    case 'exists':
      return ALWAYS;
    case 'absent':
      return NEVER;
    case 'anything-but-strings': {
      const excluded = value.values;
      return (leaf) => {
        const t = text(leaf);
        return t === null || !excluded.has(t);
      };
    }
    case 'anything-but-numbers': {
      const excluded = value.values;
      return (leaf) => !numeric(leaf) || !excluded.has(leaf.num);
    }
    case 'anything-but-prefix': {
      const list = value.values;
      if (list.length === 0) return NEVER;
      return (leaf) => {
        const t = text(leaf);
        return t === null || !list.some((p) => t.startsWith(p));
      };
    }
    case 'anything-but-suffix': {
      const list = value.values;
      if (list.length === 0) return NEVER;
      return (leaf) => {
        const t = text(leaf);
        return t === null || !list.some((s) => t.endsWith(s));
      };
    }
    case 'anything-but-ignore-case': {
      const list = value.values;
      if (list.length === 0) return NEVER;
      return (leaf) => {
        const t = text(leaf);
        return t === null || !list.some((tests) => tests.equals(t));
      };
    }
    case 'anything-but-wildcard': {
      const list = value.values;
      if (list.length === 0) return NEVER;
      return (leaf) => {
        const t = text(leaf);
        return t === null || !list.some((w) => wildcardMatches(w, t));
      };
    }
  }
}
