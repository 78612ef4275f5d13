/**
 * The text features the enrichment model reads, as 32-bit hashes (feature hashing): no
 * vocabulary to ship, and unseen words still share character n-grams with seen ones, which is
 * what carries the model across typos, inflections and related languages.
 *
 * - word unigrams and bigrams, lower-cased, accents removed, letters repeated three or more
 *   times squeezed to two ("soooo" → "soo"), digit runs as `0`, links and @handles as tokens;
 * - character 3- and 4-grams of each word with its accents, between word boundaries (`<word>`):
 *   spelling that words do not share (typos, compounds, "pq", "kkkk"), and the letters that tell
 *   languages apart;
 * - each emoji and `?`/`!` as tokens, and a few shape features: length, questions, shouting,
 *   the review rating.
 *
 * The hashes are FNV-1a over UTF-16 code units, computed in place (no substring per n-gram),
 * so extraction stays a small share of the enrichment time.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Kinds of feature, mixed into the hash so a word and an n-gram with the same letters differ. */
// biome-ignore lint/suspicious/noConstEnum: used inside this module only, where esbuild and swc inline it into the feature-hashing loop
const enum Kind {
  Word = 1,
  Bigram = 2,
  Gram = 3,
  Meta = 4,
}

/** FNV-1a of `kind` then the code units of `s[from, to)`. */
function hashRange(kind: number, s: string, from: number, to: number): number {
  let h = Math.imul(FNV_OFFSET ^ kind, FNV_PRIME);
  for (let i = from; i < to; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

/** Combines two hashes (a bigram of two words). */
function mix(a: number, b: number): number {
  return Math.imul(Math.imul(a ^ 0x9e3779b9, FNV_PRIME) ^ b, FNV_PRIME) >>> 0;
}

const MIN_GRAM = 3;
const MAX_GRAM = 4;
/** Longest text read, in UTF-16 units: features of a long blog comment come from its start. */
export const MAX_FEATURE_TEXT = 2_000;

const URL = /\bhttps?:\/\/\S+|\bwww\.\S+/giu;
const HANDLE = /(?<![\p{L}\p{N}_])@[\p{L}\p{N}_.]+/gu;
/** Words (letters, marks, apostrophes inside), digit runs, emoji, and ? and !, as groups 1-4. */
const TOKEN = /([\p{L}\p{M}]+(?:['’][\p{L}\p{M}]+)*)|(\p{N}+)|(\p{Extended_Pictographic})|([?¿!¡])/gu;
const ACCENTS = /\p{M}+/gu;
const REPEATS = /(\p{L})\1{2,}/gu;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the range starts at NUL on purpose: any character outside ASCII
const NON_ASCII = /[^\x00-\x7f]/;
const SHOUT = /\b\p{Lu}{3,}\b/u;

/** Which features to extract. */
export interface FeatureOptions {
  /**
   * Character n-grams (default true). The sentiment network leaves them out: it reads words,
   * word pairs, emoji and the shape features only (see `network.ts`).
   */
  grams?: boolean;
}

/** What the features are taken from. */
export interface FeatureInput {
  text: string;
  /** 1..5 for reviews. */
  rating?: number | undefined;
}

/**
 * Reusable scratch space: a feature list is built in `buffer` and de-duplicated in `seen`, an
 * open-addressing set keyed by hash and cleared by generation, so extraction allocates nothing
 * per n-gram.
 */
let buffer = new Uint32Array(1024);
let seen = new Uint32Array(4096);
let seenGeneration = new Uint32Array(4096);
let generation = 0;
let size = 0;

function push(h: number): void {
  const mask = seen.length - 1;
  let slot = (Math.imul(h, 0x9e3779b1) >>> 0) & mask;
  while (seenGeneration[slot] === generation) {
    if (seen[slot] === h) return;
    slot = (slot + 1) & mask;
  }
  seenGeneration[slot] = generation;
  seen[slot] = h;
  if (size === buffer.length) {
    const grown = new Uint32Array(buffer.length * 2);
    grown.set(buffer);
    buffer = grown;
  }
  buffer[size++] = h;
  // Keep the set at most half full.
  if (size * 2 > seen.length) rehash(seen.length * 2);
}

function rehash(capacity: number): void {
  seen = new Uint32Array(capacity);
  seenGeneration = new Uint32Array(capacity);
  generation = 1;
  const mask = capacity - 1;
  for (let i = 0; i < size; i++) {
    const h = buffer[i]!;
    let slot = (Math.imul(h, 0x9e3779b1) >>> 0) & mask;
    while (seenGeneration[slot] === generation && seen[slot] !== h) slot = (slot + 1) & mask;
    seenGeneration[slot] = generation;
    seen[slot] = h;
  }
}

/**
 * The features of one text, as hashes (duplicates removed), and when `names` is given, a
 * readable name per feature (for inspecting a model; not used when scoring).
 */
export function extractFeatures(
  input: FeatureInput,
  names?: Map<number, string>,
  options?: FeatureOptions,
): Uint32Array {
  const grams = options?.grams ?? true;
  size = 0;
  generation++;
  if (generation === 0xffffffff) rehash(seen.length);
  const name = names ? (h: number, label: string) => void (names.has(h) || names.set(h, label)) : undefined;
  const raw = input.text.length > MAX_FEATURE_TEXT ? input.text.slice(0, MAX_FEATURE_TEXT) : input.text;
  const text = raw.replace(URL, ' httplink ').replace(HANDLE, ' @user ').toLowerCase();
  let previous = hashRange(Kind.Word, '<s>', 0, 3);
  let previousName = '<s>';
  let words = 0;
  let questions = 0;
  let exclamations = 0;
  let emoji = 0;
  for (const match of text.matchAll(TOKEN)) {
    let token = match[0];
    if (match[1] !== undefined) {
      words++;
      if (token.length > 2) token = token.replace(REPEATS, '$1$1');
      // Character n-grams keep the accents: "não", "für", "où" tell languages apart.
      const bounded = `<${token}>`;
      if (grams)
        for (let n = MIN_GRAM; n <= MAX_GRAM; n++) {
          const kind = Kind.Gram + n * 8;
          for (let i = 0; i + n <= bounded.length; i++) {
            const h = hashRange(kind, bounded, i, i + n);
            push(h);
            name?.(h, `g:${bounded.slice(i, i + n)}`);
          }
        }
      if (NON_ASCII.test(token)) token = token.normalize('NFD').replace(ACCENTS, '');
    } else if (match[2] !== undefined) token = '0';
    else if (match[3] !== undefined) emoji++;
    else if (token === '¿' || token === '?') {
      questions++;
      token = '?';
    } else {
      exclamations++;
      token = '!';
    }
    const h = hashRange(Kind.Word, token, 0, token.length);
    push(h);
    name?.(h, `w:${token}`);
    const pair = (mix(previous, h) ^ Kind.Bigram) >>> 0;
    push(pair);
    name?.(pair, `b:${previousName}_${token}`);
    previous = h;
    if (name) previousName = token;
  }
  const end = (mix(previous, hashRange(Kind.Word, '</s>', 0, 4)) ^ Kind.Bigram) >>> 0;
  push(end);
  name?.(end, `b:${previousName}_</s>`);
  const meta = (label: string) => {
    const h = hashRange(Kind.Meta, label, 0, label.length);
    push(h);
    name?.(h, `m:${label}`);
  };
  meta(
    words === 0
      ? 'len:0'
      : words <= 2
        ? 'len:1-2'
        : words <= 5
          ? 'len:3-5'
          : words <= 12
            ? 'len:6-12'
            : words <= 30
              ? 'len:13-30'
              : 'len:31+',
  );
  if (questions > 0) meta('has?');
  if (exclamations > 1) meta('!!');
  if (emoji > 0 && words === 0) meta('emoji-only');
  if (SHOUT.test(raw)) meta('shout');
  if (input.rating !== undefined) meta(`rating:${input.rating}`);
  return buffer.slice(0, size);
}
