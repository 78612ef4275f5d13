import type { PlatformId } from '../engagement/platform-ids.js';
import { findLinks } from './links.js';

/**
 * The length of a reply as each platform counts it, and where it runs over. Platforms do not
 * count alike:
 * - **X** weighs text (twitter-text's configuration v3, the one X applies): code points in the
 *   Latin, Greek, Cyrillic and general-punctuation ranges weigh 1, everything else (CJK, most
 *   symbols) 2, an emoji (a whole sequence, skin tones and joiners included) 2, and every URL 23
 *   however long it is (t.co wraps it).
 * - **Mastodon** counts every URL as 23 characters too, and a remote mention
 *   (`@user@instance`) as its local part only.
 * - **Bluesky** counts graphemes (what a reader sees as one character).
 * - Everything else counts code points.
 *
 * Why not the twitter-text package itself: it pulls core-js 2, whose polyfills patch built-ins
 * on import, into every function that checks a reply; the weighting is its small published
 * table. A test checks this counting against twitter-text on generated texts.
 */

/** A piece of the text and what it weighs. */
interface Piece {
  start: number;
  end: number;
  weight: number;
}

/** X's weighted ranges (twitter-text config v3): weight 1 inside, 2 outside. */
const X_LIGHT_RANGES: readonly [number, number][] = [
  [0, 4351],
  [8192, 8205],
  [8208, 8223],
  [8242, 8247],
];
/** What X and Mastodon count a URL as. */
export const URL_LENGTH = 23;

const EMOJI = /\p{RGI_Emoji}/gv;
const REMOTE_MENTION = /(?<![\p{L}\p{N}_])(@[\p{L}\p{N}_]+)@[\p{L}\p{N}.-]+\.[\p{L}]{2,}/gu;

/** The pieces the platform counts, in order, covering the text. */
function pieces(platform: PlatformId | 'default', text: string): Piece[] {
  const out: Piece[] = [];
  // Spans counted as a whole (URLs, emoji, remote mentions), found first; the rest by code point.
  const whole: Piece[] = [];
  if (platform === 'x' || platform === 'mastodon')
    for (const link of findLinks(text)) whole.push({ start: link.start, end: link.end, weight: URL_LENGTH });
  if (platform === 'x')
    for (const m of text.matchAll(EMOJI)) whole.push({ start: m.index, end: m.index + m[0].length, weight: 2 });
  if (platform === 'mastodon')
    for (const m of text.matchAll(REMOTE_MENTION))
      whole.push({ start: m.index, end: m.index + m[0].length, weight: [...m[1]!].length });
  if (platform === 'bluesky') {
    for (const s of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text))
      out.push({ start: s.index, end: s.index + s.segment.length, weight: 1 });
    return out;
  }
  whole.sort((a, b) => a.start - b.start);
  let at = 0;
  let next = 0;
  while (at < text.length) {
    while (next < whole.length && whole[next]!.end <= at) next++;
    const span = whole[next];
    if (span && span.start <= at) {
      out.push(span);
      at = span.end;
      continue;
    }
    const cp = text.codePointAt(at)!;
    const size = cp > 0xffff ? 2 : 1;
    const weight = platform === 'x' && !X_LIGHT_RANGES.some(([lo, hi]) => cp >= lo && cp <= hi) ? 2 : 1;
    out.push({ start: at, end: at + size, weight });
    at += size;
  }
  return out;
}

/** The text's length as the platform counts it. */
export function platformLength(platform: PlatformId | 'default', text: string): number {
  return pieces(platform, text).reduce((sum, p) => sum + p.weight, 0);
}

/**
 * Where a text runs over `limit` as the platform counts it: the offset of the first piece past
 * the limit (the span `[start, text.length)` is what does not fit). Undefined when it fits.
 */
export function overflowAt(platform: PlatformId | 'default', text: string, limit: number): number | undefined {
  let total = 0;
  for (const p of pieces(platform, text)) {
    total += p.weight;
    if (total > limit) return p.start;
  }
  return undefined;
}
