import { createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { readSamples, sampleBody } from '#events/sign-sample.js';
import { EngagementDraftSchema } from '#core/engagement/engagement.schema.js';
import { instagramAdapter } from '#core/platforms/instagram.js';
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
const IG = '17841400000000001';
const MEDIA = '17900000000000003';

/** Computed here with node:crypto, independently of the adapter's helpers. */
const sign = (body: string | Buffer, key = secret.appSecret) =>
  `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
const post = (body: string, headers?: Record<string, string>) =>
  postRequest(body, headers ?? { 'x-hub-signature-256': sign(body) });
const normalize = (body: unknown) => normalizeJson(instagramAdapter, body);
const expect400 = (body: string, pattern: RegExp) => expectMalformedBody(instagramAdapter, body, pattern);

const delivery = (...entry: Record<string, unknown>[]) => ({ object: 'instagram', entry });
const changes = (...values: { field: string; value: unknown }[]) =>
  delivery({ id: IG, time: 1748942003, changes: values });
const messaging = (...items: Record<string, unknown>[]) => delivery({ id: IG, time: 1748943001234, messaging: items });

const comment = (overrides: Record<string, unknown> = {}) => ({
  field: 'comments',
  value: {
    from: { id: '9000000000000007', username: 'sam.lee' },
    media: { id: MEDIA, media_product_type: 'FEED' },
    id: '18012345678901234',
    text: 'Does this come in blue? @acme',
    ...overrides,
  },
});

const message = (overrides: Record<string, unknown> = {}, fields: Record<string, unknown> = {}) => ({
  sender: { id: '6543210987654321' },
  recipient: { id: IG },
  timestamp: 1748943000987,
  message: { mid: 'aWdfZAG1faXRlbTox', text: 'Where is my order?', ...overrides },
  ...fields,
});

describe('Instagram verification request (Meta hub.challenge)', () => {
  const query = { 'hub.mode': 'subscribe', 'hub.challenge': '1158201444', 'hub.verify_token': secret.verifyToken };

  it('echoes hub.challenge as text/plain when the verify token matches', () => {
    expect(instagramAdapter.handshake!(get(query), secret)).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
      body: '1158201444',
    });
  });

  it.each([
    ['a wrong verify token', { ...query, 'hub.verify_token': 'nope' }, 'bad_verify_token'],
    ['a token one character longer', { ...query, 'hub.verify_token': `${secret.verifyToken}x` }, 'bad_verify_token'],
    ['no verify token', { 'hub.mode': 'subscribe', 'hub.challenge': '1' }, 'bad_verify_token'],
    ['a mode other than subscribe', { ...query, 'hub.mode': 'unsubscribe' }, 'bad_hub_mode'],
  ])('refuses %s with 403', (_, q, code) => {
    expect(rejectionOf(() => instagramAdapter.handshake!(get(q as Record<string, string>), secret))).toMatchObject({
      statusCode: 403,
      code,
    });
  });

  it('refuses a verified request without hub.challenge with 400', () => {
    const { 'hub.challenge': _, ...rest } = query;
    expect(rejectionOf(() => instagramAdapter.handshake!(get(rest), secret))).toMatchObject({
      statusCode: 400,
      code: 'missing_challenge',
    });
  });
});

describe('Instagram signature (X-Hub-Signature-256)', () => {
  const body = JSON.stringify(changes(comment()));

  it('accepts a fixed vector: hex HMAC-SHA256 of the raw body with the app secret', () => {
    const raw = '{"object":"instagram","entry":[]}';
    const vector = 'sha256=bb441adf604237753804d2f51dbef920e26f17e8c1155dbe818684eb2b577890';
    expect(sign(raw)).toBe(vector);
    expect(() => instagramAdapter.verify(post(raw, { 'x-hub-signature-256': vector }), secret, now)).not.toThrow();
  });

  it('accepts the signature whatever the header case', () => {
    expect(() => instagramAdapter.verify(post(body), secret, now)).not.toThrow();
    expect(() => instagramAdapter.verify(post(body, { 'X-Hub-Signature-256': sign(body) }), secret, now)).not.toThrow();
  });

  it('refuses an unsigned delivery with 401 naming the header, even with the legacy sha1 header', () => {
    const unsigned: Record<string, string>[] = [
      {},
      { 'x-hub-signature': `sha1=${createHmac('sha1', secret.appSecret).update(body).digest('hex')}` },
      { 'x-hub-signature-256': '  ' },
    ];
    for (const headers of unsigned) {
      const error = rejectionOf(() => instagramAdapter.verify(post(body, headers), secret, now));
      expect(error).toMatchObject({ statusCode: 401, code: 'missing_signature' });
      expect(error.message).toContain('X-Hub-Signature-256');
    }
  });

  it("refuses a tampered body, a wrong secret and another product's secret with 403", () => {
    const tampered = { ...post(body), rawBody: Buffer.from(body.replace('blue', 'blew')) };
    expect(rejectionOf(() => instagramAdapter.verify(tampered, secret, now))).toMatchObject({
      statusCode: 403,
      code: 'bad_signature',
    });
    for (const key of ['other-secret', 'local-facebook-app-secret']) {
      const error = rejectionOf(() =>
        instagramAdapter.verify(post(body, { 'x-hub-signature-256': sign(body, key) }), secret, now),
      );
      expect(error).toMatchObject({ statusCode: 403, code: 'bad_signature' });
      expect(error.message).toContain('X-Hub-Signature-256');
    }
  });

  it.each([
    ['sha1 prefix', `sha1=${createHmac('sha1', secret.appSecret).update(body).digest('hex')}`],
    ['base64 digest', `sha256=${createHmac('sha256', secret.appSecret).update(body).digest('base64')}`],
    ['truncated digest', sign(body).slice(0, -2)],
    ['not hex', 'sha256=zz'],
  ])('refuses a malformed header (%s) with 403 naming it', (_, value) => {
    const error = rejectionOf(() => instagramAdapter.verify(post(body, { 'x-hub-signature-256': value }), secret, now));
    expect(error).toMatchObject({ statusCode: 403, code: 'bad_signature' });
    expect(error.message).toContain('X-Hub-Signature-256');
  });

  it('has no replay window (Meta signs no timestamp): an old signed delivery still verifies; dedup is the defence', () => {
    expect(() => instagramAdapter.verify(post(body), secret, new Date('2035-01-01T00:00:00Z'))).not.toThrow();
  });

  it('verifies the \\uXXXX-escaped bytes Meta sends, not a re-serialised body', () => {
    const escaped = JSON.stringify(changes(comment({ text: 'Très déçue 😞 返金' }))).replace(
      /[\u0080-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    const request = post(escaped);
    expect(() => instagramAdapter.verify(request, secret, now)).not.toThrow();
    const reserialised = { ...request, rawBody: Buffer.from(JSON.stringify(JSON.parse(escaped))) };
    expect(rejectionOf(() => instagramAdapter.verify(reserialised, secret, now)).code).toBe('bad_signature');
    expect(instagramAdapter.normalize(request.rawBody, context)[0]?.draft.text).toBe('Très déçue 😞 返金');
  });
});

describe('Instagram normalize: comments and mentions', () => {
  it("maps a comment on the account's media", () => {
    const [event, ...rest] = normalize(changes(comment()));
    expect(rest).toEqual([]);
    expect(event).toEqual({
      change: 'created',
      draft: {
        platform: 'instagram',
        kind: 'comment',
        externalId: '18012345678901234',
        text: 'Does this come in blue? @acme',
        createdAt: '2025-06-03T09:13:23.000Z',
        author: { id: '9000000000000007', handle: 'sam.lee', name: '' },
        account: { id: IG },
        thread: { conversationId: MEDIA },
      },
    });
    expect(EngagementDraftSchema.safeParse(event?.draft).success).toBe(true);
  });

  it('keeps ids beyond 2^53 exact and refuses numeric ids, which JSON numbers would round', () => {
    const [event] = normalize(changes(comment({ id: '18012345678901235' })));
    expect(event?.draft.externalId).toBe('18012345678901235');
    expect400('{"object":"instagram","entry":[{"id":17841400000000001,"changes":[]}]}', /body\.entry\[0\]\.id/);
    expect400(
      JSON.stringify(changes(comment())).replace('"18012345678901234"', '18012345678901234'),
      /body\.entry\[0\]\.changes\[0\]\.value\.id/,
    );
  });

  it('maps a comment with parent_id to a reply and live_comments to comments', () => {
    const [reply, live] = normalize(
      changes(comment({ id: '2', parent_id: '18012345678901234' }), {
        ...comment({ id: '3' }),
        field: 'live_comments',
      }),
    );
    expect(reply?.draft).toMatchObject({
      kind: 'reply',
      externalId: '2',
      thread: { parentId: '18012345678901234', conversationId: MEDIA },
    });
    expect(live?.draft).toMatchObject({ kind: 'comment', externalId: '3' });
  });

  it('reads comment_id when id is absent, a change placed directly on the entry, and a comment without media or text', () => {
    const events = normalize(
      delivery(
        {
          id: IG,
          time: 1748946000,
          field: 'comments',
          value: { from: { id: '90', username: 'mo' }, comment_id: '18066666666666666', text: 'Where?' },
        },
        { id: IG, time: 1748946000, changes: [comment({ media: undefined, text: undefined })] },
      ),
    );
    expect(events.map((e) => [e.draft.externalId, e.draft.text, e.draft.thread])).toEqual([
      ['18066666666666666', 'Where?', {}],
      ['18012345678901234', '', {}],
    ]);
  });

  it('drops comments written by the account itself', () => {
    expect(normalize(changes(comment({ from: { id: IG, username: 'acme' }, parent_id: '1' })))).toEqual([]);
  });

  it('takes createdAt from entry.time in seconds or milliseconds, else the accept time', () => {
    const at = (time: unknown) =>
      normalize(delivery({ id: IG, ...(time !== undefined && { time }), changes: [comment()] }))[0]?.draft.createdAt;
    expect(at(1748942003)).toBe('2025-06-03T09:13:23.000Z');
    expect(at(1748942003123)).toBe('2025-06-03T09:13:23.123Z');
    expect(at('1748942003')).toBe('2025-06-03T09:13:23.000Z');
    expect(at(undefined)).toBe(context.receivedAt);
    expect(at('yesterday')).toBe(context.receivedAt);
  });

  it('maps caption and comment mentions, which carry no text or author', () => {
    const [caption, onComment] = normalize(
      changes(
        { field: 'mentions', value: { media_id: '17912345678900001' } },
        { field: 'mentions', value: { media_id: '17912345678900001', comment_id: '18077777777777777' } },
      ),
    );
    expect(caption).toEqual({
      change: 'created',
      draft: {
        platform: 'instagram',
        kind: 'mention',
        externalId: '17912345678900001',
        text: '',
        createdAt: '2025-06-03T09:13:23.000Z',
        author: { id: 'unknown', handle: '', name: '' },
        account: { id: IG },
        thread: { conversationId: '17912345678900001' },
      },
    });
    expect(onComment?.draft).toMatchObject({
      kind: 'mention',
      externalId: '18077777777777777',
      thread: { conversationId: '17912345678900001' },
    });
    expect(EngagementDraftSchema.safeParse(onComment?.draft).success).toBe(true);
  });

  it('ignores fields it does not handle', () => {
    expect(normalize(changes({ field: 'story_insights', value: { media_id: '1', impressions: 4 } }))).toEqual([]);
  });
});

describe('Instagram normalize: direct messages', () => {
  it('maps a message to a direct message', () => {
    const [event] = normalize(messaging(message({ reply_to: { mid: 'm_prev' } })));
    expect(event).toEqual({
      change: 'created',
      draft: {
        platform: 'instagram',
        kind: 'direct_message',
        externalId: 'aWdfZAG1faXRlbTox',
        text: 'Where is my order?',
        createdAt: '2025-06-03T09:30:00.987Z',
        author: { id: '6543210987654321', handle: '', name: '' },
        account: { id: IG },
        thread: { conversationId: `${IG}-6543210987654321`, parentId: 'm_prev' },
      },
    });
  });

  it('maps a story mention to a mention and a story reply to a message whose parent is the story', () => {
    const [mention, storyReply, attachment] = normalize(
      messaging(
        message({
          mid: 'm_story',
          text: undefined,
          attachments: [{ type: 'story_mention', payload: { url: 'https://lookaside.fbsbx.com/x' } }],
        }),
        message({
          mid: 'm_reply',
          text: 'Love it',
          reply_to: { story: { url: 'https://lookaside.fbsbx.com/s', id: '17800000000000009' } },
        }),
        message({ mid: 'm_img', text: undefined, attachments: 'not-an-array' }),
      ),
    );
    expect(mention?.draft).toMatchObject({ kind: 'mention', externalId: 'm_story', text: '' });
    expect(storyReply?.draft).toMatchObject({ kind: 'direct_message', thread: { parentId: '17800000000000009' } });
    expect(attachment?.draft).toMatchObject({ kind: 'direct_message', externalId: 'm_img', text: '' });
  });

  it('maps an unsent message to a deletion and message_edit to an edit, both on the same mid', () => {
    const events = normalize(
      messaging(message({ text: undefined, is_deleted: true }), {
        sender: { id: '6543210987654321' },
        recipient: { id: IG },
        timestamp: 1748943060000,
        message_edit: { mid: 'aWdfZAG1faXRlbTox', text: 'Where is my order #12?', num_edit: 1 },
      }),
    );
    expect(events.map((e) => [e.change, e.draft.externalId, e.draft.kind, e.draft.text])).toEqual([
      ['deleted', 'aWdfZAG1faXRlbTox', 'direct_message', ''],
      ['edited', 'aWdfZAG1faXRlbTox', 'direct_message', 'Where is my order #12?'],
    ]);
  });

  it('drops echoes, messages and edits sent by the account, reactions, seen receipts, postbacks and referrals', () => {
    const events = normalize(
      messaging(
        message({ is_echo: true }, { sender: { id: IG }, recipient: { id: '65' } }),
        message({}, { sender: { id: IG } }),
        { sender: { id: IG }, recipient: { id: '65' }, timestamp: 1, message_edit: { mid: 'm_own', text: 'x' } },
        {
          sender: { id: '65' },
          recipient: { id: IG },
          timestamp: 1,
          reaction: { mid: 'm_1', action: 'react', reaction: 'love', emoji: '❤️' },
        },
        { sender: { id: '65' }, recipient: { id: IG }, timestamp: 1, read: { mid: 'm_1' } },
        { sender: { id: '65' }, recipient: { id: IG }, timestamp: 1, postback: { title: 'Track', payload: 'TRACK' } },
        { sender: { id: '65' }, recipient: { id: IG }, timestamp: 1, referral: { ref: 'ad', source: 'ADS' } },
      ),
    );
    expect(events).toEqual([]);
  });

  it('reads standby messages (another app owns the thread)', () => {
    const events = normalize(delivery({ id: IG, time: 1, standby: [message({ mid: 'm_standby' })] }));
    expect(events.map((e) => e.draft.externalId)).toEqual(['m_standby']);
  });
});

describe('Instagram normalize: batches', () => {
  it('splits every entry, change and messaging item, in order', () => {
    const events = normalize(
      delivery(
        {
          id: IG,
          time: 1748948000,
          changes: [
            comment({ id: 'c1' }),
            { field: 'mentions', value: { media_id: 'm1' } },
            comment({ id: 'c2', parent_id: 'c1' }),
          ],
        },
        {
          id: '17841400000000002',
          time: 1748948000500,
          messaging: [message({ mid: 'd1' }), message({ mid: 'd2' }, { sender: { id: '66' } })],
        },
      ),
    );
    expect(events.map((e) => [e.draft.externalId, e.draft.kind, e.draft.account?.id])).toEqual([
      ['c1', 'comment', IG],
      ['m1', 'mention', IG],
      ['c2', 'reply', IG],
      ['d1', 'direct_message', '17841400000000002'],
      ['d2', 'direct_message', '17841400000000002'],
    ]);
    for (const { draft } of events) expect(EngagementDraftSchema.safeParse(draft).success).toBe(true);
  });

  it('accepts an empty batch', () => {
    expect(normalize(delivery())).toEqual([]);
  });
});

describe('Instagram normalize: malformed bodies', () => {
  it('refuses bad JSON, invalid UTF-8, another object type and a missing entry array, saying what was expected', () => {
    expect400('not json', /not valid JSON.*"object": "instagram"/);
    expectMalformedBody(instagramAdapter, '', /ends too early/);
    const error = rejectionOf(() => instagramAdapter.normalize(Buffer.from([0x7b, 0xff, 0x7d]), context));
    expect(error).toMatchObject({ statusCode: 400, code: 'malformed_body' });
    expect(error.message).toMatch(/not valid UTF-8/);
    expect400(JSON.stringify({ object: 'page', entry: [] }), /body\.object/);
    expect400(JSON.stringify({ object: 'instagram', entry: {} }), /body\.entry/);
    expect400('[]', /Meta Instagram webhook delivery/);
  });

  it('names the path of an event missing a field it relies on', () => {
    expect400(
      JSON.stringify(changes(comment(), comment({ from: undefined }))),
      /body\.entry\[0\]\.changes\[1\]\.value\.from/,
    );
    expect400(
      JSON.stringify(changes(comment({ id: undefined }))),
      /body\.entry\[0\]\.changes\[0\]\.value\.id: expected the comment id/,
    );
    expect400(
      JSON.stringify(changes({ field: 'mentions', value: { comment_id: '1' } })),
      /body\.entry\[0\]\.changes\[0\]\.value\.media_id/,
    );
    expect400(
      JSON.stringify(delivery({ id: IG, field: 'comments', value: { text: 'x' } })),
      /body\.entry\[0\]\.value\.from/,
    );
    expect400(
      JSON.stringify(messaging(message({}, { timestamp: 'yesterday' }))),
      /body\.entry\[0\]\.messaging\[0\]\.timestamp/,
    );
    expect400(
      JSON.stringify(messaging({ sender: { id: '65' }, timestamp: 1, message_edit: { text: 'x' } })),
      /body\.entry\[0\]\.messaging\[0\]\.message_edit\.mid/,
    );
  });

  it('never quotes the body in its messages', () => {
    const privateText = 'my card number is 4111 1111 1111 1111';
    for (const raw of [
      `{"object":"instagram","entry":[${privateText}]}`,
      JSON.stringify(changes(comment({ from: privateText }))),
    ]) {
      const error = rejectionOf(() => instagramAdapter.normalize(Buffer.from(raw), context));
      expect(error.code).toBe('malformed_body');
      expect(error.message).not.toContain('4111');
    }
  });
});

describe('Instagram samples', () => {
  it('carries Meta-style \\uXXXX and \\/ escapes in the raw body of unicode-escaped.json and decodes them', async () => {
    const samples = await readSamples(fileURLToPath(new URL('../../../events/instagram', import.meta.url)));
    const sample = samples.find((s) => s.file === 'unicode-escaped.json')!.sample;
    expect(sample.rawBody).toMatch(/\\u00e8.*\\ud83d\\ude1e.*\\u8fd4/);
    expect(/[^\x00-\x7f]/.test(sample.rawBody ?? '')).toBe(false);
    const [event] = instagramAdapter.normalize(sampleBody(sample), context);
    expect(event?.draft.text).toBe('Très déçue 😞 — la bouilloire est arrivée cassée. ¿Reembolso? 返金お願いします');
    expect(event?.draft.externalId).toBe('18099999999999999');
  });
});
