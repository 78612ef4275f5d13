import {
  DetectDominantLanguageCommand,
  DetectPiiEntitiesCommand,
  DetectSentimentCommand,
  type ComprehendClient,
  type LanguageCode,
  type PiiEntity,
  type SentimentScore,
} from '@aws-sdk/client-comprehend';
import { enrich, type EnrichInput, type Enrichment, type Sentiment } from '../core/enrichment/enrich.js';
import { platformLanguage } from '../core/enrichment/language.js';
import type { PiiSummary, PiiType } from '../core/enrichment/pii.js';
import type { Enricher } from '../core/lifecycle/ports/enricher.js';
import { truncateUtf8 } from '../core/shared/utf8.js';

/** Largest text, in UTF-8 bytes, the synchronous Detect* APIs accept. */
export const COMPREHEND_MAX_BYTES = 5_000;

/** Languages DetectSentiment accepts (Comprehend's own codes). */
const SENTIMENT_LANGUAGES: ReadonlySet<string> = new Set([
  'en',
  'es',
  'fr',
  'de',
  'it',
  'pt',
  'ar',
  'hi',
  'ja',
  'ko',
  'zh',
  'zh-TW',
]);
/** Languages DetectPiiEntities accepts. */
const PII_LANGUAGES: ReadonlySet<string> = new Set(['en', 'es']);
/** Comprehend PII entity types that match the kinds of the local PII summary. */
const PII_KINDS: Readonly<Partial<Record<string, PiiType>>> = {
  EMAIL: 'email',
  PHONE: 'phone',
  CREDIT_DEBIT_NUMBER: 'card',
  INTERNATIONAL_BANK_ACCOUNT_NUMBER: 'iban',
};
const PII_ORDER: PiiType[] = ['email', 'phone', 'card', 'iban'];
const THROTTLING = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
]);

/** Options of {@link ComprehendEnricher}. */
export interface ComprehendEnricherOptions {
  /** Below this DetectDominantLanguage score the language is `und`. @default 0.5 */
  minLanguageScore?: number;
  /** Below this score a PII entity is not counted. @default 0.5 */
  minPiiScore?: number;
  /** Each call is abandoned after this long, and the local answer used. @default 2 000 */
  timeoutMs?: number;
  /** Told when a field falls back to the local answer; never given the text. */
  log?(message: string, data: Record<string, unknown>): void;
}

/**
 * An {@link Enricher} backed by Amazon Comprehend for language, sentiment and PII; intents,
 * keywords and influence stay local. Never throws: a failed, throttled or timed-out call, or a
 * language Comprehend does not support, gives the local answer for that field.
 */
export class ComprehendEnricher implements Enricher {
  private readonly minLanguageScore: number;
  private readonly minPiiScore: number;
  private readonly timeoutMs: number;
  private readonly log: (message: string, data: Record<string, unknown>) => void;

  constructor(
    private readonly client: ComprehendClient,
    options: ComprehendEnricherOptions = {},
  ) {
    this.minLanguageScore = options.minLanguageScore ?? 0.5;
    this.minPiiScore = options.minPiiScore ?? 0.5;
    this.timeoutMs = options.timeoutMs ?? 2_000;
    this.log = options.log ?? (() => undefined);
  }

  async enrich(draft: EnrichInput): Promise<Enrichment> {
    const local = enrich(draft);
    const text = truncateUtf8(draft.text ?? '', COMPREHEND_MAX_BYTES);
    if (text.trim() === '') return local;
    try {
      const result: Enrichment = { ...local };
      // The platform's own tag wins, as in the local enrichment; otherwise Comprehend detects.
      const code =
        platformLanguage(draft.language) ??
        (await this.call('DetectDominantLanguage', () => this.detectLanguage(text)));
      if (code !== undefined) result.language = code === 'und' ? 'und' : primarySubtag(code);
      const comprehendCode = code ?? local.language;
      const [sentiment, pii] = await Promise.all([
        SENTIMENT_LANGUAGES.has(comprehendCode)
          ? this.call('DetectSentiment', () => this.detectSentiment(text, comprehendCode as LanguageCode))
          : undefined,
        PII_LANGUAGES.has(comprehendCode)
          ? this.call('DetectPiiEntities', () => this.detectPii(text, comprehendCode as LanguageCode))
          : undefined,
      ]);
      if (sentiment) {
        result.sentiment = sentiment;
        result.details = { ...local.details, mode: 'cloud' };
      }
      if (pii !== undefined) {
        if (pii) result.pii = pii;
        else delete result.pii;
      }
      return result;
    } catch (err) {
      this.warn('Comprehend enrichment failed; using local enrichment', err);
      return local;
    }
  }

  private async detectLanguage(text: string): Promise<string> {
    const out = await this.client.send(new DetectDominantLanguageCommand({ Text: text }), {
      abortSignal: AbortSignal.timeout(this.timeoutMs),
    });
    const best = [...(out.Languages ?? [])].sort((a, b) => (b.Score ?? 0) - (a.Score ?? 0))[0];
    if (!best?.LanguageCode || (best.Score ?? 0) < this.minLanguageScore) return 'und';
    return best.LanguageCode;
  }

  private async detectSentiment(text: string, languageCode: LanguageCode): Promise<Sentiment | undefined> {
    const out = await this.client.send(new DetectSentimentCommand({ Text: text, LanguageCode: languageCode }), {
      abortSignal: AbortSignal.timeout(this.timeoutMs),
    });
    return sentimentFrom(out.Sentiment, out.SentimentScore);
  }

  private async detectPii(text: string, languageCode: LanguageCode): Promise<PiiSummary | null> {
    const out = await this.client.send(new DetectPiiEntitiesCommand({ Text: text, LanguageCode: languageCode }), {
      abortSignal: AbortSignal.timeout(this.timeoutMs),
    });
    return piiSummaryFrom(out.Entities ?? [], this.minPiiScore);
  }

  /** Runs one call; undefined (the local answer) when it fails. */
  private async call<T>(api: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      this.warn(`Comprehend ${api} failed; using the local answer`, err);
      return undefined;
    }
  }

  private warn(message: string, err: unknown): void {
    const name = (err as { name?: unknown } | undefined)?.name;
    const error = typeof name === 'string' ? name : 'Error';
    this.log(message, {
      error,
      throttled: THROTTLING.has(error),
      timedOut: error === 'TimeoutError' || error === 'AbortError',
    });
  }
}

/** POSITIVE/NEGATIVE/NEUTRAL/MIXED and their scores → a label and a -1..1 score; MIXED is neutral. */
export function sentimentFrom(label: string | undefined, score: SentimentScore | undefined): Sentiment | undefined {
  if (!label || !score) return undefined;
  const value = Math.round(Math.max(-1, Math.min(1, (score.Positive ?? 0) - (score.Negative ?? 0))) * 1000) / 1000;
  switch (label) {
    case 'POSITIVE':
      return { label: 'positive', score: value };
    case 'NEGATIVE':
      return { label: 'negative', score: value };
    case 'NEUTRAL':
    case 'MIXED':
      return { label: 'neutral', score: value };
    default:
      return undefined;
  }
}

/** Comprehend PII entities → the kinds and count of the local summary (other types are not counted); null when none. */
export function piiSummaryFrom(entities: PiiEntity[], minScore = 0.5): PiiSummary | null {
  const kinds = entities
    .filter((e) => (e.Score ?? 0) >= minScore)
    .flatMap((e) => (e.Type && PII_KINDS[e.Type] ? [PII_KINDS[e.Type] as PiiType] : []));
  if (kinds.length === 0) return null;
  return { types: PII_ORDER.filter((t) => kinds.includes(t)), count: kinds.length };
}

function primarySubtag(code: string): string {
  return code.split('-')[0]?.toLowerCase() ?? 'und';
}
