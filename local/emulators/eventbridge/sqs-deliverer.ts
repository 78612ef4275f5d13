import { SendMessageCommand, SQSClient, type MessageAttributeValue } from '@aws-sdk/client-sqs';
import { parseArn } from './arns.js';
import { DeliveryError, type DeliveryRequest, type TargetDeliverer } from './delivery.js';
import { LOCAL_CREDENTIALS } from '../local-credentials.js';

export interface SqsDelivererOptions {
  /** Base URL of the SQS endpoint, e.g. `http://127.0.0.1:9324`. */
  endpoint: string;
  region: string;
  /** Per-request timeout; a timeout is a retryable TIMEOUT failure. */
  requestTimeoutMs?: number;
}

/**
 * Delivers to `arn:aws:sqs:<region>:<account>:<queue>` targets with a real SQS client.
 * The queue URL is `<endpoint>/<account>/<queue>`, the form local-aws-sqs and ElasticMQ use
 * (local-aws-sqs looks queues up by name, so no GetQueueUrl round trip is needed).
 */
export function createSqsDeliverer(options: SqsDelivererOptions): { deliver: TargetDeliverer; close(): void } {
  const client = new SQSClient({
    endpoint: options.endpoint,
    region: options.region,
    credentials: LOCAL_CREDENTIALS,
    // EventBridge's own RetryPolicy decides about retries, not the SDK.
    maxAttempts: 1,
    requestHandler: {
      requestTimeout: options.requestTimeoutMs ?? 10_000,
      connectionTimeout: 2_000,
      throwOnRequestTimeout: true,
    },
  });
  const base = options.endpoint.replace(/\/+$/, '');

  const deliver: TargetDeliverer = async (request: DeliveryRequest) => {
    const arn = parseArn(request.targetArn);
    if (arn?.service !== 'sqs' || arn.resource === '') {
      throw new DeliveryError('INVALID_PARAMETER', `${request.targetArn} is not an SQS queue ARN.`, false);
    }
    const fifo = arn.resource.endsWith('.fifo');
    try {
      await client.send(
        new SendMessageCommand({
          QueueUrl: `${base}/${arn.accountId}/${arn.resource}`,
          MessageBody: request.body,
          MessageAttributes: toMessageAttributes(request.messageAttributes),
          // EventBridge deduplicates FIFO deliveries by event id.
          MessageGroupId: fifo ? request.messageGroupId : undefined,
          MessageDeduplicationId: fifo ? request.event.id : undefined,
        }),
      );
    } catch (error) {
      throw classifySqsError(error);
    }
  };
  return { deliver, close: () => client.destroy() };
}

function toMessageAttributes(
  attributes: Record<string, string> | undefined,
): Record<string, MessageAttributeValue> | undefined {
  if (!attributes) return undefined;
  const result: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes)) {
    // SQS rejects empty attribute values.
    result[name] = { DataType: 'String', StringValue: value === '' ? ' ' : value };
  }
  return result;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/** Maps an SQS SDK error to EventBridge's DLQ ERROR_CODE and whether EventBridge would retry it. */
export function classifySqsError(error: unknown): DeliveryError {
  const e = (error ?? {}) as {
    name?: string;
    code?: string;
    Code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const message = e.message ?? String(error);
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  if (
    name === 'QueueDoesNotExist' ||
    e.Code === 'AWS.SimpleQueueService.NonExistentQueue' ||
    name === 'AWS.SimpleQueueService.NonExistentQueue'
  ) {
    return new DeliveryError('NO_RESOURCE', message, false);
  }
  if (/AccessDenied|KmsAccessDenied|NotAuthorized/i.test(name))
    return new DeliveryError('NO_PERMISSIONS', message, false);
  if (/Throttl|RequestThrottled|OverLimit|TooManyRequests/i.test(name) || status === 429)
    return new DeliveryError('THROTTLING', message, true);
  if (name === 'TimeoutError' || e.code === 'ETIMEDOUT' || /timed? ?out/i.test(message))
    return new DeliveryError('TIMEOUT', message, true);
  if ((e.code && NETWORK_CODES.has(e.code)) || /ECONNREFUSED|ECONNRESET|socket hang up/.test(message)) {
    return new DeliveryError('CONNECTION_FAILURE', message, true);
  }
  if (status !== undefined && status >= 500) return new DeliveryError('INTERNAL_ERROR', message, true);
  if (status !== undefined && status >= 400) return new DeliveryError('INVALID_PARAMETER', message, false);
  return new DeliveryError('SDK_CLIENT_ERROR', message, true);
}
