import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { connectionSignal } from '../core/lifecycle/accept-webhook.js';
import type { WebhookResponse } from '../core/platforms/adapter.js';
import { WEBHOOK_PLATFORMS } from '../core/platforms/adapter-loader.js';
import { metrics } from '../aws/handler-chain.js';
import { logger } from '../aws/logger.js';

/**
 * Logs a webhook's answer by platform, status and refusal reason (never the body or headers)
 * and records what it says about the platform's connection as metrics. Connector health is these
 * metrics (CloudWatch embedded metric format), not table writes: exact per request, no write unit
 * and no hot item per delivery. Alarms read them on AWS, and the twin reads the same lines for
 * GET /health/platforms.
 */
export function recordOutcome(platform: string, method: string, response: WebhookResponse): void {
  if (response.errorCode)
    logger.warn('webhook refused', { platform, status: response.statusCode, error: response.errorCode });
  else logger.info('webhook accepted', { platform, status: response.statusCode });
  const signal = WEBHOOK_PLATFORMS.includes(platform) && method === 'POST' ? connectionSignal(response) : undefined;
  if (!signal) return;
  metrics.addDimension('platform', platform);
  if ('refused' in signal) {
    metrics.addMetric('WebhookRefused', MetricUnit.Count, 1);
    metrics.addMetadata('refusal', signal.refused);
  } else {
    metrics.addMetric('WebhookAccepted', MetricUnit.Count, 1);
    metrics.addMetric('EngagementsAccepted', MetricUnit.Count, signal.accepted);
  }
}
