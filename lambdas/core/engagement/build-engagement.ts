import { enrich } from '../enrichment/enrich.js';
import type { Router } from '../routing/router.js';
import { engagementId, type Engagement, type EngagementDraft } from './engagement.schema.js';

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
 * findings stay inside enrichment until the contract carries them.
 */
export function buildEngagement(draft: EngagementDraft, receivedAt: string, router: Router): Engagement {
  const text = draft.text.length > MAX_TEXT_CHARS ? `${draft.text.slice(0, MAX_TEXT_CHARS)}…` : draft.text;
  const { language, sentiment, intents, keywords } = enrich({ ...draft, text });
  const enriched = { ...draft, text, id: engagementId(draft), receivedAt, language, sentiment, intents, keywords };
  return { ...enriched, routing: router.route(enriched) };
}
