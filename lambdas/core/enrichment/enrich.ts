import { INTENTS, type Intent } from '../engagement/engagement.schema.js';
import { influenceOf, type Influence } from './influence.js';
import { extractKeywords } from './keywords.js';
import { chooseLanguage, platformLanguage } from './language.js';
import { decideIntents, decideSentiment, score, type EnrichmentModel } from './model/network.js';
import { shippedModel } from './model/shipped-model.js';
import { findPii, redactPii, summarizePii, type PiiSummary } from './pii.js';

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
  /** The model to use; the shipped one by default (tests and `npm run eval` pass others). */
  model?: EnrichmentModel;
}

/** Sentiment label with a score in -1..1 (positive minus negative probability). */
export interface Sentiment {
  label: 'positive' | 'neutral' | 'negative';
  score: number;
}

/** How sure the model is: the probability of the sentiment label given and of every intent. */
export interface EnrichmentConfidence {
  sentiment: number;
  intents: Partial<Record<Intent, number>>;
}

/**
 * Which model read the text, how, and how sure it was: the engagement's `enrichment` field
 * (a version-1 addition consumers may ignore) and the audit record's model version.
 */
export interface EnrichmentDetails {
  /** The model's name, e.g. `switchboard-linear-v1`, or the cloud service's. */
  model: string;
  /** The model file's digest: changes whenever the model is retrained. */
  version: string;
  /** `local`: the shipped model only; `cloud`: a cloud service answered; `hybrid`: local, with a cloud second opinion where it was unsure. */
  mode: 'local' | 'hybrid' | 'cloud';
  confidence: EnrichmentConfidence;
}

export interface Enrichment {
  language: string;
  sentiment: Sentiment;
  intents: Intent[];
  keywords: string[];
  details: EnrichmentDetails;
  /** Present when the text holds personal data (kinds and count, never the values). */
  pii?: PiiSummary;
  /** Present when the platform gives a follower count. */
  influence?: Influence;
  /** Present with `redactStoredText`: the text to store. */
  text?: string;
}

const round = (p: number): number => Math.round(p * 1000) / 1000;

/**
 * Enrichment of one draft: language, sentiment and intents from the trained model
 * (`model/`), keywords, PII and influence. Pure and local (the model ships in the bundle), so
 * the process Lambda and `switchboard simulate` agree. The model and the keywords read the text
 * with PII redacted, so a phone number or card never becomes a routable keyword.
 */
export function enrich(draft: EnrichInput, options: EnrichOptions = {}): Enrichment {
  const model = options.model ?? shippedModel();
  const text = draft.text ?? '';
  const matches = findPii(text);
  const safeText = matches.length > 0 ? redactPii(text, matches) : text;
  const {
    intents: intentP,
    sentiment: sentimentP,
    language: languageP,
  } = score(model, { text: safeText, rating: draft.rating });

  const s = decideSentiment(model, sentimentP);
  const p = (label: string) => sentimentP[model.sentiments.indexOf(label)] ?? 0;
  const sentiment: Sentiment = {
    label: model.sentiments[s] as Sentiment['label'],
    score: round(p('positive') - p('negative')),
  };
  const intents = consistentWithSentiment(
    decideIntents(model, intentP).map((i) => model.intents[i] as Intent),
    sentiment.label,
    intentP,
    model,
  ).sort((a, b) => INTENTS.indexOf(a) - INTENTS.indexOf(b));
  const confidence: EnrichmentConfidence = {
    sentiment: round(sentimentP[s]!),
    intents: Object.fromEntries(model.intents.map((intent, i) => [intent, round(intentP[i]!)])),
  };
  const language = platformLanguage(draft.language) ?? chooseLanguage(safeText, model.languages, languageP);
  const [name, version = ''] = model.version.split('@');
  const details: EnrichmentDetails = { model: name!, version, mode: 'local', confidence };
  const result: Enrichment = { language, sentiment, intents, keywords: extractKeywords(safeText), details };
  const pii = summarizePii(matches);
  if (pii) result.pii = pii;
  const influence = influenceOf(draft.author);
  if (influence) result.influence = influence;
  if (options.redactStoredText) result.text = safeText;
  return result;
}

/**
 * A clearly positive text is not a complaint or a bug report unless the model is sure of it
 * ("works great since the update" is praise, not a bug): the intent head alone leans on words
 * like "update" that mostly come with problems.
 */
function consistentWithSentiment(
  intents: Intent[],
  label: Sentiment['label'],
  p: Float32Array,
  model: EnrichmentModel,
): Intent[] {
  if (label !== 'positive') return intents;
  const kept = intents.filter((i) => (i !== 'complaint' && i !== 'bug_report') || p[model.intents.indexOf(i)]! >= 0.9);
  return kept.length > 0 ? kept : intents;
}
