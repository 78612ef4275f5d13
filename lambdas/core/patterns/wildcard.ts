import { RulerParseError } from './errors.js';
import { javaUtf8Length, javaUtf8Normalize } from './java-text.js';

/**
 * A wildcard pattern split at its (unescaped) stars. `segments.length - 1` is the number of
 * stars; `*` matches any run of characters, including none.
 */
export interface Wildcard {
  readonly source: string;
  readonly segments: readonly string[];
}

/**
 * Validates and splits a wildcard operand. Errors carry Ruler's messages; positions are byte
 * offsets into the quoted value Ruler parses (`"` + text + `"`), hence the `+ 1`.
 */
export function parseWildcard(text: string): Wildcard {
  const segments: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '*') {
      if (text[i + 1] === '*')
        throw new RulerParseError(`Consecutive wildcard characters at pos ${1 + javaUtf8Length(text.slice(0, i))}`);
      segments.push(current);
      current = '';
    } else if (ch === '\\') {
      const next = text[i + 1];
      if (next !== '*' && next !== '\\')
        throw new RulerParseError(`Invalid escape character at pos ${1 + javaUtf8Length(text.slice(0, i))}`);
      current += next;
      i++;
    } else {
      current += ch;
    }
  }
  segments.push(current);
  return { source: text, segments: segments.map(javaUtf8Normalize) };
}

/**
 * Glob match in O(n·m) worst case with no backtracking: with only `*` as a metacharacter,
 * taking each middle segment at its leftmost occurrence is always optimal.
 */
export function wildcardMatches(w: Wildcard, value: string): boolean {
  const segs = w.segments;
  const first = segs[0] ?? '';
  if (segs.length === 1) return value === first;
  const last = segs[segs.length - 1] ?? '';
  if (value.length < first.length + last.length) return false;
  if (!value.startsWith(first) || !value.endsWith(last)) return false;
  let pos = first.length;
  const end = value.length - last.length;
  for (let i = 1; i < segs.length - 1; i++) {
    const seg = segs[i] ?? '';
    if (seg.length === 0) continue;
    const at = value.indexOf(seg, pos);
    if (at < 0 || at + seg.length > end) return false;
    pos = at + seg.length;
  }
  return true;
}

const STAR = 256;

interface NfaState {
  literal: Map<number, number[]>;
  any: number[];
  weight: Set<string>;
  prefix?: Map<number, number>;
  star?: number;
}

/** Byte tokens of a wildcard as Ruler's machine holds it: quoted, escapes resolved, `*` = STAR. */
function wildcardTokens(text: string): number[] {
  const tokens = [0x22];
  const encoder = new TextEncoder();
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? '';
    if (ch === '*') {
      tokens.push(STAR);
      continue;
    }
    let literal = ch;
    if (ch === '\\') {
      literal = text[i + 1] ?? '';
      i++;
    } else if (/[\uD800-\uDBFF]/.test(ch) && /[\uDC00-\uDFFF]/.test(text[i + 1] ?? '')) {
      literal = ch + (text[i + 1] ?? '');
      i++;
    }
    for (const b of encoder.encode(javaUtf8Normalize(literal))) tokens.push(b);
  }
  tokens.push(0x22);
  return tokens;
}

/**
 * Ruler's wildcard complexity for one value matcher: the largest number of wildcard-pattern
 * prefixes any input can keep alive at once (each live automaton state weighted by the
 * patterns it can still reach). Determinate prefixes and their first star are shared between
 * patterns, as in Ruler's byte machine; everything after a star is per pattern. An anything-but
 * wildcard list is one pattern with several strings.
 *
 * Evaluation stops as soon as the count exceeds `cap`, which bounds the subset walk.
 */
export function wildcardComplexity(
  patterns: ReadonlyArray<{ id: string; strings: readonly string[] }>,
  cap: number,
): number {
  const states: NfaState[] = [newState()];
  const terminals = new Map<string, number>();
  const alphabet = new Set<number>();
  for (const pattern of patterns) {
    for (const text of pattern.strings) {
      const tokens = wildcardTokens(text);
      let current = 0;
      let previous = -1;
      let determinate = true;
      for (let i = 0; i < tokens.length; i++) {
        const token = tokens[i] ?? 0;
        const terminal = i === tokens.length - 1;
        const wasDeterminate = determinate;
        const here = states[current]!;
        let next = 0;
        if (terminal) next = terminals.get(pattern.id) ?? 0;
        else if (token === STAR) {
          if (wasDeterminate) next = here.star ?? 0;
          determinate = false;
        } else if (wasDeterminate) next = here.prefix?.get(token) ?? 0;
        const created = next === 0;
        if (created) {
          next = states.length;
          states.push(newState());
          if (terminal) terminals.set(pattern.id, next);
          else if (token === STAR) {
            if (wasDeterminate) here.star = next;
          } else if (wasDeterminate) (here.prefix ??= new Map()).set(token, next);
        }
        const target = states[next]!;
        if (token === STAR) {
          if (target.any.length === 0) {
            here.any.push(next);
            target.any.push(next);
          }
        } else if (terminal || created) {
          alphabet.add(token);
          addLiteral(here, token, next);
          if (i > 0 && tokens[i - 1] === STAR && previous >= 0) addLiteral(states[previous]!, token, next);
        }
        target.weight.add(pattern.id);
        previous = current;
        current = next;
      }
    }
  }
  if (states.length === 1) return 0;
  const bytes = [STAR, ...alphabet];
  const pending: number[][] = [[0]];
  const seen = new Set<string>();
  let maximum = 0;
  let budget = 200_000;
  while (pending.length > 0 && budget-- > 0) {
    const active = pending.pop()!;
    for (const b of bytes) {
      const nextSet = new Set<number>();
      for (const id of active) {
        const s = states[id]!;
        for (const n of s.any) nextSet.add(n);
        if (b !== STAR) for (const n of s.literal.get(b) ?? []) nextSet.add(n);
      }
      if (nextSet.size === 0) continue;
      let complexity = 0;
      for (const id of nextSet) {
        const s = states[id]!;
        complexity += s.weight.size;
        for (const w of s.any) if (!nextSet.has(w)) complexity += states[w]!.weight.size;
      }
      if (complexity > cap) return complexity;
      maximum = Math.max(maximum, complexity);
      const ids = [...nextSet].sort((x, y) => x - y);
      const key = ids.join(',');
      if (!seen.has(key)) {
        seen.add(key);
        pending.push(ids);
      }
    }
  }
  return maximum;
}

function newState(): NfaState {
  return { literal: new Map(), any: [], weight: new Set() };
}

function addLiteral(state: NfaState, token: number, next: number): void {
  const list = state.literal.get(token);
  if (list) {
    if (!list.includes(next)) list.push(next);
  } else state.literal.set(token, [next]);
}
