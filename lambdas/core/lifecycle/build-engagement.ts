import { enrich, type Enrichment } from '../enrichment/enrich.js';
import { redactPii } from '../enrichment/pii.js';
import type { Enricher } from './ports/enricher.js';
import type { Router } from '../routing/router.js';
import type { RouteContext } from '../routing/crisis-playbook.js';
import { engagementId, type Engagement, type EngagementDraft } from '../engagement/engagement.schema.js';

/**
 * Longest text an engagement carries. The published event and the stored item must stay
 * below EventBridge's 256 KB and DynamoDB's 400 KB; a longer text (a very long blog comment)
 * is cut, and the raw delivery keeps it whole.
 */
export const MAX_TEXT_CHARS = 20_000;

/**
 * Turns a platform draft into the published engagement: local enrichment (language,
 * sentiment, intents, keywords — `lambdas/core/enrichment/enrich.ts`) then routing. Pure, so the
 * process function, `switchboard simulate` and `switchboard rules test` give the same answer for
 * the same input. Only the fields of the engagement contract are published; PII and influence
 * findings stay inside enrichment until the contract carries them. An enrichment computed
 * beforehand (by an asynchronous {@link Enricher}, from {@link engagementText}) is used as given.
 */
export function buildEngagement(
  draft: EngagementDraft,
  receivedAt: string,
  router: Router,
  enrichment?: Enrichment,
  context?: RouteContext,
): Engagement {
  const text = engagementText(draft);
  const { language, sentiment, intents, keywords, details } = enrichment ?? enrich({ ...draft, text });
  // Enrichment reads the original; with `redactStoredText` what is stored and published is redacted.
  const carried = router.redactStoredText ? redactPii(text) : text;
  const enriched = {
    ...draft,
    text: carried,
    id: engagementId(draft),
    receivedAt,
    language,
    sentiment,
    intents,
    keywords,
    enrichment: details,
  };
  return { ...enriched, routing: router.route(enriched, context) };
}

/** The text an engagement carries (and is enriched from): the draft's, cut at {@link MAX_TEXT_CHARS}. */
export function engagementText(draft: Pick<EngagementDraft, 'text'>): string {
  return draft.text.length > MAX_TEXT_CHARS ? `${draft.text.slice(0, MAX_TEXT_CHARS)}…` : draft.text;
}

/** Enrichment of a draft by `enricher`, from the text the engagement will carry. */
export function enrichDraft(draft: EngagementDraft, enricher: Enricher): Promise<Enrichment> {
  return enricher.enrich({ ...draft, text: engagementText(draft) });
}
