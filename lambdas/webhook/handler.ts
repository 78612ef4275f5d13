import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { acceptWebhook, connectionSignal, json } from '../core/lifecycle/accept-webhook.js';
import { loadAdapter, WEBHOOK_PLATFORMS } from '../core/platforms/adapter-loader.js';
import { requireEnv } from '../shared/env.js';
import { WEBHOOK_CLIENT_OPTIONS } from '../shared/sdk-client-options.js';
import { logger } from '../shared/logger.js';
import { secretReader } from '../shared/platform-secrets.js';
import { sqsEnqueue } from '../shared/sqs-intake.js';
import { toProxyResult, toWebhookRequest } from './api-gateway.js';

const metrics = new Metrics({ namespace: 'Switchboard' });
const deps = {
  // Each platform's adapter is loaded on its first delivery, not at cold start.
  adapterFor: loadAdapter,
  knownPlatforms: WEBHOOK_PLATFORMS,
  secretFor: secretReader(JSON.parse(requireEnv('PLATFORM_SECRET_ARNS')) as Record<string, string>),
  enqueue: sqsEnqueue(new SQSClient(WEBHOOK_CLIENT_OPTIONS), requireEnv('INTAKE_QUEUE_URL')),
  now: () => new Date(),
};

/**
 * `GET|POST /webhooks/{platform}`. Answers 2xx only after the intake queue accepted the
 * delivery; refusals are logged by reason and status, never with the body or headers.
 */
export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => {
    const platform = event.pathParameters?.platform ?? '';
    let response;
    try {
      response = await acceptWebhook(platform, toWebhookRequest(event), deps);
    } catch (err) {
      // Secrets or the queue are unavailable: a 503 makes the platform retry the delivery later.
      logger.error('webhook could not be accepted', { platform, error: (err as Error).message });
      return toProxyResult(json(503, { error: 'unavailable', message: 'The delivery could not be stored; retry later.' }));
    }
    if (response.errorCode) logger.warn('webhook refused', { platform, status: response.statusCode, error: response.errorCode });
    else logger.info('webhook accepted', { platform, status: response.statusCode });
    const signal = WEBHOOK_PLATFORMS.includes(platform) && event.httpMethod === 'POST' ? connectionSignal(response) : undefined;
    if (signal) {
      // Connector health is these metrics (CloudWatch embedded metric format), not table writes:
      // exact per request, no write unit and no hot item per delivery. Alarms read them on AWS,
      // and the twin reads the same lines for GET /health/platforms.
      metrics.addDimension('platform', platform);
      if ('refused' in signal) {
        metrics.addMetric('WebhookRefused', MetricUnit.Count, 1);
        metrics.addMetadata('refusal', signal.refused);
      } else {
        metrics.addMetric('WebhookAccepted', MetricUnit.Count, 1);
        metrics.addMetric('EngagementsAccepted', MetricUnit.Count, signal.accepted);
      }
      metrics.publishStoredMetrics();
    }
    return toProxyResult(response);
  });
