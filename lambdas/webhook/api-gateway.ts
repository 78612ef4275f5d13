import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { WebhookRequest, WebhookResponse } from '../core/platforms/adapter.js';

/**
 * Adapts an API Gateway (REST, proxy integration) event to a {@link WebhookRequest}: the
 * headers (names already lower-cased by the handler chain's header normaliser) and the body
 * back to the exact bytes the platform signed.
 */
export function toWebhookRequest(event: APIGatewayProxyEvent): WebhookRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers[name] = value;
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {}))
    if (value !== undefined) query[name] = value;
  return {
    method: event.httpMethod.toUpperCase(),
    headers,
    query,
    rawBody: Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8'),
  };
}

/** Maps the domain response to the proxy-integration result. */
export function toProxyResult(response: WebhookResponse): APIGatewayProxyResult {
  return { statusCode: response.statusCode, headers: response.headers, body: response.body };
}
