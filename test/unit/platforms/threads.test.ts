import { createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { readSamples, sampleBody } from '#events/sign-sample.js';
import { EngagementDraftSchema } from '#core/engagement/engagement.schema.js';
import { threadsAdapter } from '#core/platforms/threads.js';
import {
  ADAPTER_CONTEXT as context,
  ADAPTER_NOW as now,
  expectMalformedBody,
  getRequest as get,
  normalizeJson,
  postRequest,
  rejectionOf,
} from '#test-support/webhook-requests.js';

const secret = { appSecret: 'test-threads-app-secret', verifyToken: 'test-threads-verify-token' };
const ACCOUNT = '24000000000000001';
const ROOT = '18100000000000001';

/** Computed here with node:crypto, independently of the adapter's helpers. */
const sign = (body: string | Buffer, key = secret.appSecret) =>
  `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
const post = (body: string, headers?: Record<string, string>) =>
  postRequest(body, headers ?? { 'x-hub-signature-256': sign(body) });
const normalize = (body: unknown) => normalizeJson(threadsAdapter, body);
const expect400 = (body: string, pattern: RegExp) => expectMalformedBody(threadsAdapter, body, pattern);

const delivery = (values: unknown, overrides: Record<string, unknown> = {}) => ({
  app_id: '123456789012345',
  topic: 'moderate',
  target_id: ACCOUNT,
  time: 1748942100,
  subscription_id: '77001',
  has_uid_field: false,
  values,
  ...overrides,
});

const reply = (overrides: Record<string, unknown> = {}) => ({
  field: 'replies',
  value: {
    id: '18100000000000009',
    username: 'sam.lee',
    text: 'Same problem here since the update',
    media_type: 'TEXT_POST',
    permalink: 'https://www.threads.net/@sam.lee/post/AbC',
    shortcode: 'AbC',
    timestamp: '2025-06-03T09:15:00+0000',
    replied_to: { id: ROOT },
    root_post: { id: ROOT, owner_id: ACCOUNT, username: 'acme' },
    ...overrides,
  },
});

const mention = (overrides: Record<string, unknown> = {}) => ({
  field: 'mentions',
  value: {
    id: '18100000000000044',
    username: 'lena.park',
    text: 'Thanks @acme 🙌',
    media_type: 'TEXT_POST',
    permalink: 'https://www.threads.net/@lena.park/post/DxYz12',
    timestamp: '2025-06-03T11:02:45+0000',
    is_reply: false,
    ...overrides,
  },
});

describe('Threads verification request (Meta hub.challenge)', () => {
  const query = {
    'hub.mode': 'subscribe',
    'hub.challenge': 'threads-challenge-42',
    'hub.verify_token': secret.verifyToken,
  };

  it('echoes hub.challenge as text/plain when the verify token matches', () => {
    expect(threadsAdapter.handshake!(get(query), secret)).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
      body: 'threads-challenge-42',
    });
  });

  it.each([
    ['a wrong verify token', { ...query, 'hub.verify_token': 'test-verify-token' }, 'bad_verify_token'],
    ['no verify token', { 'hub.mode': 'subscribe', 'hub.challenge': '1' }, 'bad_verify_token'],
    ['no mode', { 'hub.challenge': '1', 'hub.verify_token': secret.verifyToken }, 'bad_hub_mode'],
  ])('refuses %s with 403', (_, q, code) => {
    expect(rejectionOf(() => threadsAdapter.handshake!(get(q as Record<string, string>), secret))).toMatchObject({
      statusCode: 403,
      code,
    });
  });

  it('refuses a verified request without hub.challenge with 400', () => {
    const { 'hub.challenge': _, ...rest } = query;
    expect(rejectionOf(() => threadsAdapter.handshake!(get(rest), secret))).toMatchObject({
      statusCode: 400,
      code: 'missing_challenge',
    });
  });
});

describe('Threads signature (X-Hub-Signature-256, assumed Meta scheme)', () => {
  const body = JSON.stringify(delivery(reply()));

  it('accepts a fixed vector: hex HMAC-SHA256 of the raw body with the Threads app secret', () => {
    const raw = '{"target_id":"24000000000000001","values":[]}';
    const vector = 'sha256=f6dbcfb80bf1561c5e6651e8faa3a5d0aa4f9a184e3edbd8c9441c06cffbcd30';
    expect(sign(raw)).toBe(vector);
    expect(() => threadsAdapter.verify(post(raw, { 'x-hub-signature-256': vector }), secret, now)).not.toThrow();
    expect(() => threadsAdapter.verify(post(body, { 'X-HUB-SIGNATURE-256': sign(body) }), secret, now)).not.toThrow();
  });

  it('refuses an unsigned delivery with 401 naming the header', () => {
    const error = rejectionOf(() => threadsAdapter.verify(post(body, {}), secret, now));
    expect(error).toMatchObject({ statusCode: 401, code: 'missing_signature' });
    expect(error.message).toContain('X-Hub-Signature-256');
  });

  it('refuses a tampered body and a wrong secret with 403', () => {
    const tampered = { ...post(body), rawBody: Buffer.from(body.replace('Same problem', 'Sane problem')) };
    expect(rejectionOf(() => threadsAdapter.verify(tampered, secret, now))).toMatchObject({
      statusCode: 403,
      code: 'bad_signature',
    });
    const wrongKey = post(body, { 'x-hub-signature-256': sign(body, 'test-app-secret') });
    expect(rejectionOf(() => threadsAdapter.verify(wrongKey, secret, now))).toMatchObject({
      statusCode: 403,
      code: 'bad_signature',
    });
  });

  it.each([
    ['upper-case prefix', sign(body).replace('sha256=', 'SHA256=')],
    ['no prefix', sign(body).slice('sha256='.length)],
    ['base64 digest', `sha256=${createHmac('sha256', secret.appSecret).update(body).digest('base64')}`],
  ])('refuses a malformed header (%s) with 403 naming it', (_, value) => {
    const error = rejectionOf(() => threadsAdapter.verify(post(body, { 'x-hub-signature-256': value }), secret, now));
    expect(error).toMatchObject({ statusCode: 403, code: 'bad_signature' });
    expect(error.message).toContain('X-Hub-Signature-256');
  });

  it('has no replay window (no signed timestamp): an old delivery still verifies; dedup is the defence', () => {
    expect(() => threadsAdapter.verify(post(body), secret, new Date('2035-01-01T00:00:00Z'))).not.toThrow();
  });

  it('verifies the \\uXXXX- and \\/-escaped bytes Meta sends, not a re-serialised body', () => {
    const escaped = JSON.stringify(delivery(reply({ text: 'Très déçue 😞 返金' })))
      .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
      .replaceAll('/', '\\/');
    const request = post(escaped);
    expect(() => threadsAdapter.verify(request, secret, now)).not.toThrow();
    expect(
      rejectionOf(() =>
        threadsAdapter.verify({ ...request, rawBody: Buffer.from(JSON.stringify(JSON.parse(escaped))) }, secret, now),
      ).code,
    ).toBe('bad_signature');
    const [event] = threadsAdapter.normalize(request.rawBody, context);
    expect(event?.draft).toMatchObject({
      text: 'Très déçue 😞 返金',
      url: 'https://www.threads.net/@sam.lee/post/AbC',
    });
  });
});

describe('Threads normalize', () => {
  it("maps a reply on the account's post", () => {
    const [event, ...rest] = normalize(delivery(reply({ is_verified: true })));
    expect(rest).toEqual([]);
    expect(event).toEqual({
      change: 'created',
      draft: {
        platform: 'threads',
        kind: 'reply',
        externalId: '18100000000000009',
        url: 'https://www.threads.net/@sam.lee/post/AbC',
        text: 'Same problem here since the update',
        createdAt: '2025-06-03T09:15:00.000Z',
        author: { id: 'sam.lee', handle: 'sam.lee', name: '', verified: true },
        account: { id: ACCOUNT },
        thread: { parentId: ROOT, conversationId: ROOT },
      },
    });
    expect(EngagementDraftSchema.safeParse(event?.draft).success).toBe(true);
  });

  it('maps a mention, with owner.id as the author id when present', () => {
    const [plain, owned] = normalize(
      delivery([mention(), mention({ id: '18100000000000045', owner: { id: '9100000000000007' } })], {
        topic: 'interaction',
      }),
    );
    expect(plain?.draft).toEqual({
      platform: 'threads',
      kind: 'mention',
      externalId: '18100000000000044',
      url: 'https://www.threads.net/@lena.park/post/DxYz12',
      text: 'Thanks @acme 🙌',
      createdAt: '2025-06-03T11:02:45.000Z',
      author: { id: 'lena.park', handle: 'lena.park', name: '' },
      account: { id: ACCOUNT },
      thread: {},
    });
    expect(owned?.draft.author).toEqual({ id: '9100000000000007', handle: 'lena.park', name: '' });
  });

  it('splits a values array and reads a single values object', () => {
    const events = normalize(
      delivery([
        reply(),
        mention(),
        { field: 'publish', value: { id: '5', username: 'acme' } },
        reply({ id: '18100000000000012', replied_to: { id: '18100000000000009' } }),
      ]),
    );
    expect(events.map((e) => [e.draft.externalId, e.draft.kind, e.draft.thread])).toEqual([
      ['18100000000000009', 'reply', { parentId: ROOT, conversationId: ROOT }],
      ['18100000000000044', 'mention', {}],
      ['18100000000000012', 'reply', { parentId: '18100000000000009', conversationId: ROOT }],
    ]);
    expect(normalize(delivery([]))).toEqual([]);
  });

  it('keeps 17-digit ids exact and refuses numeric ones', () => {
    expect(normalize(delivery(reply({ id: '18100000000000099' })))[0]?.draft.externalId).toBe('18100000000000099');
    expect400(
      JSON.stringify(delivery(reply())).replace('"18100000000000009"', '18100000000000009'),
      /body\.values\.value\.id/,
    );
  });

  it('maps a delete to a deletion of the same engagement, without text', () => {
    const [event] = normalize(
      delivery({
        field: 'delete',
        value: {
          id: '18100000000000009',
          owner: { owner_id: '91' },
          username: 'sam.lee',
          deleted_at: '2025-06-03T10:00:00+0000',
          timestamp: '2025-06-03T09:15:00+0000',
        },
      }),
    );
    expect(event).toEqual({
      change: 'deleted',
      draft: {
        platform: 'threads',
        kind: 'reply',
        externalId: '18100000000000009',
        text: '',
        createdAt: '2025-06-03T09:15:00.000Z',
        author: { id: '91', handle: 'sam.lee', name: '' },
        account: { id: ACCOUNT },
      },
    });
    const [bare] = normalize(delivery({ field: 'delete', value: { id: '7' } }));
    expect(bare).toMatchObject({
      change: 'deleted',
      draft: { externalId: '7', author: { id: ACCOUNT, handle: '' }, createdAt: '2025-06-03T09:15:00.000Z' },
    });
    expect(EngagementDraftSchema.safeParse(bare?.draft).success).toBe(true);
  });

  it("drops the account's own posts and replies, and fields it does not handle", () => {
    const own = [
      { field: 'publish', value: { id: '18100000000000050', username: 'acme', timestamp: '2025-06-03T14:00:00+0000' } },
      reply({ id: '2', username: 'acme' }),
      mention({ owner: { id: ACCOUNT } }),
      { field: 'insights', value: { id: '3' } },
    ];
    expect(normalize(delivery(own))).toEqual([]);
  });

  it("keeps a reply by the root post's owner when that post is not the account's, and anything when target_id is absent", () => {
    const foreignRoot = { id: '9', owner_id: '555', username: 'someone' };
    expect(normalize(delivery(reply({ username: 'someone', root_post: foreignRoot })))).toHaveLength(1);
    const { target_id: _, ...noTarget } = delivery(reply({ username: 'acme' }));
    const [event] = normalize(noTarget);
    expect(event?.draft.account).toBeUndefined();
    expect(EngagementDraftSchema.safeParse(event?.draft).success).toBe(true);
  });

  it('normalises the timestamp offset to UTC and falls back to the delivery time, then the accept time', () => {
    const at = (value: Record<string, unknown>, overrides: Record<string, unknown> = {}) =>
      normalize(delivery(reply(value), overrides))[0]?.draft.createdAt;
    expect(at({ timestamp: '2025-06-03T13:00:00+0200' })).toBe('2025-06-03T11:00:00.000Z');
    expect(at({ timestamp: '2025-06-03T09:15:00.5-03:30' })).toBe('2025-06-03T12:45:00.500Z');
    expect(at({ timestamp: 'yesterday' })).toBe('2025-06-03T09:15:00.000Z');
    expect(at({ timestamp: undefined }, { time: undefined })).toBe(context.receivedAt);
  });

  it('drops an invalid permalink rather than the reply', () => {
    const [event] = normalize(delivery(reply({ permalink: 'javascript:alert(1)' })));
    expect(event?.draft.url).toBeUndefined();
  });
});

describe('Threads normalize: malformed bodies', () => {
  it('refuses bad JSON, a body without values and values of the wrong type, saying what was expected', () => {
    expect400('{', /not valid JSON.*Threads webhook delivery/);
    expect400(JSON.stringify({ object: 'page', entry: [] }), /body\.values/);
    expect400(JSON.stringify(delivery('replies')), /body\.values: expected \{"field", "value"\}/);
    expect400(JSON.stringify(delivery(reply(), { target_id: 24000000000000001 })), /body\.target_id/);
    expect400('null', /Threads webhook delivery/);
  });

  it('names the path of a value missing a field it relies on', () => {
    expect400(JSON.stringify(delivery([reply(), { value: {} }])), /body\.values\[1\]\.field/);
    expect400(JSON.stringify(delivery(reply({ id: undefined }))), /body\.values\.value\.id/);
    expect400(
      JSON.stringify(delivery([mention({ username: undefined })])),
      /body\.values\[0\]\.value\.username: expected the author/,
    );
    expect400(JSON.stringify(delivery({ field: 'delete', value: {} })), /body\.values\.value\.id/);
  });

  it('never quotes the body in its messages', () => {
    const error = rejectionOf(() =>
      threadsAdapter.normalize(
        Buffer.from('{"values": {"field": "replies", "value": {"text": "call me on +44 7700 900123"}}}'),
        context,
      ),
    );
    expect(error.code).toBe('malformed_body');
    expect(error.message).not.toContain('7700');
  });
});

describe('Threads samples', () => {
  it('carries Meta-style \\uXXXX and \\/ escapes in the raw body of unicode-escaped.json and decodes them', async () => {
    const samples = await readSamples(fileURLToPath(new URL('../../../events/threads', import.meta.url)));
    const sample = samples.find((s) => s.file === 'unicode-escaped.json')!.sample;
    expect(sample.rawBody).toMatch(/\\u00e8.*\\ud83d\\ude1e.*\\u8fd4/);
    expect(/[^\x00-\x7f]/.test(sample.rawBody ?? '')).toBe(false);
    expect(sample.rawBody).toContain('https:\\/\\/www.threads.net');
    const [event] = threadsAdapter.normalize(sampleBody(sample), context);
    expect(event?.draft.text).toBe('Très déçue 😞 — ¿Reembolso? 返金お願いします');
    expect(event?.draft.url).toBe('https://www.threads.net/@zoe.muller/post/C000031');
    expect(event?.draft.createdAt).toBe('2025-06-03T11:00:00.000Z');
  });
});
