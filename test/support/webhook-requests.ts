import { WebhookRejection, type PlatformAdapter, type WebhookRequest } from '#core/platforms/adapter.js';
import { thrownBy } from './errors.js';

/** A POST as the webhook handler hands it to an adapter; `body` text is sent as UTF-8. */
export function postRequest(body: string | Buffer, headers: Record<string, string>): WebhookRequest {
  return { method: 'POST', headers, query: {}, rawBody: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8') };
}

/** A GET (a platform's handshake) with the given query and no body. */
export const getRequest = (query: Record<string, string>): WebhookRequest => ({
  method: 'GET',
  headers: {},
  query,
  rawBody: Buffer.alloc(0),
});

/** The {@link WebhookRejection} `fn` throws; fails the test when it throws nothing or something else. */
export const rejectionOf = (fn: () => unknown): WebhookRejection => thrownBy(WebhookRejection, fn);

/** The clock the adapter unit tests verify signatures against. */
export const ADAPTER_NOW = new Date('2025-06-03T10:00:00Z');

/** The accept context the adapter unit tests normalize with, one second after {@link ADAPTER_NOW}. */
export const ADAPTER_CONTEXT = { receivedAt: '2025-06-03T10:00:01.000Z', headers: {} };

/** Normalizes `body` serialised as compact JSON. */
export const normalizeJson = (adapter: PlatformAdapter, body: unknown) =>
  adapter.normalize(Buffer.from(JSON.stringify(body)), ADAPTER_CONTEXT);

/** Asserts that the adapter refuses `raw` with 400 malformed_body and a message matching `pattern`. */
export function expectMalformedBody(adapter: PlatformAdapter, raw: string, pattern: RegExp): void {
  const error = rejectionOf(() => adapter.normalize(Buffer.from(raw), ADAPTER_CONTEXT));
  expect(error).toMatchObject({ statusCode: 400, code: 'malformed_body' });
  expect(error.message).toMatch(pattern);
}
