import * as z from 'zod/mini';
import type * as core from 'zod/v4/core';
// English issue messages (the 400 bodies quote them): zod's mini API sets no locale of its own,
// and this module configures it, so every adapter that parses through here has it loaded.
import '../engagement/engagement.schema.js';
import { WebhookRejection } from './adapter.js';

/**
 * Reading a verified body: JSON, form-encoded and key/value bodies from raw bytes, typed with a
 * zod schema, with 400s that say what was wrong and where (never quoting the body), and the
 * id and time shapes platforms send.
 */
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
