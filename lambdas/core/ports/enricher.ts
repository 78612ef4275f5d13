import { enrich, type EnrichInput, type Enrichment } from '../enrichment/enrich.js';

/**
 * Enrichment of one draft (language, sentiment, intents, keywords, PII, influence). The local
 * rules are the default; a cloud-backed enricher (Amazon Comprehend, Bedrock — see
 * lambdas/shared/) implements the same port. An implementation never throws: on any problem
 * it answers with the local enrichment, so a service outage never holds up routing.
 */
export interface Enricher {
  enrich(draft: EnrichInput): Promise<Enrichment>;
}

/** The pure, local enrichment of `lambdas/core/enrichment/enrich.ts` behind the port. */
export const localEnricher: Enricher = {
  enrich: (draft) => Promise.resolve(enrich(draft)),
};
