import { createHmac } from 'node:crypto';

/**
 * Platform signatures computed with node:crypto directly, independently of the adapters' own
 * helpers, so a test that signs with these checks an adapter against a second implementation.
 */

/** Meta's `X-Hub-Signature-256` value: `sha256=<hex HMAC-SHA256(key, body)>`. */
export const hubSignature = (body: string | Buffer, key: string): string =>
  `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;

/** X's `X-Twitter-Webhooks-Signature` value: `sha256=<base64 HMAC-SHA256(key, body)>`. */
export const xSignature = (body: string | Buffer, key: string): string =>
  `sha256=${createHmac('sha256', key).update(body).digest('base64')}`;

/** The generic scheme's `X-Switchboard-Signature` value: `sha256=<hex HMAC-SHA256(key, "<timestamp>.<body>")>`. */
export const switchboardSignature = (key: string, timestamp: number | string, body: string): string =>
  `sha256=${createHmac('sha256', key).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;

/** Both generic-scheme headers, with lower-case names. */
export const switchboardHeaders = (key: string, timestamp: number, body: string): Record<string, string> => ({
  'x-switchboard-timestamp': String(timestamp),
  'x-switchboard-signature': switchboardSignature(key, timestamp, body),
});

/** Unix seconds of a date, as the generic scheme's timestamp header carries them. */
export const unixSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);
