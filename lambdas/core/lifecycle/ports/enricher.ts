import type { EnrichInput, Enrichment } from '../../enrichment/enrich.js';

/**
 * Enrichment of one draft (language, sentiment, intents, keywords, PII, influence). The local
 * model is the default (`localEnricher` in `lifecycle/enrichers.ts`); a cloud-backed enricher
 * (Amazon Comprehend, Bedrock — see lambdas/aws/) implements the same port. An
 * implementation never throws: on any problem it answers with the local enrichment, so a
 * service outage never holds up routing.
 */
export interface Enricher {
  enrich(draft: EnrichInput): Promise<Enrichment>;
}
