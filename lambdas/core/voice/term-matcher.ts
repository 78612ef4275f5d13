/**
 * Whole-word, case- and accent-insensitive matching of voice terms, with spans in the text as
 * written: "GARANTÍA" and "garantia" both match `garantia`, "guaranteed" does not match
 * `guarantee`, and the span points at the characters the author typed.
 */

/** A text folded for matching, and where each folded character came from. */
interface Folded {
  text: string;
  /** For each UTF-16 unit of `text`: the start and end of the code point of the original it came from. */
  from: number[];
  to: number[];
}

/** Lower case without accents, code point by code point (so offsets map back). */
function fold(text: string): Folded {
  let out = '';
  const from: number[] = [];
  const to: number[] = [];
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const size = cp > 0xffff ? 2 : 1;
    const folded = foldChar(text.slice(i, i + size));
    for (let k = 0; k < folded.length; k++) {
      from.push(i);
      to.push(i + size);
    }
    out += folded;
    i += size;
  }
  return { text: out, from, to };
}

/** A character without its accents, lower-cased; a lone combining mark disappears. */
const foldChar = (ch: string): string =>
  ch
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    // Apostrophes people type interchangeably.
    .replace(/[\u2018\u2019\u02BC]/g, "'");

/** A term as a pattern over folded text: whole words, any run of spaces between its words. */
function termPattern(term: string): RegExp {
  const words = fold(term.trim())
    .text.split(/\s+/)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  return new RegExp(`(?<![\\p{L}\\p{N}_])${words.join('\\s+')}(?![\\p{L}\\p{N}_])`, 'gu');
}

/** Where a term occurs. */
export interface TermHit {
  /** The term as configured. */
  term: string;
  start: number;
  end: number;
}

/** A compiled list of terms, to match many texts against. */
export interface TermMatcher {
  find(text: string): TermHit[];
}

/** Compiles terms once; `find` gives every occurrence of any of them, in text order. */
export function termMatcher(terms: readonly string[]): TermMatcher {
  const patterns = terms.map((term) => ({ term, pattern: termPattern(term) }));
  return {
    find(text) {
      const folded = fold(text);
      const hits: TermHit[] = [];
      for (const { term, pattern } of patterns)
        for (const m of folded.text.matchAll(pattern))
          hits.push({ term, start: folded.from[m.index]!, end: folded.to[m.index + m[0].length - 1]! });
      return hits.sort((a, b) => a.start - b.start || b.end - a.end);
    },
  };
}
