/**
 * Words too common to be worth routing on on their own. Kept short on purpose: negations
 * ("not", "never") and prepositions stay, since phrases like "not working" or "in stock" carry
 * meaning, and only single words are filtered by this list.
 */
const STOPWORDS = new Set(
  'a an the and or but if so of to is are was were be been am i me my we our you your he she it its they them their this that these those at by for from on with as do does did has have had will would can could should just than then there here what which who whom'.split(
    ' ',
  ),
);

import { stemmer } from 'stemmer';

const MAX_PHRASE_WORDS = 3;
/**
 * Bounds on what a long text (a blog comment, a review) contributes, so the published event
 * and the stored item stay far below EventBridge's and DynamoDB's size limits.
 */
export const MAX_KEYWORD_TEXT_CHARS = 5_000;
export const MAX_KEYWORDS = 300;

/**
 * English singular of a lower-case word ("refunds" → "refund", "deliveries" → "delivery",
 * "crashes" → "crash", "today's" → "today"); other words unchanged.
 */
export function singularize(word: string): string {
  if (!/^[a-z]+(?:['’]s)?$/.test(word)) return word;
  if (/['’]s$/.test(word)) return word.slice(0, -2);
  if (word.length <= 3 || /(?:ss|us|is|ous)$/.test(word)) return word;
  if (/[^aeiou]ies$/.test(word) && word.length > 4) return `${word.slice(0, -3)}y`;
  if (/(?:sh|ch|x|z|ss)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('s')) return word.slice(0, -1);
  return word;
}

/**
 * Normalized forms of one lower-case word besides itself: its English singular and its Porter
 * stem ("refunded" → "refund"), so a rule keyword matches inflections. Only plain a–z words
 * are stemmed (Porter is English); others have no extra forms.
 */
export function wordForms(word: string): string[] {
  const singular = singularize(word);
  const base = singular.replace(/['’]s$/, '');
  if (!/^[a-z]{3,}$/.test(base)) return singular !== word ? [singular] : [];
  const forms = new Set([singular, stemmer(base)]);
  forms.delete(word);
  return [...forms].filter((f) => f.length >= 2 && !STOPWORDS.has(f));
}

/**
 * The form a rule's keyword should be compared in: lower-cased and trimmed. Matching works
 * because {@link extractKeywords} adds singular and stemmed forms of each word of the text, so
 * `refund` matches "Refunds!" and "refunded" while `crashes` still matches "crashes".
 */
export function normalizeKeyword(term: string): string {
  return term.trim().toLowerCase().replace(/\s+/g, ' ');
}

/**
 * Lower-cased words and phrases (up to three consecutive words, never across punctuation)
 * found in the text, so a rule can say `keywords: ["never arrived"]`. Letters and digits of
 * every script count as word characters; an apostrophe inside a word keeps the word whole.
 * Order follows first appearance; no duplicates; only the first {@link MAX_KEYWORD_TEXT_CHARS}
 * characters are read and at most {@link MAX_KEYWORDS} are returned. Each word also brings its
 * normalized forms ({@link wordForms}) and each phrase its singular ("late deliveries" → "late delivery").
 */
export function extractKeywords(text: string): string[] {
  const found = new Set<string>();
  for (const clause of text.slice(0, MAX_KEYWORD_TEXT_CHARS).toLowerCase().split(CLAUSE_BREAK)) {
    const words = clause.match(WORD) ?? [];
    for (let i = 0; i < words.length; i++) {
      const word = words[i]!;
      if (!STOPWORDS.has(word)) {
        found.add(word);
        for (const form of cachedForms(word)) found.add(form);
      }
      let phrase = word;
      for (let n = 2; n <= MAX_PHRASE_WORDS && i + n <= words.length; n++) {
        const last = words[i + n - 1]!;
        const head = phrase;
        phrase = `${head} ${last}`;
        found.add(phrase);
        const singular = cachedSingular(last);
        if (singular !== last) found.add(`${head} ${singular}`);
      }
    }
    if (found.size >= MAX_KEYWORDS) break;
  }
  return [...found].slice(0, MAX_KEYWORDS);
}

const CLAUSE_BREAK = /[^\p{L}\p{N}\p{M}'’\s#@_-]+/u;
const WORD = /[\p{L}\p{N}\p{M}]+(?:['’_-][\p{L}\p{N}\p{M}]+)*/gu;

/**
 * Word forms and singulars of words already seen: social text repeats a small vocabulary, and
 * stemming is the costly part of keyword extraction. Bounded: cleared when it grows large.
 */
function remembered<T>(compute: (word: string) => T, limit = 50_000): (word: string) => T {
  const cache = new Map<string, T>();
  return (word) => {
    let value = cache.get(word);
    if (value === undefined) {
      if (cache.size >= limit) cache.clear();
      value = compute(word);
      cache.set(word, value);
    }
    return value;
  };
}

const cachedForms = remembered(wordForms);
const cachedSingular = remembered(singularize);
