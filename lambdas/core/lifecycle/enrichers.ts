import { enrich, type EnrichInput, type Enrichment } from '../enrichment/enrich.js';
import type { Enricher } from './ports/enricher.js';

/** The pure, local enrichment of `lambdas/core/enrichment/enrich.ts` behind the port. */
export const localEnricher: Enricher = {
  enrich: (draft) => Promise.resolve(enrich(draft)),
};

/**
 * The hybrid mode: the local model reads every engagement, and only those it is unsure of (the
 * confidence of its sentiment, or of its most confident assigned intent, below `below`) are
 * read again by `cloud` (Comprehend and/or Bedrock), whose answer then stands, with mode
 * `hybrid`. The cloud enricher's own fallback (the local answer on any failure) is unchanged.
 */
export function withSecondOpinion(
  cloud: Enricher,
  below: number,
  local: (draft: EnrichInput) => Enrichment = enrich,
): Enricher {
  return {
    async enrich(draft) {
      const first = local(draft);
      if (!isUnsure(first, below)) return first;
      const second = await cloud.enrich(draft);
      return { ...second, details: { ...second.details, mode: second.details.mode === 'local' ? 'local' : 'hybrid' } };
    },
  };
}

/** True when the local model's sentiment or best assigned intent is less sure than `below`. */
export function isUnsure(e: Enrichment, below: number): boolean {
  const intent = Math.max(0, ...e.intents.map((i) => e.details.confidence.intents[i] ?? 0));
  return e.details.confidence.sentiment < below || intent < below;
}
