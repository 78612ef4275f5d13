import { createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookRejection, type PlatformSecret } from './adapter.js';

/**
 * Proof of origin every signing adapter shares: HMAC over the raw bytes, constant-time
 * comparison, header lookup, and the platform secret's keys.
 */
export type HmacAlgorithm = 'sha256' | 'sha1';
export type DigestEncoding = 'hex' | 'base64';

/** HMAC of the concatenated parts, fed as bytes so the input is never re-encoded. */
export function hmac(algorithm: HmacAlgorithm, key: string, ...parts: readonly (Buffer | string)[]): Buffer {
  const mac = createHmac(algorithm, key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/**
 * Constant-time equality. Unequal lengths (and absent values) return false before comparing,
 * because `timingSafeEqual` throws on them; the length itself is not secret.
 */
export function safeEqual(a: Buffer | string | undefined, b: Buffer | string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const left = typeof a === 'string' ? Buffer.from(a, 'utf8') : a;
  const right = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Case-insensitive header lookup: the webhook function lower-cases names, but REST API proxy
 * events and hand-built test requests keep the sender's case.
 */
export function headerValue(headers: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const direct = headers[wanted];
  if (direct !== undefined) return direct;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** A header's trimmed value; absent or blank → 401 naming the header. */
export function requireHeader(
  headers: Readonly<Record<string, string | undefined>>,
  name: string,
  code = 'missing_signature',
): string {
  const value = headerValue(headers, name)?.trim();
  if (!value) throw new WebhookRejection(401, code, `Missing ${name} header.`);
  return value;
}

/** How one platform writes its signature header, e.g. `sha256=` + base64. */
export interface SignatureFormat {
  /** Header name as documented (used in error messages). */
  header: string;
  prefix: string;
  encoding: DigestEncoding;
}

/**
 * Checks a received `<prefix><digest>` header value against the expected MAC bytes.
 * Malformed and wrong values are both 403 'bad_signature'; the message names the header.
 */
export function assertSignature(format: SignatureFormat, received: string, expected: Buffer): void {
  const digest = received.startsWith(format.prefix)
    ? decodeDigest(received.slice(format.prefix.length), format.encoding)
    : undefined;
  if (digest === undefined || digest.length !== expected.length) {
    throw new WebhookRejection(
      403,
      'bad_signature',
      `${format.header} is malformed: expected "${format.prefix}<${format.encoding} HMAC digest>".`,
    );
  }
  if (!timingSafeEqual(digest, expected)) {
    throw new WebhookRejection(403, 'bad_signature', `${format.header} does not match the request body.`);
  }
}

/** Strict decoding: Buffer.from silently skips invalid characters, which would hide a malformed header. */
function decodeDigest(text: string, encoding: DigestEncoding): Buffer | undefined {
  if (encoding === 'hex') {
    return /^(?:[0-9a-fA-F]{2})+$/.test(text) ? Buffer.from(text, 'hex') : undefined;
  }
  const bytes = Buffer.from(text, 'base64');
  return bytes.length > 0 && bytes.toString('base64') === text ? bytes : undefined;
}

/**
 * One key of a platform secret. A missing key is an operator error (the secret was loaded
 * without it), not the caller's fault, so it is a plain Error and becomes a 5xx.
 */
export function secretValue(secret: PlatformSecret, key: string): string {
  const value = secret[key];
  if (!value) throw new Error(`Platform secret has no "${key}".`);
  return value;
}
