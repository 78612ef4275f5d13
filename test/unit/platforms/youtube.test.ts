import { createHmac } from 'node:crypto';
import { EngagementDraftSchema } from '#core/engagement/engagement.schema.js';
import { channelOfTopic, YOUTUBE_NEW_VIDEO_WINDOW_MS, youtubeAdapter } from '#core/platforms/youtube.js';
import {
  ADAPTER_CONTEXT as context,
  ADAPTER_NOW as now,
  expectMalformedBody,
  getRequest as get,
  postRequest,
  rejectionOf,
} from '#test-support/webhook-requests.js';

const secret = { hubSecret: 'test-youtube-hub-secret', verifyToken: 'test-youtube-verify-token' };
const CHANNEL = 'UCx3kQ7pR2vN8mW4tY6bZ1aA';
const TOPIC = `https://www.youtube.com/xml/feeds/videos.xml?channel_id=${CHANNEL}`;

/** WebSub's X-Hub-Signature computed independently: sha1= + hex HMAC-SHA1(hub.secret, raw body). */
const sign = (body: string | Buffer, key = secret.hubSecret) =>
  `sha1=${createHmac('sha1', key).update(body).digest('hex')}`;
const post = (body: string, headers: Record<string, string> = { 'x-hub-signature': sign(body) }) =>
  postRequest(body, headers);
const normalize = (xml: string) => youtubeAdapter.normalize(Buffer.from(xml, 'utf8'), context);

function feed(inner: string, self = TOPIC): string {
  return (
    `<?xml version='1.0' encoding='UTF-8'?>\n<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns="http://www.w3.org/2005/Atom" xmlns:at="http://purl.org/atompub/tombstones/1.0">` +
    `<link rel="hub" href="https://pubsubhubbub.appspot.com"/><link rel="self" href="${self}"/><title>YouTube video feed</title>` +
    `<updated>2025-06-03T09:20:11.874925153+00:00</updated>${inner}</feed>`
  );
}

interface EntryFields {
  id?: string;
  videoIdTag?: string | null;
  channel?: string | null;
  title?: string;
  published?: string;
  updated?: string;
  link?: string | null;
  author?: boolean;
}

function entry({
  id = 'q3Xy9Lm2Pz0',
  videoIdTag,
  channel = CHANNEL,
  title = 'Acme review',
  published = '2025-06-03T09:15:00+00:00',
  updated = '2025-06-03T09:15:42.118273645+00:00',
  link,
  author = true,
}: EntryFields = {}): string {
  const videoTag = videoIdTag === null ? '' : `<yt:videoId>${videoIdTag ?? id}</yt:videoId>`;
  const channelTag = channel === null ? '' : `<yt:channelId>${channel}</yt:channelId>`;
  const linkTag =
    link === null ? '' : `<link rel="alternate" href="${link ?? `https://www.youtube.com/watch?v=${id}`}"/>`;
  return (
    `<entry><id>yt:video:${id}</id>${videoTag}${channelTag}<title>${title}</title>${linkTag}` +
    (author
      ? `<author><name>Dana Reviews Tech</name><uri>https://www.youtube.com/channel/${CHANNEL}</uri></author>`
      : '') +
    `<published>${published}</published><updated>${updated}</updated></entry>`
  );
}

describe('YouTube WebSub verification (GET)', () => {
  const query = {
    token: secret.verifyToken,
    'hub.mode': 'subscribe',
    'hub.topic': TOPIC,
    'hub.challenge': '17659843620345823418',
    'hub.lease_seconds': '432000',
  };

  it('needs the verifyToken key in its secret', () => {
    expect(youtubeAdapter.secretKeys).toEqual(['hubSecret', 'verifyToken']);
  });

  it.each(['subscribe', 'unsubscribe'])('echoes hub.challenge as text/plain (nosniff) for %s', (mode) => {
    const response = youtubeAdapter.handshake!(get({ ...query, 'hub.mode': mode }), secret);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.body).toBe('17659843620345823418');
  });

  it.each(['subscribe', 'unsubscribe', 'denied'])(
    'refuses hub.mode=%s without the callback token (401): nobody else can confirm it',
    (mode) => {
      const { token: _, ...withoutToken } = { ...query, 'hub.mode': mode };
      const error = rejectionOf(() => youtubeAdapter.handshake!(get(withoutToken), secret));
      expect(error).toMatchObject({ statusCode: 401, code: 'missing_signature' });
      expect(error.message).toContain('?token=');
      expect(rejectionOf(() => youtubeAdapter.handshake!(get({ ...withoutToken, token: ' ' }), secret))).toMatchObject({
        statusCode: 401,
      });
    },
  );

  it.each([
    ['another value', 'wrong-token'],
    ['the token with a character more', `${secret.verifyToken}x`],
    ['the token in another case', secret.verifyToken.toUpperCase()],
    ['the hub secret', secret.hubSecret],
  ])('refuses an unsubscribe with %s as token (403) without repeating it', (_, token) => {
    const error = rejectionOf(() =>
      youtubeAdapter.handshake!(get({ ...query, 'hub.mode': 'unsubscribe', token }), secret),
    );
    expect(error).toMatchObject({ statusCode: 403, code: 'bad_signature' });
    expect(error.message).not.toContain(token);
  });

  it('does not accept the token as hub.verify_token instead of ?token=', () => {
    const { token: _, ...withoutToken } = query;
    expect(
      rejectionOf(() =>
        youtubeAdapter.handshake!(get({ ...withoutToken, 'hub.verify_token': secret.verifyToken }), secret),
      ),
    ).toMatchObject({ statusCode: 401 });
  });

  it.each([
    ['markup', '<script>alert(1)</script>'],
    ['a space', '1765 9843'],
    ['a quote', '"1"'],
    ['257 characters', '1'.repeat(257)],
  ])('refuses to echo a challenge with %s (400 bad_challenge)', (_, challenge) => {
    expect(
      rejectionOf(() => youtubeAdapter.handshake!(get({ ...query, 'hub.challenge': challenge }), secret)),
    ).toMatchObject({ statusCode: 400, code: 'bad_challenge' });
  });

  it('echoes challenges of digits, letters, dots, underscores and dashes up to 256 characters', () => {
    for (const challenge of ['1', 'aB3.x_y-Z', '9'.repeat(256)]) {
      expect(youtubeAdapter.handshake!(get({ ...query, 'hub.challenge': challenge }), secret).body).toBe(challenge);
    }
  });

  it('accepts the documented topic spellings and nothing else', () => {
    expect(channelOfTopic(TOPIC)).toBe(CHANNEL);
    expect(channelOfTopic(`https://www.youtube.com/feeds/videos.xml?channel_id=${CHANNEL}`)).toBe(CHANNEL);
    expect(channelOfTopic(`http://youtube.com/xml/feeds/videos.xml?channel_id=${CHANNEL}`)).toBe(CHANNEL);
    for (const other of [
      'https://evil.example/xml/feeds/videos.xml?channel_id=UC1',
      'https://www.youtube.com/xml/feeds/videos.xml?playlist_id=PL1',
      'https://www.youtube.com/xml/feeds/videos.xml?channel_id=',
      'https://www.youtube.com/xml/feeds/videos.xml?channel_id=UC1%3Cscript',
      'not a url',
      undefined,
    ]) {
      expect(channelOfTopic(other)).toBeUndefined();
    }
  });

  it('refuses a topic Switchboard did not ask for with 404', () => {
    const error = rejectionOf(() =>
      youtubeAdapter.handshake!(get({ ...query, 'hub.topic': 'https://example.com/feed.xml' }), secret),
    );
    expect(error).toMatchObject({ statusCode: 404, code: 'unknown_topic' });
  });

  it.each([
    ['an unknown mode', { ...query, 'hub.mode': 'publish' }, 'bad_hub_mode'],
    ['no mode', { token: secret.verifyToken, 'hub.topic': TOPIC, 'hub.challenge': '1' }, 'bad_hub_mode'],
    ['no challenge', { token: secret.verifyToken, 'hub.mode': 'subscribe', 'hub.topic': TOPIC }, 'missing_challenge'],
  ])('refuses %s with 400', (_, q, code) => {
    expect(rejectionOf(() => youtubeAdapter.handshake!(get(q as Record<string, string>), secret))).toMatchObject({
      statusCode: 400,
      code,
    });
  });

  it('acknowledges a hub.mode=denied notice with an empty 200', () => {
    const response = youtubeAdapter.handshake!(
      get({ token: secret.verifyToken, 'hub.mode': 'denied', 'hub.topic': TOPIC, 'hub.reason': 'unauthorized' }),
      secret,
    );
    expect(response).toMatchObject({ statusCode: 200, body: '' });
  });
});

describe('YouTube signature (X-Hub-Signature, sha1)', () => {
  const body = feed(entry());

  it('accepts sha1=<hex HMAC-SHA1> of the raw body, whatever the header case', () => {
    expect(() => youtubeAdapter.verify(post(body), secret, now)).not.toThrow();
    // The callback token is not required on POST: the signature is the proof.
    expect(post(body).query).toEqual({});
    expect(() => youtubeAdapter.verify(post(body, { 'X-Hub-Signature': sign(body) }), secret, now)).not.toThrow();
  });

  it('has no timestamp: a delivery verifies whatever the clock says', () => {
    expect(() => youtubeAdapter.verify(post(body), secret, new Date('2035-01-01T00:00:00Z'))).not.toThrow();
  });

  it('refuses an unsigned notification (a subscription without hub.secret) with 401 naming the header', () => {
    const error = rejectionOf(() => youtubeAdapter.verify(post(body, {}), secret, now));
    expect(error).toMatchObject({ statusCode: 401, code: 'missing_signature' });
    expect(error.message).toContain('X-Hub-Signature');
  });

  it('refuses a tampered body and another secret with 403', () => {
    const tampered = { ...post(body), rawBody: Buffer.from(body.replace('Acme review', 'Acme rave')) };
    expect(rejectionOf(() => youtubeAdapter.verify(tampered, secret, now))).toMatchObject({
      statusCode: 403,
      code: 'bad_signature',
    });
    expect(
      rejectionOf(() => youtubeAdapter.verify(post(body, { 'x-hub-signature': sign(body, 'other') }), secret, now)),
    ).toMatchObject({ statusCode: 403, code: 'bad_signature' });
  });

  it.each([
    ['a sha256 digest', `sha256=${createHmac('sha256', secret.hubSecret).update(body).digest('hex')}`],
    [
      'a sha256 digest under the sha1= prefix',
      `sha1=${createHmac('sha256', secret.hubSecret).update(body).digest('hex')}`,
    ],
    ['no prefix', createHmac('sha1', secret.hubSecret).update(body).digest('hex')],
    ['garbage', 'sha1=zz'],
  ])('refuses %s with 403 naming the header', (_, value) => {
    const error = rejectionOf(() => youtubeAdapter.verify(post(body, { 'x-hub-signature': value }), secret, now));
    expect(error).toMatchObject({ statusCode: 403, code: 'bad_signature' });
    expect(error.message).toContain('X-Hub-Signature');
  });
});

describe('YouTube normalize', () => {
  it('maps a new video to a post: title as text, channel as author and account', () => {
    const [event, ...rest] = normalize(feed(entry()));
    expect(rest).toHaveLength(0);
    expect(event).toEqual({
      change: 'created',
      draft: {
        platform: 'youtube',
        kind: 'post',
        externalId: 'q3Xy9Lm2Pz0',
        url: 'https://www.youtube.com/watch?v=q3Xy9Lm2Pz0',
        text: 'Acme review',
        createdAt: '2025-06-03T09:15:00.000Z',
        author: { id: CHANNEL, handle: '', name: 'Dana Reviews Tech' },
        account: { id: CHANNEL },
      },
    });
    expect(EngagementDraftSchema.safeParse(event?.draft).success).toBe(true);
  });

  it('calls an entry updated more than the window after publication an edit of the same video', () => {
    const published = '2025-06-03T09:15:00+00:00';
    const justInside = new Date(Date.parse(published) + YOUTUBE_NEW_VIDEO_WINDOW_MS).toISOString();
    const justOutside = new Date(Date.parse(published) + YOUTUBE_NEW_VIDEO_WINDOW_MS + 1).toISOString();
    const events = normalize(
      feed(entry({ published, updated: justInside }) + entry({ published, updated: justOutside, title: 'New title' })),
    );
    expect(events.map((e) => [e.change, e.draft.externalId, e.draft.text])).toEqual([
      ['created', 'q3Xy9Lm2Pz0', 'Acme review'],
      ['edited', 'q3Xy9Lm2Pz0', 'New title'],
    ]);
  });

  it('maps a deleted-entry tombstone to a deletion of the video', () => {
    const tombstone =
      '<at:deleted-entry ref="yt:video:q3Xy9Lm2Pz0" when="2025-06-06T08:00:00.000000000+00:00"><link href="https://www.youtube.com/watch?v=q3Xy9Lm2Pz0"/>' +
      `<at:by><name>Dana Reviews Tech</name><uri>https://www.youtube.com/channel/${CHANNEL}</uri></at:by></at:deleted-entry>`;
    const [event] = normalize(feed(tombstone));
    expect(event).toMatchObject({
      change: 'deleted',
      draft: {
        platform: 'youtube',
        kind: 'post',
        externalId: 'q3Xy9Lm2Pz0',
        text: '',
        createdAt: '2025-06-06T08:00:00.000Z',
        author: { id: CHANNEL, name: 'Dana Reviews Tech' },
      },
    });
    expect(EngagementDraftSchema.safeParse(event?.draft).success).toBe(true);
  });

  it('reads a tombstone under any namespace prefix and takes its channel from the feed when at:by is absent', () => {
    const xml = `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:ts="http://purl.org/atompub/tombstones/1.0"><link rel="self" href="${TOPIC}"/><ts:deleted-entry ref="yt:video:abcDEF12345" when="2025-06-06T08:00:00Z"/></feed>`;
    const [event] = normalize(xml);
    expect(event).toMatchObject({ change: 'deleted', draft: { externalId: 'abcDEF12345', author: { id: CHANNEL } } });
  });

  it('splits every entry of a feed, in order, and keeps digit-only video ids as strings', () => {
    const events = normalize(feed(entry({ id: 'Ab-_12cdEfG' }) + entry({ id: '01234567890', title: '0042' })));
    expect(events.map((e) => [e.draft.externalId, e.draft.text])).toEqual([
      ['Ab-_12cdEfG', 'Acme review'],
      ['01234567890', '0042'],
    ]);
  });

  it('decodes UTF-8, numeric character references and &amp; exactly once', () => {
    const [event] = normalize(feed(entry({ title: 'Caf&#233; ☕️ 東京 &#x1F525; &amp;amp; déçu' })));
    expect(event?.draft.text).toBe('Café ☕️ 東京 🔥 &amp; déçu');
  });

  it('falls back to the id element, the author uri, and the canonical watch URL', () => {
    const [event] = normalize(feed(entry({ videoIdTag: null, channel: null, link: 'javascript:alert(1)' })));
    expect(event?.draft).toMatchObject({
      externalId: 'q3Xy9Lm2Pz0',
      author: { id: CHANNEL },
      url: 'https://www.youtube.com/watch?v=q3Xy9Lm2Pz0',
    });
  });

  it('yields nothing for a feed without entries', () => {
    expect(normalize(feed(''))).toEqual([]);
    expect(normalize('<feed xmlns="http://www.w3.org/2005/Atom"/>')).toEqual([]);
  });

  it('refuses bodies it cannot read with 400, never quoting them', () => {
    expectMalformedBody(youtubeAdapter, '{"event":"json"}', /not well-formed XML \(line 1, column 1\).*Atom <feed>/);
    expectMalformedBody(youtubeAdapter, '<feed><entry><title>secret words</feed>', /not well-formed XML/);
    expect(rejectionOf(() => normalize('<feed><entry><title>secret words</feed>')).message).not.toContain('secret');
    expectMalformedBody(youtubeAdapter, '<rss><channel/></rss>', /root element is not <feed>/);
    expectMalformedBody(
      youtubeAdapter,
      feed(entry({ videoIdTag: 'bad id!', id: 'bad id!' })),
      /feed\.entry\[0\]\.videoId/,
    );
    expectMalformedBody(
      youtubeAdapter,
      feed(entry({ channel: null, author: false }), 'https://example.com/x'),
      /feed\.entry\[0\]\.channelId/,
    );
    expectMalformedBody(
      youtubeAdapter,
      feed(entry({ published: 'last Tuesday' })),
      /feed\.entry\[0\]\.published: expected an RFC 3339 date/,
    );
    expectMalformedBody(
      youtubeAdapter,
      feed(entry({ updated: '2025-06-03T09:15:00' })),
      /feed\.entry\[0\]\.updated: expected an RFC 3339 date/,
    );
    expectMalformedBody(
      youtubeAdapter,
      feed('<at:deleted-entry ref="tag:other" when="2025-06-06T08:00:00Z"/>'),
      /deleted-entry\[0\]@ref/,
    );
    expectMalformedBody(youtubeAdapter, feed('<entry/>'), /feed\.entry\[0\]\.videoId/);
    expect(rejectionOf(() => youtubeAdapter.normalize(Buffer.from([0x3c, 0xff, 0x3e]), context)).message).toMatch(
      /UTF-8/,
    );
  });

  it('refuses a DOCTYPE outright with 400, entities declared or not', () => {
    const entities = Array.from(
      { length: 12 },
      (_, i) => `<!ENTITY e${i} "${i === 0 ? 'lol' : `&e${i - 1};`.repeat(10)}">`,
    ).join('');
    const bomb = `<?xml version="1.0"?><!DOCTYPE feed [${entities}]>${feed(entry({ title: '&e11;' }))}`;
    expectMalformedBody(youtubeAdapter, bomb, /DOCTYPE/);
    expectMalformedBody(
      youtubeAdapter,
      `<!DOCTYPE feed [<!ENTITY t "Acme">]>${feed(entry({ title: '&t;' }))}`,
      /DOCTYPE/,
    );
    expectMalformedBody(youtubeAdapter, `<!doctype feed>${feed(entry())}`, /DOCTYPE/);
    expect(rejectionOf(() => normalize(bomb)).message).not.toContain('lol');
  });

  it('turns the parser giving up (nesting beyond its limit) into a 400, not a server error', () => {
    const deep = feed(`<entry>${'<x>'.repeat(20_000)}${'</x>'.repeat(20_000)}</entry>`);
    expectMalformedBody(youtubeAdapter, deep, /could not be parsed as XML/);
  });
});
