import { EngagementDraftSchema } from '#core/engagement/engagement.schema.js';
import type { WebhookRequest } from '#core/platforms/adapter.js';
import { genericAdapter } from '#core/platforms/generic.js';
import { hubSignature, switchboardHeaders, switchboardSignature, unixSeconds } from '#test-support/signatures.js';
import {
  ADAPTER_CONTEXT as context,
  ADAPTER_NOW as now,
  expectMalformedBody,
  normalizeJson,
  postRequest,
  rejectionOf,
} from '#test-support/webhook-requests.js';

const secret = { signingSecret: 'test-signing-secret' };
const nowSeconds = unixSeconds(now);
const body = JSON.stringify({ id: 'ticket-1', text: 'Refund, please', author: { id: 'cust-1' } });

const sign = (timestamp: number | string, raw: string, key = secret.signingSecret) =>
  switchboardSignature(key, timestamp, raw);
const post = (headers: Record<string, string>, raw = body) => postRequest(raw, headers);
const signed = (timestamp: number, raw = body) =>
  postRequest(raw, switchboardHeaders(secret.signingSecret, timestamp, raw));

const verify = (request: WebhookRequest) => () => genericAdapter.verify(request, secret, now);
const normalize = (value: unknown) => normalizeJson(genericAdapter, value);

describe('generic signature', () => {
  it('has no handshake', () => {
    expect(genericAdapter.handshake).toBeUndefined();
  });

  it('accepts sha256=hex(HMAC(secret, "<timestamp>.<raw body>")) with a current timestamp', () => {
    expect(verify(signed(nowSeconds))).not.toThrow();
    const nonAscii = JSON.stringify({ id: 'é', text: 'Très bien 👍', author: { id: 'a' } });
    expect(verify(signed(nowSeconds, nonAscii))).not.toThrow();
  });

  it('accepts timestamps up to exactly 5 minutes old or ahead', () => {
    expect(verify(signed(nowSeconds - 300))).not.toThrow();
    expect(verify(signed(nowSeconds + 300))).not.toThrow();
  });

  it('refuses a timestamp older than 5 minutes with 401 stale_timestamp, even when correctly signed', () => {
    const error = rejectionOf(verify(signed(nowSeconds - 301)));
    expect(error).toMatchObject({ statusCode: 401, code: 'stale_timestamp' });
    expect(error.message).toMatch(/X-Switchboard-Timestamp is 301 s old/);
  });

  it('refuses a timestamp more than 5 minutes in the future with 401 stale_timestamp', () => {
    const error = rejectionOf(verify(signed(nowSeconds + 301)));
    expect(error).toMatchObject({ statusCode: 401, code: 'stale_timestamp' });
    expect(error.message).toMatch(/in the future/);
  });

  it('hints at milliseconds when the timestamp is one', () => {
    const ms = now.getTime();
    const request = post({ 'x-switchboard-timestamp': String(ms), 'x-switchboard-signature': sign(ms, body) });
    expect(rejectionOf(verify(request)).message).toMatch(/milliseconds/);
  });

  it('refuses missing headers with 401 naming them', () => {
    const noSignature = rejectionOf(verify(post({ 'x-switchboard-timestamp': String(nowSeconds) })));
    expect(noSignature).toMatchObject({ statusCode: 401, code: 'missing_signature' });
    expect(noSignature.message).toContain('X-Switchboard-Signature');
    const noTimestamp = rejectionOf(verify(post({ 'x-switchboard-signature': sign(nowSeconds, body) })));
    expect(noTimestamp).toMatchObject({ statusCode: 401, code: 'missing_timestamp' });
    expect(noTimestamp.message).toContain('X-Switchboard-Timestamp');
  });

  it('refuses a non-numeric timestamp with 403 bad_timestamp', () => {
    const iso = '2025-06-03T10:00:00Z';
    const error = rejectionOf(
      verify(post({ 'x-switchboard-timestamp': iso, 'x-switchboard-signature': sign(iso, body) })),
    );
    expect(error).toMatchObject({ statusCode: 403, code: 'bad_timestamp' });
  });

  it.each([
    ['a tampered body', { ...signed(nowSeconds), rawBody: Buffer.from(body.replace('Refund', 'Refunds')) }],
    [
      'a wrong secret',
      post({
        'x-switchboard-timestamp': String(nowSeconds),
        'x-switchboard-signature': sign(nowSeconds, body, 'other'),
      }),
    ],
    [
      'a signature reused with a new timestamp',
      post({ 'x-switchboard-timestamp': String(nowSeconds), 'x-switchboard-signature': sign(nowSeconds - 60, body) }),
    ],
    [
      'a signature over the body alone',
      post({
        'x-switchboard-timestamp': String(nowSeconds),
        'x-switchboard-signature': hubSignature(body, secret.signingSecret),
      }),
    ],
  ])('refuses %s with 403 bad_signature', (_, request) => {
    expect(rejectionOf(verify(request))).toMatchObject({ statusCode: 403, code: 'bad_signature' });
  });

  it.each(['sha256=xyz', 'md5=abcd', sign(nowSeconds, body).replace('sha256=', '')])(
    'refuses a malformed signature %p with 403 naming the header',
    (value) => {
      const error = rejectionOf(
        verify(post({ 'x-switchboard-timestamp': String(nowSeconds), 'x-switchboard-signature': value })),
      );
      expect(error).toMatchObject({ statusCode: 403, code: 'bad_signature' });
      expect(error.message).toContain('X-Switchboard-Signature');
    },
  );
});

describe('generic normalize', () => {
  it('maps a single draft with defaults for kind, handle, name and createdAt', () => {
    const events = normalize({ id: 'ticket-1', text: 'Refund, please', author: { id: 'cust-1' } });
    expect(events).toEqual([
      {
        change: 'created',
        draft: {
          platform: 'generic',
          kind: 'post',
          externalId: 'ticket-1',
          text: 'Refund, please',
          createdAt: context.receivedAt,
          author: { id: 'cust-1', handle: '', name: '' },
        },
      },
    ]);
    expect(EngagementDraftSchema.safeParse(events[0]?.draft).success).toBe(true);
  });

  it('keeps every optional field a sender gives', () => {
    const [event] = normalize({
      id: 'f-2',
      kind: 'reply',
      text: 'Same here',
      author: { id: 'u-5', handle: 'tinkerer', name: 'T. Inkerer', followers: 42 },
      createdAt: '2025-06-03T11:20:00+02:00',
      url: 'https://community.example.org/t/1',
      account: { id: 'forum', handle: 'acme-forum' },
      thread: { parentId: 'f-1', conversationId: 'f-1' },
      language: 'en',
    });
    expect(event?.draft).toEqual({
      platform: 'generic',
      kind: 'reply',
      externalId: 'f-2',
      text: 'Same here',
      author: { id: 'u-5', handle: 'tinkerer', name: 'T. Inkerer', followers: 42 },
      createdAt: '2025-06-03T11:20:00+02:00',
      url: 'https://community.example.org/t/1',
      account: { id: 'forum', handle: 'acme-forum' },
      thread: { parentId: 'f-1', conversationId: 'f-1' },
      language: 'en',
    });
    expect(EngagementDraftSchema.safeParse(event?.draft).success).toBe(true);
  });

  it('maps an array of drafts in order, and an empty array to nothing', () => {
    const events = normalize([
      { id: 'a', text: '1', author: { id: 'x' } },
      { id: 'b', text: '2', author: { id: 'y' }, kind: 'review' },
    ]);
    expect(events.map((e) => [e.draft.externalId, e.draft.kind])).toEqual([
      ['a', 'post'],
      ['b', 'review'],
    ]);
    expect(normalize([])).toEqual([]);
  });

  const expect400 = (raw: string, pattern: RegExp) => expectMalformedBody(genericAdapter, raw, pattern);

  it('refuses bad JSON and non-object bodies, saying what was expected', () => {
    expect400('{', /not valid JSON.*engagement draft object or a JSON array/);
    expect400('"hello"', /engagement draft.*draft: .*expected object/);
    expect400('null', /expected object/);
  });

  it('names the failing index and field of an array', () => {
    const drafts = [
      { id: 'a', text: '1', author: { id: 'x' } },
      { id: 'b', text: '2', author: {} },
    ];
    expect400(JSON.stringify(drafts), /drafts\[1\]\.author\.id/);
  });

  it.each([
    ['a missing text', { id: 'a', author: { id: 'x' } }, /draft\.text/],
    [
      'a numeric id (would lose digits)',
      { id: 1930697412345678901, text: '', author: { id: 'x' } },
      /draft\.id.*expected string/,
    ],
    ['an empty id', { id: '', text: '', author: { id: 'x' } }, /draft\.id/],
    ['an unknown kind', { id: 'a', text: '', author: { id: 'x' }, kind: 'tweet' }, /draft\.kind/],
    [
      'a createdAt without time zone',
      { id: 'a', text: '', author: { id: 'x' }, createdAt: '2025-06-03 10:00' },
      /draft\.createdAt/,
    ],
    ['a non-http url', { id: 'a', text: '', author: { id: 'x' }, url: 'javascript:alert(1)' }, /draft\.url/],
    [
      'a language that is not ISO 639-1',
      { id: 'a', text: '', author: { id: 'x' }, language: 'en-US' },
      /draft\.language.*ISO 639-1/,
    ],
    ['negative followers', { id: 'a', text: '', author: { id: 'x', followers: -1 } }, /draft\.author\.followers/],
  ])('refuses %s with 400 naming the field', (_, draft, pattern) => {
    expect400(JSON.stringify(draft), pattern);
  });
});
