import { createHash, createHmac } from 'node:crypto';
import { EngagementDraftSchema } from '#core/engagement/engagement.schema.js';
import type { WebhookRequest } from '#core/platforms/adapter.js';
import { tiktokAdapter } from '#core/platforms/tiktok.js';
import { unixSeconds } from '#test-support/signatures.js';
import {
  ADAPTER_CONTEXT as context,
  ADAPTER_NOW as now,
  expectMalformedBody,
  normalizeJson,
  postRequest,
  rejectionOf,
} from '#test-support/webhook-requests.js';
import { describeSampleReplay, loadSamples } from './sample-replay.js';

const secret = { clientSecret: 'test-client-secret' };
const nowSeconds = unixSeconds(now);
const BRAND = 'act.brand-open-id';

/** TikTok's scheme computed here, independently of the adapter: hex HMAC-SHA256(secret, "<t>.<body>"). */
const digest = (timestamp: number | string, body: string | Buffer, key = secret.clientSecret) =>
  createHmac('sha256', key).update(`${timestamp}.`).update(body).digest('hex');
const header = (timestamp: number | string, body: string | Buffer, key = secret.clientSecret) =>
  `t=${timestamp},s=${digest(timestamp, body, key)}`;

const body = JSON.stringify({
  client_key: 'ck',
  event: 'authorization.removed',
  create_time: nowSeconds,
  user_openid: BRAND,
  content: '{"reason":1}',
});
const post = (value: string, raw = body) => postRequest(raw, { 'tiktok-signature': value });
const verify = (request: WebhookRequest) => () => tiktokAdapter.verify(request, secret, now);

/** The dedup id, computed independently: sha256 of the JSON array [event, user_openid, create_time, content]. */
const expectedId = (e: { event: string; user_openid: string; create_time: number | string; content: string }) =>
  createHash('sha256')
    .update(JSON.stringify([e.event, e.user_openid, String(e.create_time), e.content]), 'utf8')
    .digest('hex');

const envelope = (
  event: string,
  content: Record<string, unknown> | string,
  overrides: Record<string, unknown> = {},
) => ({
  client_key: 'awacmeclientkey01',
  event,
  create_time: 1748945722,
  user_openid: BRAND,
  content: typeof content === 'string' ? content : JSON.stringify(content),
  ...overrides,
});
const comment = (overrides: Record<string, unknown> = {}) => ({
  comment_id: '7511223344556677001',
  video_id: '7510000000000000042',
  user_id: 'act.customer-sam',
  username: 'sam.lee',
  display_name: 'Sam Lee',
  text: 'Does this come in blue?',
  ...overrides,
});
const normalize = (value: unknown) => normalizeJson(tiktokAdapter, value);

describe('TikTok signature', () => {
  it('has no handshake', () => {
    expect(tiktokAdapter.handshake).toBeUndefined();
  });

  it('accepts t=<ts>,s=<hex HMAC-SHA256(clientSecret, "<ts>.<raw body>")>, also over non-ASCII bytes and in upper-case hex', () => {
    expect(verify(post(header(nowSeconds, body)))).not.toThrow();
    const nonAscii = JSON.stringify({ event: 'comment.create', content: '{"text":"Très bien 👍 東京"}' });
    expect(verify(post(header(nowSeconds, nonAscii), nonAscii))).not.toThrow();
    expect(verify(post(`t=${nowSeconds},s=${digest(nowSeconds, body).toUpperCase()}`))).not.toThrow();
  });

  it('matches a fixed vector', () => {
    const fixed = '{"event":"tiktok.ping"}';
    const expected = createHmac('sha256', 'test-client-secret').update(`1748944800.${fixed}`).digest('hex');
    const at = new Date(1748944800 * 1000);
    expect(() => tiktokAdapter.verify(post(`t=1748944800,s=${expected}`, fixed), secret, at)).not.toThrow();
  });

  it('tolerates spaces around parts and ignores unknown keys', () => {
    expect(verify(post(`t=${nowSeconds}, s=${digest(nowSeconds, body)}, v=2`))).not.toThrow();
    expect(verify(post(`s=${digest(nowSeconds, body)},t=${nowSeconds}`))).not.toThrow();
  });

  it('finds the header whatever its case', () => {
    expect(verify(postRequest(body, { 'TikTok-Signature': header(nowSeconds, body) }))).not.toThrow();
  });

  it('accepts timestamps up to exactly 5 minutes old or ahead', () => {
    expect(verify(post(header(nowSeconds - 300, body)))).not.toThrow();
    expect(verify(post(header(nowSeconds + 300, body)))).not.toThrow();
  });

  it('refuses a correctly signed timestamp more than 5 minutes old or ahead with 401 stale_timestamp', () => {
    const old = rejectionOf(verify(post(header(nowSeconds - 301, body))));
    expect(old).toMatchObject({ statusCode: 401, code: 'stale_timestamp' });
    expect(old.message).toMatch(/TikTok-Signature t= is 301 s old/);
    const ahead = rejectionOf(verify(post(header(nowSeconds + 301, body))));
    expect(ahead).toMatchObject({ statusCode: 401, code: 'stale_timestamp' });
    expect(ahead.message).toMatch(/in the future/);
  });

  it('refuses a missing or blank header with 401 naming it', () => {
    for (const request of [postRequest(body, {}), post('  ')]) {
      const error = rejectionOf(verify(request));
      expect(error).toMatchObject({ statusCode: 401, code: 'missing_signature' });
      expect(error.message).toContain('TikTok-Signature');
    }
  });

  it.each([
    ['no s part', `t=${nowSeconds}`],
    ['no t part', `s=${'ab'.repeat(32)}`],
    ['no parts at all', 'garbage'],
    ['a bare digest', digest(nowSeconds, body)],
  ])('refuses a header with %s with 403 naming it', (_, value) => {
    const error = rejectionOf(verify(post(value)));
    expect(error).toMatchObject({ statusCode: 403, code: 'bad_signature' });
    expect(error.message).toContain('TikTok-Signature');
  });

  it('refuses a non-numeric timestamp with 403 bad_timestamp', () => {
    const iso = '2025-06-03T10:00:00Z';
    expect(rejectionOf(verify(post(`t=${iso},s=${digest(iso, body)}`)))).toMatchObject({
      statusCode: 403,
      code: 'bad_timestamp',
    });
  });

  it.each([
    [
      'a tampered body',
      { ...post(header(nowSeconds, body)), rawBody: Buffer.from(body.replace('removed', 'removes')) },
    ],
    ['a wrong secret', post(header(nowSeconds, body, 'other-secret'))],
    ['a digest reused with a new timestamp', post(`t=${nowSeconds},s=${digest(nowSeconds - 60, body)}`)],
    [
      'a digest over the body alone',
      post(`t=${nowSeconds},s=${createHmac('sha256', secret.clientSecret).update(body).digest('hex')}`),
    ],
    [
      'a base64 digest',
      post(
        `t=${nowSeconds},s=${createHmac('sha256', secret.clientSecret).update(`${nowSeconds}.${body}`).digest('base64')}`,
      ),
    ],
    ['a truncated digest', post(`t=${nowSeconds},s=${digest(nowSeconds, body).slice(0, 62)}`)],
  ])('refuses %s with 403 bad_signature', (_, request) => {
    expect(rejectionOf(verify(request))).toMatchObject({ statusCode: 403, code: 'bad_signature' });
  });
});

describe('TikTok normalize', () => {
  it.each([
    'authorization.removed',
    'video.upload.failed',
    'video.publish.completed',
    'portability.download.ready',
    'tiktok.ping',
    'post.publish.complete',
    'message.receive',
  ])('maps %s (no engagement on it) to nothing', (event) => {
    expect(normalize(envelope(event, { reason: 1 }))).toEqual([]);
  });

  it('maps a Business API comment to a comment whose id is the sha256 of event, account, time and content', () => {
    const value = envelope('comment.update', comment());
    const events = normalize(value);
    expect(events).toEqual([
      {
        change: 'created',
        draft: {
          platform: 'tiktok',
          kind: 'comment',
          externalId: expectedId(value),
          text: 'Does this come in blue?',
          createdAt: '2025-06-03T10:15:22.000Z',
          author: { id: 'act.customer-sam', handle: 'sam.lee', name: 'Sam Lee' },
          account: { id: BRAND },
          thread: { conversationId: '7510000000000000042' },
        },
      },
    ]);
    expect(EngagementDraftSchema.safeParse(events[0]?.draft).success).toBe(true);
  });

  it('gives a redelivery the same id however the envelope is ordered or spaced, and a different event another', () => {
    const value = envelope('comment.update', comment());
    const reordered = `{ "content": ${JSON.stringify(value.content)},\n "user_openid": "${BRAND}", "create_time": 1748945722, "event": "comment.update", "client_key": "other" }`;
    const [first] = normalize(value);
    const [again] = tiktokAdapter.normalize(Buffer.from(reordered), context);
    expect(again?.draft.externalId).toBe(first?.draft.externalId);
    const [later] = normalize({ ...value, create_time: 1748945723 });
    expect(later?.draft.externalId).not.toBe(first?.draft.externalId);
  });

  it('maps a reply (parent_comment_id) and a mention, keeping numeric ids beyond 2^53 exact', () => {
    const content =
      '{"parent_comment_id":7511223344556677001,"video_id":7510000000000000042,"user_id":"u","text":"Très déçue 😞 返金お願いします"}';
    const [reply] = normalize(envelope('comment.update', content));
    expect(reply?.draft).toMatchObject({
      kind: 'reply',
      text: 'Très déçue 😞 返金お願いします',
      thread: { parentId: '7511223344556677001', conversationId: '7510000000000000042' },
    });
    const [mention] = normalize(envelope('mention.create', { user_id: 'creator', text: '@acme' }));
    expect(mention?.draft).toMatchObject({
      kind: 'mention',
      text: '@acme',
      author: { id: 'creator', handle: '', name: '' },
    });
    expect(mention?.draft.thread).toBeUndefined();
  });

  it('reads the alternative content field names, and an unknown author as "unknown"', () => {
    const [event] = normalize(
      envelope('comment.new', {
        comment_text: 'hi',
        comment_user_id: 7,
        unique_id: 'kim',
        nickname: 'Kim',
        item_id: 'v1',
        parent_comment_id: '0',
      }),
    );
    expect(event?.draft).toMatchObject({
      kind: 'comment',
      text: 'hi',
      author: { id: '7', handle: 'kim', name: 'Kim' },
      thread: { conversationId: 'v1' },
    });
    const [bare] = normalize(envelope('comment.new', {}));
    expect(bare?.draft).toMatchObject({ text: '', author: { id: 'unknown', handle: '', name: '' } });
  });

  it("drops the account's own comments and events that retract something", () => {
    expect(normalize(envelope('comment.update', comment({ user_id: BRAND })))).toEqual([]);
    for (const event of ['comment.delete', 'comment.deleted', 'comment.remove', 'comment.hide', 'mention.removed']) {
      expect(normalize(envelope(event, comment()))).toEqual([]);
    }
  });

  it('accepts content as an object and create_time in milliseconds', () => {
    const [event] = normalize(envelope('comment.update', {}, { content: comment(), create_time: 1748945722123 }));
    expect(event?.draft).toMatchObject({ text: 'Does this come in blue?', createdAt: '2025-06-03T10:15:22.123Z' });
  });

  const expect400 = (raw: string, pattern: RegExp) => expectMalformedBody(tiktokAdapter, raw, pattern);

  it('refuses bodies that are not a TikTok event, naming what was expected', () => {
    expect400('{', /not valid JSON.*TikTok webhook event/);
    expect400('[]', /TikTok webhook event.*expected object/);
    expect400(JSON.stringify({ create_time: 1, content: '{}' }), /body\.event/);
    expect400(
      JSON.stringify({ event: 'comment.update', create_time: 'yesterday', content: '{}' }),
      /body\.create_time/,
    );
  });

  it('refuses an engagement event whose content is not a JSON object string, without quoting it', () => {
    expect400(
      JSON.stringify(envelope('comment.update', 'secret-text{not json')),
      /body\.content: is not a valid JSON string/,
    );
    expect400(JSON.stringify(envelope('comment.update', '["a"]')), /body\.content: expected a JSON object/);
    expect400(JSON.stringify(envelope('comment.update', { user_id: 1.5 })), /body\.content\.user_id/);
    const error = rejectionOf(() =>
      tiktokAdapter.normalize(Buffer.from(JSON.stringify(envelope('comment.update', 'secret-text{'))), context),
    );
    expect(error.message).not.toContain('secret-text');
  });
});

const samples = await loadSamples('tiktok');
describeSampleReplay('tiktok', tiktokAdapter, 'signature', samples);

describe('TikTok samples, exactness', () => {
  it('keep non-ASCII text and numeric content ids beyond 2^53 intact', () => {
    const sample = samples.find((s) => s.file === 'reply-unicode.json')!.sample;
    const [event] = tiktokAdapter.normalize(Buffer.from(JSON.stringify(sample.body)), context);
    expect(event?.draft.text).toBe('Très déçue 😞 — la bouilloire est arrivée cassée. 返金お願いします');
    expect(event?.draft.author.name).toBe('Zoé Müller 🌻');
    expect(event?.draft.thread).toEqual({ parentId: '7511223344556677001', conversationId: '7510000000000000042' });
  });
});
