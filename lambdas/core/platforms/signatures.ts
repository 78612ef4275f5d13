import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod/mini';
import type * as core from 'zod/v4/core';
// English issue messages (the 400 bodies quote them): zod's mini API sets no locale of its own,
// and this module configures it, so every adapter that parses through here has it loaded.
import '../engagement/engagement.schema.js';
import { WebhookRejection, type PlatformSecret } from './adapter.js';

/**
 * Helpers every adapter shares: HMAC over raw bytes, constant-time comparison, header lookup,
 * and turning a raw body into a typed payload with 400s that say what was wrong.
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

/** A 400 for a body the adapter cannot read. */
export function malformed(message: string): WebhookRejection {
  return new WebhookRejection(400, 'malformed_body', message);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses JSON from raw bytes; invalid UTF-8 or JSON → 400 saying what was expected. */
export function parseJsonBody(rawBody: Buffer, expected: string): unknown {
  let text: string;
  try {
    text = utf8.decode(rawBody);
  } catch {
    throw malformed(`Body is not valid UTF-8; expected ${expected}.`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // V8's message quotes the body around the error, which may be personal data that then
    // reaches logs; only where it went wrong is kept.
    const message = (error as Error).message;
    const where = /at position (\d+)/.exec(message)?.[1];
    const detail = where ? ` (at character ${where})` : /end of JSON input/.test(message) ? ' (it ends too early)' : '';
    throw malformed(`Body is not valid JSON${detail}; expected ${expected}.`);
  }
}

/**
 * Validates a payload with a zod schema; failures → 400 listing the first issues with their
 * JSON paths under `root` (e.g. `entry[0].changes[1].value.comment_id`).
 */
export function parsePayload<S extends core.$ZodType>(
  schema: S,
  value: unknown,
  expected: string,
  root = 'body',
): z.output<S> {
  const result = z.safeParse(schema, value);
  if (result.success) return result.data;
  const details = result.error.issues
    .slice(0, 3)
    .map((issue) => `${jsonPath(root, issue.path)}: ${issue.message}`)
    .join('; ');
  throw malformed(`Expected ${expected}. ${details}`);
}

function jsonPath(root: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${String(key)}`),
    root,
  );
}

/** ISO 8601 from epoch milliseconds; undefined outside the range `Date` can represent. */
export function isoFromMillis(ms: number): string | undefined {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : undefined;
}

/**
 * A unix time (number or digit string, as platforms send either) parsed to ISO 8601, so a bad
 * value fails validation with its JSON path instead of throwing later.
 */
export function epochTimeSchema(unit: 'seconds' | 'milliseconds') {
  return z.pipe(
    z.union([z.number(), z.string().check(z.regex(/^\d+$/))]),
    z.transform((value: number | string, ctx) => {
      const iso = isoFromMillis(Number(value) * (unit === 'seconds' ? 1000 : 1));
      if (iso === undefined) {
        ctx.issues.push({ code: 'custom', message: `expected unix time in ${unit}`, input: value });
        return z.NEVER;
      }
      return iso;
    }),
  );
}
