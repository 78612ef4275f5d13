import { createHmac } from 'node:crypto';
import { EngagementDraftSchema } from '#core/engagement/engagement.schema.js';
import { facebookAdapter } from '#core/platforms/facebook.js';
import { hubSignature } from '#test-support/signatures.js';
import {
  ADAPTER_CONTEXT as context,
  ADAPTER_NOW as now,
  expectMalformedBody,
  getRequest as get,
  normalizeJson,
  postRequest,
  rejectionOf,
} from '#test-support/webhook-requests.js';

const secret = { appSecret: 'test-app-secret', verifyToken: 'test-verify-token' };
const PAGE = '104857600000001';
const POST = `${PAGE}_122112233445566`;

const sign = (body: Buffer, key = secret.appSecret) => hubSignature(body, key);
const post = (body: string, headers?: Record<string, string>) =>
  postRequest(body, headers ?? { 'x-hub-signature-256': sign(Buffer.from(body, 'utf8')) });

const feed = (...values: Record<string, unknown>[]) => ({
  object: 'page',
  entry: [{ id: PAGE, time: 1748942003, changes: values.map((value) => ({ field: 'feed', value })) }],
});
const messaging = (...items: Record<string, unknown>[]) => ({
  object: 'page',
  entry: [{ id: PAGE, time: 1748943001234, messaging: items }],
});
const normalize = (body: unknown) => normalizeJson(facebookAdapter, body);

const comment = (overrides: Record<string, unknown> = {}) => ({
  item: 'comment',
  verb: 'add',
  post_id: POST,
  comment_id: '122112233445566_998877665544332',
  parent_id: POST,
  from: { id: '6912345678901234', name: 'Sam Lee' },
  message: 'Is this still in stock?',
  created_time: 1748942000,
  post: { id: POST, permalink_url: 'https://www.facebook.com/acme/posts/pfbid02xYz', status_type: 'added_photos' },
  ...overrides,
});

const message = (overrides: Record<string, unknown> = {}) => ({
  sender: { id: '7423156789012345' },
  recipient: { id: PAGE },
  timestamp: 1748943000987,
  message: { mid: 'm_abc', text: 'Where is my refund?' },
  ...overrides,
});

describe('Meta verification request', () => {
  const query = { 'hub.mode': 'subscribe', 'hub.challenge': '1158201444', 'hub.verify_token': secret.verifyToken };

  it('echoes hub.challenge as text/plain (nosniff) when the verify token matches', () => {
    const response = facebookAdapter.handshake!(get(query), secret);
    expect(response).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
      body: '1158201444',
    });
  });

  it('echoes challenges of digits, letters, dots, underscores and dashes up to 256 characters', () => {
    for (const challenge of ['1', '9007199254740993123', 'aB3.x_y-Z', '7'.repeat(256)]) {
      expect(facebookAdapter.handshake!(get({ ...query, 'hub.challenge': challenge }), secret).body).toBe(challenge);
    }
  });

  it.each([
    ['markup', '<script>alert(document.domain)</script>'],
    ['a space', '1158 201444'],
    ['a quote', "1158'201444"],
    ['a newline', '1158\n201444'],
    ['257 characters', '1'.repeat(257)],
  ])('refuses to echo a verified challenge with %s (400 bad_challenge)', (_, challenge) => {
    expect(
      rejectionOf(() => facebookAdapter.handshake!(get({ ...query, 'hub.challenge': challenge }), secret)),
    ).toMatchObject({ statusCode: 400, code: 'bad_challenge' });
  });

  it.each([
    ['a wrong verify token', { ...query, 'hub.verify_token': 'nope' }, 'bad_verify_token'],
    [
      'a verify token that differs only in length',
      { ...query, 'hub.verify_token': `${secret.verifyToken}x` },
      'bad_verify_token',
    ],
    ['no verify token', { 'hub.mode': 'subscribe', 'hub.challenge': '1' }, 'bad_verify_token'],
    ['a mode other than subscribe', { ...query, 'hub.mode': 'unsubscribe' }, 'bad_hub_mode'],
  ])('refuses %s with 403', (_, q, code) => {
    expect(rejectionOf(() => facebookAdapter.handshake!(get(q as Record<string, string>), secret))).toMatchObject({
      statusCode: 403,
      code,
    });
  });

  it('refuses a verified request without hub.challenge with 400', () => {
    const { 'hub.challenge': _, ...rest } = query;
    expect(rejectionOf(() => facebookAdapter.handshake!(get(rest), secret))).toMatchObject({
      statusCode: 400,
      code: 'missing_challenge',
    });
  });
});

describe('Meta signature', () => {
  const body = JSON.stringify(feed(comment()));

  it('accepts the hex HMAC-SHA256 of the raw body', () => {
    expect(() => facebookAdapter.verify(post(body), secret, now)).not.toThrow();
    expect(() =>
      facebookAdapter.verify(post(body, { 'X-Hub-Signature-256': sign(Buffer.from(body)) }), secret, now),
    ).not.toThrow();
  });

  it('refuses a missing X-Hub-Signature-256 with 401, even when the legacy sha1 header is present', () => {
    const legacy = `sha1=${createHmac('sha1', secret.appSecret).update(body).digest('hex')}`;
    const error = rejectionOf(() => facebookAdapter.verify(post(body, { 'x-hub-signature': legacy }), secret, now));
    expect(error).toMatchObject({ statusCode: 401, code: 'missing_signature' });
    expect(error.message).toContain('X-Hub-Signature-256');
  });

  it('refuses a tampered body and a wrong secret with 403', () => {
    const tampered = { ...post(body), rawBody: Buffer.from(body.replace('in stock', 'in stick')) };
    expect(rejectionOf(() => facebookAdapter.verify(tampered, secret, now))).toMatchObject({
      statusCode: 403,
      code: 'bad_signature',
    });
    const wrongKey = post(body, { 'x-hub-signature-256': sign(Buffer.from(body), 'other-secret') });
    expect(rejectionOf(() => facebookAdapter.verify(wrongKey, secret, now))).toMatchObject({
      statusCode: 403,
      code: 'bad_signature',
    });
  });

  it.each([
    ['sha1 prefix', `sha1=${createHmac('sha1', secret.appSecret).update(body).digest('hex')}`],
    ['base64 digest', `sha256=${createHmac('sha256', secret.appSecret).update(body).digest('base64')}`],
    ['not hex', 'sha256=not-a-signature'],
  ])('refuses a malformed header (%s) with 403 naming it', (_, value) => {
    const error = rejectionOf(() => facebookAdapter.verify(post(body, { 'x-hub-signature-256': value }), secret, now));
    expect(error).toMatchObject({ statusCode: 403, code: 'bad_signature' });
    expect(error.message).toContain('X-Hub-Signature-256');
  });

  it('verifies the \\uXXXX-escaped bytes Meta sends, and would fail on a re-serialised body', () => {
    const escaped = JSON.stringify(feed(comment({ message: 'Très déçue 😞' }))).replace(
      /[\u0080-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    expect(escaped).toContain('\\ud83d\\ude1e');
    const request = post(escaped);
    expect(() => facebookAdapter.verify(request, secret, now)).not.toThrow();
    const reserialised = { ...request, rawBody: Buffer.from(JSON.stringify(JSON.parse(escaped))) };
    expect(rejectionOf(() => facebookAdapter.verify(reserialised, secret, now)).code).toBe('bad_signature');
    expect(facebookAdapter.normalize(request.rawBody, context)[0]?.draft.text).toBe('Très déçue 😞');
  });
});

describe('Facebook normalize: feed', () => {
  it('maps a top-level comment', () => {
    const [event, ...rest] = normalize(feed(comment()));
    expect(rest).toEqual([]);
    expect(event).toEqual({
      change: 'created',
      draft: {
        platform: 'facebook',
        kind: 'comment',
        externalId: '122112233445566_998877665544332',
        url: 'https://www.facebook.com/acme/posts/pfbid02xYz',
        text: 'Is this still in stock?',
        createdAt: '2025-06-03T09:13:20.000Z',
        author: { id: '6912345678901234', handle: '', name: 'Sam Lee' },
        account: { id: PAGE },
        thread: { conversationId: POST },
      },
    });
    expect(EngagementDraftSchema.safeParse(event?.draft).success).toBe(true);
  });

  it('maps a comment whose parent is another comment to a reply', () => {
    const [event] = normalize(
      feed(comment({ comment_id: '122112233445566_2', parent_id: '122112233445566_998877665544332' })),
    );
    expect(event?.draft.kind).toBe('reply');
    expect(event?.draft.thread).toEqual({ conversationId: POST, parentId: '122112233445566_998877665544332' });
  });

  it('maps verbs to changes and drops moderation verbs', () => {
    const changes = normalize(
      feed(
        comment({ verb: 'edited' }),
        comment({ verb: 'edit' }),
        comment({ verb: 'remove', message: undefined }),
        comment({ verb: 'hide' }),
        comment({ verb: 'block' }),
      ),
    );
    expect(changes.map((e) => e.change)).toEqual(['edited', 'edited', 'deleted']);
    expect(changes[2]?.draft.text).toBe('');
  });

  it('maps visitor posts, photos and videos to post and shares to share', () => {
    const visitor = {
      from: { id: '6655443322110099', name: 'Dana' },
      verb: 'add',
      created_time: 1748950000,
      message: 'Hello',
    };
    const events = normalize(
      feed(
        { ...visitor, item: 'status', post_id: `${PAGE}_1` },
        { ...visitor, item: 'post', post_id: `${PAGE}_2` },
        { ...visitor, item: 'photo', post_id: `${PAGE}_3`, photo_id: '3' },
        { ...visitor, item: 'video', post_id: `${PAGE}_4`, video_id: '4' },
        { ...visitor, item: 'share', post_id: `${PAGE}_5`, share_id: '5', link: 'https://example.com' },
        { ...visitor, item: 'event', post_id: `${PAGE}_6` },
      ),
    );
    expect(events.map((e) => [e.draft.externalId, e.draft.kind])).toEqual([
      [`${PAGE}_1`, 'post'],
      [`${PAGE}_2`, 'post'],
      [`${PAGE}_3`, 'post'],
      [`${PAGE}_4`, 'post'],
      [`${PAGE}_5`, 'share'],
    ]);
    expect(events[0]?.draft.url).toBeUndefined();
  });

  it('drops posts, comments and reactions by the Page itself', () => {
    const page = { id: PAGE, name: 'Acme' };
    expect(
      normalize(
        feed(
          comment({ from: page }),
          { item: 'status', verb: 'add', post_id: `${PAGE}_1`, from: page, message: 'News', created_time: 1 },
          { item: 'reaction', verb: 'add', post_id: `${PAGE}_1`, from: page, reaction_type: 'like', created_time: 1 },
        ),
      ),
    ).toEqual([]);
  });

  it('gives a reaction a stable composed id so its removal targets the same engagement', () => {
    const reaction = {
      item: 'reaction',
      post_id: POST,
      comment_id: '122112233445566_7',
      from: { id: '69' },
      reaction_type: 'angry',
      created_time: 1748942100,
    };
    const [added, removed] = normalize(feed({ ...reaction, verb: 'add' }, { ...reaction, verb: 'remove' }));
    expect(added?.draft).toMatchObject({
      kind: 'reaction',
      externalId: 'reaction:122112233445566_7:69',
      text: '',
      author: { id: '69', handle: '', name: '' },
      thread: { parentId: '122112233445566_7', conversationId: POST },
    });
    expect(removed).toMatchObject({ change: 'deleted', draft: { externalId: 'reaction:122112233445566_7:69' } });
  });

  it('falls back to the accept time without created_time and drops an invalid permalink', () => {
    const [event] = normalize(
      feed(comment({ created_time: undefined, post: { permalink_url: 'javascript:alert(1)' } })),
    );
    expect(event?.draft.createdAt).toBe(context.receivedAt);
    expect(event?.draft.url).toBeUndefined();
  });
});

describe('Facebook normalize: mention and Messenger', () => {
  const mention = (value: Record<string, unknown>) => ({
    object: 'page',
    entry: [{ id: PAGE, time: 1, changes: [{ field: 'mention', value }] }],
  });

  it('maps post and comment mentions', () => {
    const [onPost] = normalize(
      mention({ item: 'post', verb: 'add', post_id: '55_1', sender_id: '55', sender_name: 'Lena Park' }),
    );
    expect(onPost).toEqual({
      change: 'created',
      draft: {
        platform: 'facebook',
        kind: 'mention',
        externalId: '55_1',
        text: '',
        createdAt: context.receivedAt,
        author: { id: '55', handle: '', name: 'Lena Park' },
        account: { id: PAGE },
        thread: { conversationId: '55_1' },
      },
    });
    const [onComment] = normalize(
      mention({
        item: 'comment',
        verb: 'add',
        post_id: '55_1',
        comment_id: '1_2',
        sender_id: '55',
        message: 'cc @Acme',
      }),
    );
    expect(onComment?.draft).toMatchObject({ externalId: '1_2', text: 'cc @Acme', author: { name: '' } });
  });

  it('refuses a comment mention without comment_id', () => {
    const error = rejectionOf(() =>
      normalize(mention({ item: 'comment', verb: 'add', post_id: '55_1', sender_id: '55' })),
    );
    expect(error.message).toContain('body.entry[0].changes[0].value.comment_id');
  });

  it('maps a Messenger message to a direct message', () => {
    const [event] = normalize(
      messaging(message({ message: { mid: 'm_abc', text: 'Where is my refund?', reply_to: { mid: 'm_prev' } } })),
    );
    expect(event).toEqual({
      change: 'created',
      draft: {
        platform: 'facebook',
        kind: 'direct_message',
        externalId: 'm_abc',
        text: 'Where is my refund?',
        createdAt: '2025-06-03T09:30:00.987Z',
        author: { id: '7423156789012345', handle: '', name: '' },
        account: { id: PAGE },
        thread: { conversationId: `${PAGE}-7423156789012345`, parentId: 'm_prev' },
      },
    });
  });

  it('drops echoes, read and delivery receipts, postbacks and reactions; reads standby messages', () => {
    const events = facebookAdapter.normalize(
      Buffer.from(
        JSON.stringify({
          object: 'page',
          entry: [
            {
              id: PAGE,
              time: 1,
              messaging: [
                message({
                  sender: { id: PAGE },
                  recipient: { id: '74' },
                  message: { mid: 'm_echo', text: 'Hi', is_echo: true, app_id: 1 },
                }),
                { sender: { id: '74' }, recipient: { id: PAGE }, timestamp: 1, read: { watermark: 1 } },
                {
                  sender: { id: '74' },
                  recipient: { id: PAGE },
                  timestamp: 1,
                  delivery: { mids: ['m_1'], watermark: 1 },
                },
                {
                  sender: { id: '74' },
                  recipient: { id: PAGE },
                  timestamp: 1,
                  postback: { title: 'Start', payload: 'GET_STARTED' },
                },
                {
                  sender: { id: '74' },
                  recipient: { id: PAGE },
                  timestamp: 1,
                  reaction: { mid: 'm_1', action: 'react', reaction: 'love' },
                },
              ],
              standby: [message({ message: { mid: 'm_standby', attachments: [{ type: 'image' }] } })],
            },
          ],
        }),
      ),
      context,
    );
    expect(events.map((e) => [e.draft.externalId, e.draft.text])).toEqual([['m_standby', '']]);
  });

  it('ignores fields it does not handle', () => {
    expect(
      normalize({
        object: 'page',
        entry: [{ id: PAGE, time: 1, changes: [{ field: 'ratings', value: { rating: 5 } }] }],
      }),
    ).toEqual([]);
  });
});

describe('Facebook normalize: malformed bodies', () => {
  const expect400 = (body: string, pattern: RegExp) => expectMalformedBody(facebookAdapter, body, pattern);

  it('refuses bad JSON, another object type and a missing entry array, saying what was expected', () => {
    expect400('not json', /not valid JSON.*"object": "page"/);
    expect400(JSON.stringify({ object: 'instagram', entry: [] }), /body\.object/);
    expect400(JSON.stringify({ object: 'page', entry: {} }), /body\.entry/);
    expect400('"page"', /Meta Page webhook delivery/);
  });

  it('names the path of an event missing a field it relies on', () => {
    expect400(
      JSON.stringify(feed(comment(), comment({ from: undefined }))),
      /body\.entry\[0\]\.changes\[1\]\.value\.from/,
    );
    expect400(
      JSON.stringify(messaging(message({ timestamp: 'yesterday' }))),
      /body\.entry\[0\]\.messaging\[0\]\.timestamp/,
    );
  });
});
