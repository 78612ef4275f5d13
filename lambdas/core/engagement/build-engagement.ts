import { extractKeywords } from '../enrichment/keywords.js';
import type { Router } from '../routing/router.js';
import { engagementId, type Engagement, type EngagementDraft } from './engagement.schema.js';

/**
 * Turns a platform draft into the published engagement: enrichment (keywords now; language,
 * sentiment and intents grow in the enrichment issue) then routing. Pure, so the process
 * function and `switchboard simulate` give the same answer for the same input.
 */
export function buildEngagement(draft: EngagementDraft, receivedAt: string, router: Router): Engagement {
  const enriched = {
    ...draft,
    id: engagementId(draft),
    receivedAt,
    language: /^[a-z]{2}(-|_|$)/i.test(draft.language ?? '') ? draft.language!.slice(0, 2).toLowerCase() : 'und',
    intents: [],
    keywords: extractKeywords(draft.text),
  };
  return { ...enriched, routing: router.route(enriched) };
}
