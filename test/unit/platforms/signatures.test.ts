import { createHmac } from 'node:crypto';
import * as z from 'zod';
import { WebhookRejection } from '#core/platforms/adapter.js';
import {
  assertSignature,
  headerValue,
  hmac,
  requireHeader,
  safeEqual,
  secretValue,
  type SignatureFormat,
} from '#core/platforms/signatures.js';
import { epochTimeSchema, parseJsonBody, parsePayload } from '#core/platforms/payload.js';
import { rejectionOf } from '#test-support/webhook-requests.js';

describe('hmac', () => {
  it('matches the RFC 4231 test case 2 vector for HMAC-SHA256', () => {
    const digest = hmac('sha256', 'Jefe', 'what do ya want for nothing?').toString('hex');
    expect(digest).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('matches the RFC 2202 test case 2 vector for HMAC-SHA1', () => {
    expect(hmac('sha1', 'Jefe', 'what do ya want for nothing?').toString('hex')).toBe(
      'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79',
    );
  });

  it('hashes several parts as their concatenated bytes', () => {
    const body = Buffer.from('{"a":"é"}', 'utf8');
    const expected = createHmac('sha256', 'k')
      .update(Buffer.concat([Buffer.from('123.'), body]))
      .digest();
    expect(hmac('sha256', 'k', '123.', body).equals(expected)).toBe(true);
  });
});

describe('safeEqual', () => {
  it('compares equal and unequal values', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual(Buffer.from('abc'), 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
  });

  it('returns false instead of throwing on different lengths, empty or absent values', () => {
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', 'a')).toBe(false);
    expect(safeEqual(undefined, 'a')).toBe(false);
    expect(safeEqual('a', undefined)).toBe(false);
    expect(safeEqual(undefined, undefined)).toBe(false);
    expect(safeEqual('', '')).toBe(true);
  });
});

describe('header lookup', () => {
  it('finds a header whatever the case of its name', () => {
    expect(headerValue({ 'X-Hub-Signature-256': 'v' }, 'x-hub-signature-256')).toBe('v');
    expect(headerValue({ 'x-hub-signature-256': 'v' }, 'X-Hub-Signature-256')).toBe('v');
    expect(headerValue({ other: 'v' }, 'X-Hub-Signature-256')).toBeUndefined();
  });

  it('refuses a missing or blank header with 401 naming it', () => {
    for (const headers of [{}, { 'x-sig': '' }, { 'x-sig': '   ' }]) {
      const error = rejectionOf(() => requireHeader(headers, 'X-Sig'));
      expect(error).toMatchObject({ statusCode: 401, code: 'missing_signature' });
      expect(error.message).toContain('X-Sig');
    }
    expect(rejectionOf(() => requireHeader({}, 'X-Ts', 'missing_timestamp')).code).toBe('missing_timestamp');
  });
});

describe('assertSignature', () => {
  const hex: SignatureFormat = { header: 'X-Sig', prefix: 'sha256=', encoding: 'hex' };
  const b64: SignatureFormat = { header: 'X-Sig', prefix: 'sha256=', encoding: 'base64' };
  const expected = createHmac('sha256', 'secret').update('body').digest();

  it('accepts the right digest in either encoding (hex in any case)', () => {
    expect(() => assertSignature(hex, `sha256=${expected.toString('hex')}`, expected)).not.toThrow();
    expect(() => assertSignature(hex, `sha256=${expected.toString('hex').toUpperCase()}`, expected)).not.toThrow();
    expect(() => assertSignature(b64, `sha256=${expected.toString('base64')}`, expected)).not.toThrow();
  });

  it('refuses a wrong digest with 403 bad_signature naming the header', () => {
    const wrong = createHmac('sha256', 'other').update('body').digest();
    const error = rejectionOf(() => assertSignature(hex, `sha256=${wrong.toString('hex')}`, expected));
    expect(error).toMatchObject({ statusCode: 403, code: 'bad_signature' });
    expect(error.message).toContain('X-Sig');
    expect(error.message).toMatch(/does not match/);
  });

  it.each([
    ['no prefix', expected.toString('hex')],
    ['sha1 prefix', `sha1=${expected.toString('hex')}`],
    ['odd hex', `sha256=${expected.toString('hex').slice(1)}`],
    ['truncated', `sha256=${expected.toString('hex').slice(0, 62)}`],
    ['non-hex', `sha256=${'z'.repeat(64)}`],
    ['base64 instead of hex', `sha256=${expected.toString('base64')}`],
    ['prefix only', 'sha256='],
    ['too long', `sha256=${expected.toString('hex')}00`],
  ])('refuses a malformed hex header (%s) with 403 without throwing anything else', (_, value) => {
    const error = rejectionOf(() => assertSignature(hex, value, expected));
    expect(error).toMatchObject({ statusCode: 403, code: 'bad_signature' });
    expect(error.message).toMatch(/X-Sig is malformed/);
  });

  it.each([
    ['hex instead of base64', `sha256=${expected.toString('hex')}`],
    ['invalid characters', `sha256=${expected.toString('base64').replace(/.$/, '*')}`],
    ['missing padding', `sha256=${expected.toString('base64').replace(/=+$/, '')}`],
    ['url-safe alphabet', `sha256=${expected.toString('base64url')}=`],
  ])('refuses a malformed base64 header (%s) with 403', (_, value) => {
    expect(rejectionOf(() => assertSignature(b64, value, expected))).toMatchObject({
      statusCode: 403,
      code: 'bad_signature',
    });
  });
});

describe('body parsing', () => {
  it('refuses invalid UTF-8 and invalid JSON with 400 saying what was expected', () => {
    const utf8 = rejectionOf(() => parseJsonBody(Buffer.from([0x7b, 0xff, 0x7d]), 'a thing'));
    expect(utf8).toMatchObject({ statusCode: 400, code: 'malformed_body' });
    expect(utf8.message).toMatch(/UTF-8.*expected a thing/);
    const json = rejectionOf(() => parseJsonBody(Buffer.from('{"a":'), 'a thing'));
    expect(json).toMatchObject({ statusCode: 400, code: 'malformed_body' });
    expect(json.message).toMatch(/not valid JSON.*expected a thing/);
  });

  it('never echoes the body in the error, since error messages reach logs', () => {
    const error = rejectionOf(() => parseJsonBody(Buffer.from('{"email": alice@example.com}'), 'a thing'));
    expect(error.message).toMatch(/^Body is not valid JSON( \([^)]*\))?; expected a thing\.$/);
    expect(error.message).not.toContain('alice');
  });

  it('names the JSON path of a schema failure', () => {
    const schema = z.object({ entry: z.array(z.object({ id: z.string() })) });
    const error = rejectionOf(() => parsePayload(schema, { entry: [{ id: 'a' }, { id: 7 }] }, 'entries'));
    expect(error).toMatchObject({ statusCode: 400, code: 'malformed_body' });
    expect(error.message).toContain('Expected entries.');
    expect(error.message).toContain('body.entry[1].id');
  });

  it('reads unix times in either unit and refuses out-of-range ones', () => {
    expect(epochTimeSchema('seconds').parse(1748942000)).toBe('2025-06-03T09:13:20.000Z');
    expect(epochTimeSchema('milliseconds').parse('1748942000123')).toBe('2025-06-03T09:13:20.123Z');
    expect(epochTimeSchema('seconds').safeParse(1e16).success).toBe(false);
    expect(epochTimeSchema('seconds').safeParse('12a').success).toBe(false);
  });
});

describe('secretValue', () => {
  it("throws a plain error (a 5xx, not the caller's fault) when the key is missing", () => {
    expect(secretValue({ a: 'x' }, 'a')).toBe('x');
    expect(() => secretValue({}, 'appSecret')).toThrow(/appSecret/);
    expect(() => secretValue({}, 'appSecret')).not.toThrow(WebhookRejection);
  });
});
