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

const MAX_PHRASE_WORDS = 3;
/**
 * Bounds on what a long text (a blog comment, a review) contributes, so the published event
 * and the stored item stay far below EventBridge's and DynamoDB's size limits.
 */
export const MAX_KEYWORD_TEXT_CHARS = 5_000;
export const MAX_KEYWORDS = 300;

/**
 * Lower-cased words and phrases (up to three consecutive words, never across punctuation)
 * found in the text, so a rule can say `keywords: ["never arrived"]`. Letters and digits of
 * every script count as word characters; an apostrophe inside a word keeps the word whole.
 * Order follows first appearance; no duplicates; only the first {@link MAX_KEYWORD_TEXT_CHARS}
 * characters are read and at most {@link MAX_KEYWORDS} are returned.
 */
export function extractKeywords(text: string): string[] {
  const found = new Set<string>();
  for (const clause of text.slice(0, MAX_KEYWORD_TEXT_CHARS).toLowerCase().split(/[^\p{L}\p{N}\p{M}'’\s#@_-]+/u)) {
    const words = clause.match(/[\p{L}\p{N}\p{M}]+(?:['’_-][\p{L}\p{N}\p{M}]+)*/gu) ?? [];
    words.forEach((word, i) => {
      if (!STOPWORDS.has(word)) found.add(word);
      for (let n = 2; n <= MAX_PHRASE_WORDS && i + n <= words.length; n++) found.add(words.slice(i, i + n).join(' '));
    });
    if (found.size >= MAX_KEYWORDS) break;
  }
  return [...found].slice(0, MAX_KEYWORDS);
}
