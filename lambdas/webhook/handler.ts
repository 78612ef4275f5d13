import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { acceptWebhook } from '../core/lifecycle/accept-webhook.js';
import { loadAdapter, WEBHOOK_PLATFORMS } from '../core/platforms/adapter-loader.js';
import { requireEnv } from '../aws/env.js';
import { httpFunctionHandler } from '../aws/handler-chain.js';
import { secretReader } from '../aws/platform-secrets.js';
import { WEBHOOK_CLIENT_OPTIONS } from '../aws/sdk-client-options.js';
import { sqsEnqueue } from '../aws/sqs-intake.js';
import { toProxyResult, toWebhookRequest } from './api-gateway.js';
import { recordOutcome } from './webhook-outcome.js';

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
 * delivery; a secret or queue that cannot be reached is a 503 (the handler chain's), so the
 * platform retries.
 */
export const handler = httpFunctionHandler<APIGatewayProxyEvent, APIGatewayProxyResult>(
  'The delivery could not be stored; retry later.',
  async (event) => {
    const platform = event.pathParameters?.platform ?? '';
    const response = await acceptWebhook(platform, toWebhookRequest(event), deps);
    recordOutcome(platform, event.httpMethod, response);
    return toProxyResult(response);
  },
);
