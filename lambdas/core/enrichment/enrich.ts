import { detectIntents, type Intent } from './intents.js';
import { influenceOf, type Influence } from './influence.js';
import { extractKeywords } from './keywords.js';
import { resolveLanguage } from './language.js';
import { findPii, redactPii, summarizePii, type PiiSummary } from './pii.js';
import { analyzeSentiment, type Sentiment } from './sentiment.js';

/** What enrichment reads from a draft engagement (a subset of `EngagementDraft`). */
export interface EnrichInput {
  text: string;
  /** The platform's language tag, when it gives one; used in preference to detection. */
  language?: string | undefined;
  author?: { followers?: number | undefined; verified?: boolean | undefined } | undefined;
  /** 1..5 for reviews. */
  rating?: number | undefined;
}

export interface EnrichOptions {
  /** Return `text` with PII replaced by `[email]`, `[phone]`, `[card]`, `[iban]`, to store instead of the original. */
  redactStoredText?: boolean;
}

export interface Enrichment {
  language: string;
  sentiment: Sentiment;
  intents: Intent[];
  keywords: string[];
  /** Present when the text holds personal data (kinds and count, never the values). */
  pii?: PiiSummary;
  /** Present when the platform gives a follower count. */
  influence?: Influence;
  /** Present with `redactStoredText`: the text to store. */
  text?: string;
}

/**
 * Enrichment of one draft: language, sentiment, intents, keywords, PII and influence. Pure and
 * local (no network, no model download), so the process Lambda and `switchboard simulate`
 * agree. Keywords are taken from the redacted text, so a phone number or card never becomes a
 * routable keyword.
 */
export function enrich(draft: EnrichInput, options: EnrichOptions = {}): Enrichment {
  const text = draft.text ?? '';
  const matches = findPii(text);
  const safeText = matches.length > 0 ? redactPii(text, matches) : text;
  const language = resolveLanguage(safeText, draft.language);
  const detail = analyzeSentiment(safeText, { language, ...(draft.rating !== undefined ? { rating: draft.rating } : {}) });
  const sentiment: Sentiment = { label: detail.label, score: detail.score };
  const intents = detectIntents(safeText, { sentiment, sarcasm: detail.sarcasm });
  const keywords = extractKeywords(safeText);
  const result: Enrichment = { language, sentiment, intents, keywords };
  const pii = summarizePii(matches);
  if (pii) result.pii = pii;
  const influence = influenceOf(draft.author);
  if (influence) result.influence = influence;
  if (options.redactStoredText) result.text = safeText;
  return result;
}
