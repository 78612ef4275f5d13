import { createHash, timingSafeEqual } from 'node:crypto';
import * as z from 'zod/mini';
import { WebhookRejection, type PlatformSecret, type WebhookRequest } from './adapter.js';
import { malformed, parseJsonBody, secretValue } from './signatures.js';

/**
 * Helpers for the platforms that sign nothing (WordPress.com, Trustpilot, Google Business
 * Profile via Pub/Sub push, Foursquare) and so prove themselves with a shared secret: a token in
 * the webhook URL or a secret parameter in the body. Also the body formats those platforms use:
 * form-encoded key/value pairs, JSON strings inside them, and JSON read without losing the
 * digits of integers beyond 2^53.
 */

/**
 * Constant-time comparison that does not even leak the length: both sides are hashed to 32
 * bytes first, so `timingSafeEqual` always compares equal-length buffers.
 */
function sameSecret(received: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(received), digest(expected));
}

/**
 * Checks a shared secret the platform sent (`where` names it for the error message, e.g.
 * `token query parameter`): absent or blank → 401 `missing_signature`, different → 403
 * `bad_signature`. Neither message repeats the value received.
 */
export function assertSharedSecret(received: string | undefined, expected: string, where: string, hint?: string): void {
  if (received === undefined || received.trim() === '') {
    throw new WebhookRejection(401, 'missing_signature', `Missing ${where}${hint ? ` (${hint})` : ''}.`);
  }
  if (!sameSecret(received, expected)) {
    throw new WebhookRejection(
      403,
      'bad_signature',
      `${where[0]?.toUpperCase() ?? ''}${where.slice(1)} does not match the configured secret.`,
    );
  }
}

/**
 * The `?token=` of the webhook URL compared with the platform secret's `key`, for platforms that
 * send no signature: the URL registered with the platform carries the token. `platform` names
 * the platform in the hint of a 401.
 */
export function assertQueryToken(request: WebhookRequest, secret: PlatformSecret, key: string, platform: string): void {
  assertSharedSecret(
    request.query.token,
    secretValue(secret, key),
    'token query parameter',
    `the webhook URL registered with ${platform} must end in ?token=<the secret's ${key}>`,
  );
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** `application/x-www-form-urlencoded` decoding of one key or value; undefined when malformed. */
function decodeFormComponent(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

/**
 * Parses a form-encoded body strictly (bad percent-escapes and invalid UTF-8 are refused instead
 * of being replaced by U+FFFD as URLSearchParams would). A repeated key keeps its last value, as
 * PHP senders expect.
 */
export function parseFormBody(rawBody: Buffer, expected: string): Record<string, string> {
  let text: string;
  try {
    text = utf8.decode(rawBody);
  } catch {
    throw malformed(`Body is not valid UTF-8; expected ${expected}.`);
  }
  const pairs: [string, string][] = [];
  for (const [index, pair] of text.split('&').entries()) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeFormComponent(eq < 0 ? pair : pair.slice(0, eq));
    const value = decodeFormComponent(eq < 0 ? '' : pair.slice(eq + 1));
    if (key === undefined || value === undefined) {
      throw malformed(
        `Body is not valid form encoding (bad percent-escape in pair ${index + 1}); expected ${expected}.`,
      );
    }
    pairs.push([key, value]);
  }
  // fromEntries defines own properties, so a "__proto__" key is plain data.
  return Object.fromEntries(pairs);
}

/**
 * A body that is either a JSON object or form-encoded key/value pairs, told apart by its first
 * non-blank byte (`{` → JSON), so the adapter reads it the same way whether or not the
 * Content-Type header survived (the intake queue keeps it, hand-made requests may not).
 */
export function parseKeyValueBody(rawBody: Buffer, expected: string): Record<string, unknown> {
  const first = rawBody.find((byte) => byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d);
  if (first !== 0x7b) return parseFormBody(rawBody, expected);
  const value = parseJsonBody(rawBody, expected);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw malformed(`Expected ${expected}.`);
  return value as Record<string, unknown>;
}

/**
 * JSON.parse that keeps integers beyond 2^53 as their digit strings (Node ≥ 21 gives revivers the
 * source text), so a numeric id in a nested JSON string keeps every digit. Undefined when the
 * text is not JSON; callers turn that into a 400 naming the field, never quoting it.
 */
export function parseJsonPrecise(text: string): unknown {
  try {
    return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) =>
      typeof value === 'number' &&
      !Number.isSafeInteger(value) &&
      context?.source !== undefined &&
      /^-?\d+$/.test(context.source)
        ? context.source
        : value,
    ) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * A platform id as a string: strings as sent; numbers only while they are exact (a number beyond
 * 2^53 has already lost digits, so it is refused rather than stored wrong).
 */
export const IdSchema = z.pipe(
  z.union([
    z.string().check(z.minLength(1)),
    z.int().check(
      z.nonnegative(),
      z.refine(Number.isSafeInteger, {
        message: 'a number beyond 2^53 has lost digits; expected the id as a string',
      }),
    ),
  ]),
  z.transform(String),
);
