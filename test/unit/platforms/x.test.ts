import { createHmac } from 'node:crypto';
import { EngagementDraftSchema } from '#core/engagement/engagement.schema.js';
import { xAdapter } from '#core/platforms/x.js';
import { xSignature } from '#test-support/signatures.js';
import {
  ADAPTER_CONTEXT as context,
  ADAPTER_NOW as now,
  expectMalformedBody,
  getRequest,
  normalizeJson,
  postRequest,
  rejectionOf,
} from '#test-support/webhook-requests.js';

const secret = { consumerSecret: 'test-consumer-secret' };
const BRAND = '900000000000000001';

const sign = (body: Buffer, key = secret.consumerSecret) => xSignature(body, key);
const post = (
  body: string,
  headers: Record<string, string> = { 'x-twitter-webhooks-signature': sign(Buffer.from(body)) },
) => postRequest(body, headers);

const normalize = (body: unknown) => normalizeJson(xAdapter, body);

function tweet(overrides: Record<string, unknown> = {}) {
  return {
    created_at: 'Tue Jun 03 09:15:00 +0000 2025',
    id_str: '1800000000000000123',
    text: '@acme my order never arrived',
    truncated: false,
    in_reply_to_status_id_str: null,
    user: { id_str: '42', screen_name: 'jdoe', name: 'J Doe', followers_count: 310 },
    entities: { user_mentions: [{ id_str: BRAND, screen_name: 'acme' }] },
    ...overrides,
  };
}

describe('X CRC handshake', () => {
  it('answers with sha256=base64(HMAC-SHA256(consumer secret, crc_token)) as JSON', () => {
    const token = 'crc-token-ZmFrZQ';
    const response = xAdapter.handshake!(getRequest({ crc_token: token }), secret);
    const expected = `sha256=${createHmac('sha256', secret.consumerSecret).update(token).digest('base64')}`;
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(JSON.parse(response.body)).toEqual({ response_token: expected });
  });

  it('refuses a GET without crc_token with 400', () => {
    const error = rejectionOf(() => xAdapter.handshake!(getRequest({}), secret));
    expect(error).toMatchObject({ statusCode: 400, code: 'missing_crc_token' });
  });

  it.each([
    ['base64', 'ODE0OTMyZjEtOGE0MS00MTk2LWI5ZmEtZDQ3NDg2ZGIwMmJi'],
    ['base64 with + / and padding', 'aGVsbG8+d29ybGQ/Zm9vYmFy+/8='],
    ['base64url', 'aGVsbG8-d29ybGQ_Zm9vYmFy'],
    ['a UUID', '890e4bcc-0ec1-4ed4-a2cc-0fbb2a6c3b1b'],
    ['256 characters', 'A'.repeat(256)],
  ])('answers a real-looking token (%s)', (_, token) => {
    const response = xAdapter.handshake!(getRequest({ crc_token: token }), secret);
    expect(JSON.parse(response.body)).toEqual({
      response_token: `sha256=${createHmac('sha256', secret.consumerSecret).update(token).digest('base64')}`,
    });
  });

  it('refuses to answer a JSON body offered as crc_token: its answer would sign that body as a delivery', () => {
    const forged = JSON.stringify({
      for_user_id: BRAND,
      tweet_create_events: [tweet({ text: '@acme forged delivery' })],
    });
    // The CRC answer and the POST signature are the same function: what makes the forgery possible.
    expect(xSignature(Buffer.from(forged), secret.consumerSecret)).toBe(
      `sha256=${createHmac('sha256', secret.consumerSecret).update(forged).digest('base64')}`,
    );
    const error = rejectionOf(() => xAdapter.handshake!(getRequest({ crc_token: forged }), secret));
    expect(error).toMatchObject({ statusCode: 400, code: 'bad_crc_token' });
    expect(error.message).not.toContain('forged');
  });

  it.each([
    ['a JSON object', '{"for_user_id":"1"}'],
    ['a JSON array', '[1,2,3,4,5,6,7,8]'],
    ['a JSON string', '"abcdefgh"'],
    ['a JSON number', '12345678'],
    ['a JSON number with a fraction and exponent', '-1234.5e+67'],
    ['JSON with blanks', ' {"a": 1} '],
    ['a too short token', 'abc1234'],
    ['a too long token', 'A'.repeat(257)],
    ['a token with a space', 'abcd efgh'],
    ['a token with HTML', '<script>alert(1)</script>'],
  ])('refuses %s with 400 bad_crc_token', (_, token) => {
    expect(rejectionOf(() => xAdapter.handshake!(getRequest({ crc_token: token }), secret))).toMatchObject({
      statusCode: 400,
      code: 'bad_crc_token',
    });
  });

  it('never answers with a signature that verifies a parsable body', () => {
    // Random tokens over the admitted alphabet, biased towards the JSON-number characters, plus
    // every X sample body: whatever is answered is the signature of a body that is not JSON.
    let seed = 0x5eed;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const alphabets = [
      'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_.~-',
      '0123456789.eE+-',
      '0123456789',
    ];
    const tokens = Array.from({ length: 3000 }, (_, i) => {
      const alphabet = alphabets[i % alphabets.length]!;
      return Array.from(
        { length: 8 + Math.floor(random() * 40) },
        () => alphabet[Math.floor(random() * alphabet.length)],
      ).join('');
    });
    const bodies = [
      JSON.stringify({ for_user_id: BRAND, tweet_create_events: [tweet()] }),
      JSON.stringify({ for_user_id: BRAND }),
      '{}',
      '[]',
      '12345678',
      '1e10000000',
    ];
    let answered = 0;
    for (const token of [...tokens, ...bodies]) {
      let body: string | undefined;
      try {
        body = JSON.parse(xAdapter.handshake!(getRequest({ crc_token: token }), secret).body).response_token;
      } catch (error) {
        expect(error).toMatchObject({ statusCode: 400, code: 'bad_crc_token' });
        continue;
      }
      answered += 1;
      // The answer is a valid POST signature for a body equal to the token…
      expect(() => xAdapter.verify(post(token, { 'x-twitter-webhooks-signature': body! }), secret, now)).not.toThrow();
      // …so that body must be unreadable: not JSON, and refused by normalize with a 400.
      expect(() => JSON.parse(token)).toThrow();
      expect(rejectionOf(() => xAdapter.normalize(Buffer.from(token), context))).toMatchObject({
        statusCode: 400,
        code: 'malformed_body',
      });
    }
    expect(answered).toBeGreaterThan(500);
  });
});

describe('X signature', () => {
  const body = JSON.stringify({ for_user_id: BRAND, tweet_create_events: [tweet()] });

  it('accepts the base64 HMAC-SHA256 of the raw body, whatever the header case', () => {
    expect(() => xAdapter.verify(post(body), secret, now)).not.toThrow();
    expect(() =>
      xAdapter.verify(post(body, { 'X-Twitter-Webhooks-Signature': sign(Buffer.from(body)) }), secret, now),
    ).not.toThrow();
  });

  it('refuses a missing header with 401 naming it', () => {
    const error = rejectionOf(() => xAdapter.verify(post(body, {}), secret, now));
    expect(error).toMatchObject({ statusCode: 401, code: 'missing_signature' });
    expect(error.message).toContain('X-Twitter-Webhooks-Signature');
  });

  it('refuses a tampered body with 403', () => {
    const request = { ...post(body), rawBody: Buffer.from(body.replace('never arrived', 'arrived')) };
    expect(rejectionOf(() => xAdapter.verify(request, secret, now))).toMatchObject({
      statusCode: 403,
      code: 'bad_signature',
    });
  });

  it('refuses a signature made with another secret with 403', () => {
    const request = post(body, { 'x-twitter-webhooks-signature': sign(Buffer.from(body), 'another-secret') });
    expect(rejectionOf(() => xAdapter.verify(request, secret, now))).toMatchObject({
      statusCode: 403,
      code: 'bad_signature',
    });
  });

  it.each([
    ['hex digest', `sha256=${createHmac('sha256', secret.consumerSecret).update(body).digest('hex')}`],
    ['no prefix', createHmac('sha256', secret.consumerSecret).update(body).digest('base64')],
    ['garbage', 'sha256=!!!'],
  ])('refuses a malformed header (%s) with 403 naming it', (_, value) => {
    const error = rejectionOf(() =>
      xAdapter.verify(post(body, { 'x-twitter-webhooks-signature': value }), secret, now),
    );
    expect(error).toMatchObject({ statusCode: 403, code: 'bad_signature' });
    expect(error.message).toContain('X-Twitter-Webhooks-Signature');
  });
});

describe('X normalize: posts', () => {
  it('maps a mention with author, url, ISO createdAt and the subscribed account', () => {
    const [event, ...rest] = normalize({ for_user_id: BRAND, tweet_create_events: [tweet()] });
    expect(rest).toHaveLength(0);
    expect(event).toEqual({
      change: 'created',
      draft: {
        platform: 'x',
        kind: 'mention',
        externalId: '1800000000000000123',
        url: 'https://x.com/jdoe/status/1800000000000000123',
        text: '@acme my order never arrived',
        createdAt: '2025-06-03T09:15:00.000Z',
        author: { id: '42', handle: 'jdoe', name: 'J Doe', followers: 310 },
        account: { id: BRAND },
      },
    });
    expect(EngagementDraftSchema.safeParse(event?.draft).success).toBe(true);
  });

  it('classifies a reply (even one that also mentions the account) as reply with its parent', () => {
    const [event] = normalize({
      for_user_id: BRAND,
      tweet_create_events: [tweet({ in_reply_to_status_id_str: '1799999999999999000' })],
    });
    expect(event?.draft.kind).toBe('reply');
    expect(event?.draft.thread).toEqual({ parentId: '1799999999999999000' });
  });

  it('classifies reposts and quotes as share, and other posts as post', () => {
    const noMention = { entities: { user_mentions: [] } };
    const kinds = normalize({
      for_user_id: BRAND,
      tweet_create_events: [
        tweet({ ...noMention, id_str: '1', retweeted_status: { id_str: '9' } }),
        tweet({ ...noMention, id_str: '2', is_quote_status: true, quoted_status: { id_str: '9' } }),
        tweet({ ...noMention, id_str: '3' }),
      ],
    }).map((e) => e.draft.kind);
    expect(kinds).toEqual(['share', 'share', 'post']);
  });

  it('drops posts by the subscribed account itself', () => {
    expect(
      normalize({ for_user_id: BRAND, tweet_create_events: [tweet({ user: { id_str: BRAND, screen_name: 'acme' } })] }),
    ).toEqual([]);
  });

  it('takes the text and mentions of a truncated post from extended_tweet', () => {
    const [event] = normalize({
      for_user_id: BRAND,
      tweet_create_events: [
        tweet({
          truncated: true,
          text: 'A long complaint about the… https://t.co/x',
          entities: { user_mentions: [] },
          extended_tweet: {
            full_text: 'A long complaint about the @acme app, in full.',
            entities: { user_mentions: [{ id_str: BRAND }] },
          },
        }),
      ],
    });
    expect(event?.draft.text).toBe('A long complaint about the @acme app, in full.');
    expect(event?.draft.kind).toBe('mention');
  });

  it('undoes the HTML escapes of v1.1 text exactly once', () => {
    const [event] = normalize({
      for_user_id: BRAND,
      tweet_create_events: [tweet({ text: 'a &amp; b &lt;3 &gt; c &amp;lt;' })],
    });
    expect(event?.draft.text).toBe('a & b <3 > c &lt;');
  });

  it('converts created_at with any offset to UTC ISO 8601', () => {
    const [event] = normalize({
      for_user_id: BRAND,
      tweet_create_events: [tweet({ created_at: 'Thu Jun 05 18:45:09 +0200 2025' })],
    });
    expect(event?.draft.createdAt).toBe('2025-06-05T16:45:09.000Z');
  });

  it('keeps every digit of ids beyond 2^53 by reading id_str, never the numeric id', () => {
    const raw =
      `{"for_user_id":"${BRAND}","tweet_create_events":[{"created_at":"Tue Jun 03 09:15:00 +0000 2025",` +
      `"id":1930697412345678901,"id_str":"1930697412345678901","text":"@acme hi","in_reply_to_status_id":1930697412345678899,` +
      `"in_reply_to_status_id_str":"1930697412345678899","user":{"id":1234567890123456789,"id_str":"1234567890123456789","screen_name":"z"}}]}`;
    expect(String(JSON.parse(raw).tweet_create_events[0].id)).not.toBe('1930697412345678901');
    const [event] = xAdapter.normalize(Buffer.from(raw), context);
    expect(event?.draft.externalId).toBe('1930697412345678901');
    expect(event?.draft.author.id).toBe('1234567890123456789');
    expect(event?.draft.thread?.parentId).toBe('1930697412345678899');
  });
});

describe('X normalize: direct messages, likes, deletions, other events', () => {
  const dm = (sender: string, recipient: string) => ({
    type: 'message_create',
    id: '1800000000000000777',
    created_timestamp: '1748945123456',
    message_create: { sender_id: sender, target: { recipient_id: recipient }, message_data: { text: 'Hello?' } },
  });

  it('maps a received DM with its author from the users map', () => {
    const [event] = normalize({
      for_user_id: BRAND,
      direct_message_events: [dm('42', BRAND)],
      users: { '42': { id: '42', screen_name: 'jdoe', name: 'J Doe', followers_count: 310, verified: false } },
    });
    expect(event).toEqual({
      change: 'created',
      draft: {
        platform: 'x',
        kind: 'direct_message',
        externalId: '1800000000000000777',
        text: 'Hello?',
        createdAt: '2025-06-03T10:05:23.456Z',
        author: { id: '42', handle: 'jdoe', name: 'J Doe', followers: 310, verified: false },
        account: { id: BRAND },
        thread: { conversationId: `42-${BRAND}` },
      },
    });
  });

  it('uses empty handle and name when the users map lacks the sender', () => {
    const [event] = normalize({ for_user_id: BRAND, direct_message_events: [dm('42', BRAND)] });
    expect(event?.draft.author).toEqual({ id: '42', handle: '', name: '' });
  });

  it('drops DMs sent by the subscribed account', () => {
    expect(normalize({ for_user_id: BRAND, direct_message_events: [dm(BRAND, '42')] })).toEqual([]);
  });

  it('maps a like of the account post to a reaction without the liked text', () => {
    const [event] = normalize({
      for_user_id: BRAND,
      favorite_events: [
        {
          id: 'a7ba59eab0bfcba386f7acedac279542',
          timestamp_ms: 1749028364000,
          favorited_status: {
            id_str: '1930100000000000001',
            text: 'Our news',
            user: { id_str: BRAND, screen_name: 'acme' },
          },
          user: { id_str: '5523001', screen_name: 'mrossi', name: 'Marco Rossi' },
        },
      ],
    });
    expect(event?.draft).toMatchObject({
      kind: 'reaction',
      externalId: 'a7ba59eab0bfcba386f7acedac279542',
      text: '',
      url: 'https://x.com/acme/status/1930100000000000001',
      createdAt: '2025-06-04T09:12:44.000Z',
      thread: { parentId: '1930100000000000001' },
    });
  });

  it('turns a deletion into a deleted change on the same id, and ignores the account deleting its own post', () => {
    const events = normalize({
      for_user_id: BRAND,
      tweet_delete_events: [
        { status: { id: '1800000000000000123', user_id: '42' }, timestamp_ms: '1748950000000' },
        { status: { id: '1800000000000000999', user_id: BRAND }, timestamp_ms: '1748950000000' },
      ],
    });
    expect(events).toHaveLength(1);
    expect(events[0]?.change).toBe('deleted');
    expect(events[0]?.draft).toMatchObject({
      externalId: '1800000000000000123',
      author: { id: '42' },
      createdAt: '2025-06-03T11:26:40.000Z',
    });
    expect(EngagementDraftSchema.safeParse(events[0]?.draft).success).toBe(true);
  });

  it('yields nothing for typing, read, follow events and a replay-job status', () => {
    expect(normalize({ for_user_id: BRAND, direct_message_indicate_typing_events: [{ sender_id: '42' }] })).toEqual([]);
    expect(normalize({ for_user_id: BRAND, direct_message_mark_read_events: [{ sender_id: '42' }] })).toEqual([]);
    expect(normalize({ for_user_id: BRAND, follow_events: [{ type: 'follow' }] })).toEqual([]);
    expect(normalize({ replay_job_status: { job_state: 'Complete', job_id: '1', webhook_id: '2' } })).toEqual([]);
  });
});

describe('X normalize: malformed bodies', () => {
  const expect400 = (raw: string, pattern: RegExp) => expectMalformedBody(xAdapter, raw, pattern);

  it('refuses bad JSON, a non-object and a body without for_user_id, saying what was expected', () => {
    expect400('{"for_user_id":', /not valid JSON.*X Account Activity/);
    expect400('[1,2]', /X Account Activity.*expected object/);
    expect400('{"tweet_create_events":[]}', /for_user_id is missing/);
  });

  it('refuses an X Activity API (data envelope) delivery instead of dropping it', () => {
    expect400(JSON.stringify({ data: { event_type: 'post.mention.create', payload: { id: '1' } } }), /for_user_id/);
  });

  it('names the path of a broken event', () => {
    expect400(
      JSON.stringify({ for_user_id: BRAND, tweet_create_events: [tweet(), tweet({ id_str: undefined })] }),
      /body\.tweet_create_events\[1\]\.id_str/,
    );
    expect400(
      JSON.stringify({ for_user_id: BRAND, tweet_create_events: [tweet({ created_at: '2025-13-45' })] }),
      /created_at.*Tue Jun 03/,
    );
    expect400(
      JSON.stringify({
        for_user_id: BRAND,
        direct_message_events: [{ type: 'message_create', id: '1', created_timestamp: '1' }],
      }),
      /direct_message_events\[0\]\.message_create/,
    );
  });
});
