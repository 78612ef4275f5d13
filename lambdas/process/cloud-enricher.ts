import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { ComprehendClient } from '@aws-sdk/client-comprehend';
import type { EnrichmentSettings } from '../core/config/config.schema.js';
import { localEnricher, withSecondOpinion } from '../core/lifecycle/enrichers.js';
import type { Enricher } from '../core/lifecycle/ports/enricher.js';
import { BedrockIntents, withBedrockIntents } from '../aws/bedrock-intents.js';
import { ComprehendEnricher } from '../aws/comprehend-enricher.js';

/**
 * The enricher a config with cloud enrichment chooses (`enrichment:`): Comprehend for language,
 * sentiment and PII, Bedrock for intents, or local enrichment with a cloud second opinion below
 * a confidence. Cloud calls get one retry and a short timeout: on throttling or failure the
 * local enrichment is used, so a slow service never holds up a batch. The process handler
 * imports this module only for such configs.
 */
export function cloudEnricher(
  settings: EnrichmentSettings,
  warn: (message: string, data: Record<string, unknown>) => void,
): Enricher {
  const requestHandler = { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true };
  let enricher: Enricher =
    settings.provider === 'comprehend'
      ? new ComprehendEnricher(new ComprehendClient({ maxAttempts: 2, requestHandler }), { log: warn })
      : localEnricher;
  if (settings.intents === 'bedrock' && settings.bedrockModelId) {
    const client = new BedrockRuntimeClient({
      maxAttempts: 2,
      requestHandler: { connectionTimeout: 1_000, requestTimeout: 4_000, throwOnRequestTimeout: true },
    });
    enricher = withBedrockIntents(enricher, new BedrockIntents(client, settings.bedrockModelId, { log: warn }));
  }
  return settings.secondOpinionBelow === undefined
    ? enricher
    : withSecondOpinion(enricher, settings.secondOpinionBelow);
}
