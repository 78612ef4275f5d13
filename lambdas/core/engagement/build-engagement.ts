import { extractKeywords } from '../enrichment/keywords.js';
import type { Router } from '../routing/router.js';
import { engagementId, type Engagement, type EngagementDraft } from './engagement.schema.js';

/**
 * Longest text an engagement carries. The published event and the stored item must stay
 * below EventBridge's 256 KB and DynamoDB's 400 KB; a longer text (a very long blog comment)
 * is cut, and the raw delivery keeps it whole.
 */
export const MAX_TEXT_CHARS = 20_000;

/**
 * Turns a platform draft into the published engagement: enrichment (keywords now; language,
 * sentiment and intents grow in the enrichment issue) then routing. Pure, so the process
 * function and `switchboard simulate` give the same answer for the same input.
 */
export function buildEngagement(draft: EngagementDraft, receivedAt: string, router: Router): Engagement {
  const enriched = {
    ...draft,
    text: draft.text.length > MAX_TEXT_CHARS ? `${draft.text.slice(0, MAX_TEXT_CHARS)}…` : draft.text,
    id: engagementId(draft),
    receivedAt,
    language: /^[a-z]{2}(-|_|$)/i.test(draft.language ?? '') ? draft.language!.slice(0, 2).toLowerCase() : 'und',
    intents: [],
    keywords: extractKeywords(draft.text),
  };
  return { ...enriched, routing: router.route(enriched) };
}
