import { createHmac } from 'node:crypto';
import { createXPublisher, oauth1Signature, percentEncode } from '#core/replies/publishers/x.js';
import { fakePlatformForTests } from '#test-support/fake-platform.js';
import { headerOf, PUBLISH_NOW, publishContext, publishRequest } from '#test-support/publish-requests.js';

const platform = fakePlatformForTests();
const SECRET = {
  consumerKey: 'ck-123',
  consumerSecret: 'cs-456',
  accessToken: '99-at-789',
  accessTokenSecret: 'ats-012',
};
const publisher = createXPublisher({ nonce: () => 'fixed-nonce' });
const request = (kind: 'mention' | 'direct_message' = 'mention', account = '99') =>
  publishRequest('x', {
    inReplyTo: { externalId: '1890000000000000001', kind, account: { id: account } },
    secret: SECRET,
    apiBaseUrl: platform.url,
  });

/** The Authorization header's parameters, decoded. */
function oauthParams(header: string): Record<string, string> {
  expect(header.startsWith('OAuth ')).toBe(true);
  return Object.fromEntries(
    [...header.slice(6).matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => [m[1]!, decodeURIComponent(m[2]!)]),
  );
}

/** The signature X expects, computed here independently of the publisher's signer. */
function expectedSignature(method: string, url: URL, params: Record<string, string>): string {
  const all = [...url.searchParams, ...Object.entries(params).filter(([k]) => k !== 'oauth_signature')]
    .map(([k, v]) => [percentEncode(k), percentEncode(v)])
    .sort(([a, av], [b, bv]) => (a === b ? (av! < bv! ? -1 : 1) : a! < b! ? -1 : 1));
  const base = `${method}&${percentEncode(`${url.origin}${url.pathname}`)}&${percentEncode(all.map(([k, v]) => `${k}=${v}`).join('&'))}`;
  return createHmac('sha1', `${SECRET.consumerSecret}&${SECRET.accessTokenSecret}`).update(base).digest('base64');
}

describe('x publisher', () => {
  it('signs OAuth 1.0a as X documents it (the "Creating a signature" example)', () => {
    expect(
      oauth1Signature({
        method: 'POST',
        url: 'https://api.twitter.com/1.1/statuses/update.json?include_entities=true',
        bodyParams: [['status', 'Hello Ladies + Gentlemen, a signed OAuth request!']],
        consumerKey: 'xvz1evFS4wEEPTGEFPHBog',
        consumerSecret: 'kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw',
        token: '370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb',
        tokenSecret: 'LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE',
        nonce: 'kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg',
        timestamp: '1318622958',
      }),
    ).toBe('hCtSmYh+iHYCEqBWrE7C7hYmtUk=');
  });

  it('POSTs /2/tweets with reply.in_reply_to_tweet_id, OAuth 1.0a signed, and reports data.id', async () => {
    platform.route('POST /2/tweets', {
      status: 201,
      body: { data: { id: '1890000000000000999', text: 'Thanks for flagging this: we have fixed it.' } },
    });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toEqual({
      kind: 'published',
      platformReplyId: '1890000000000000999',
    });
    const [sent] = platform.requests;
    expect(sent!.method).toBe('POST');
    expect(headerOf(sent!, 'content-type')).toBe('application/json');
    expect(JSON.parse(sent!.body)).toEqual({
      text: 'Thanks for flagging this: we have fixed it.',
      reply: { in_reply_to_tweet_id: '1890000000000000001' },
    });
    const params = oauthParams(headerOf(sent!, 'authorization'));
    expect(params).toMatchObject({
      oauth_consumer_key: 'ck-123',
      oauth_token: '99-at-789',
      oauth_signature_method: 'HMAC-SHA1',
      oauth_timestamp: String(PUBLISH_NOW.getTime() / 1000),
      oauth_nonce: 'fixed-nonce',
      oauth_version: '1.0',
    });
    expect(params.oauth_signature).toBe(expectedSignature('POST', new URL(`${platform.url}/2/tweets`), params));
  });

  it('waits for x-rate-limit-reset on a 429', async () => {
    const reset = String(PUBLISH_NOW.getTime() / 1000 + 900);
    platform.route('POST /2/tweets', {
      status: 429,
      headers: { 'x-rate-limit-reset': reset, 'x-rate-limit-remaining': '0' },
    });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toEqual({
      kind: 'retry',
      reason: 'x rate-limited the reply (429)',
      retryAfterMs: 900_000,
    });
  });

  it('is uncertain after a 5xx or a hang, and fails on a 4xx without quoting the body', async () => {
    expect(publisher.idempotent).toBe(false);
    platform.route('POST /2/tweets', { status: 503, body: { title: 'Service Unavailable' } });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toMatchObject({ kind: 'uncertain' });
    platform.route('POST /2/tweets', { hang: true });
    await expect(publisher.publish(request(), publishContext(platform, 50))).resolves.toEqual({
      kind: 'uncertain',
      reason: 'x did not answer in time',
    });
    platform.route('POST /2/tweets', { status: 403, body: { detail: 'You are not allowed to reply to 99-at-789' } });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toEqual({
      kind: 'failed',
      reason: 'x refused the reply (403)',
    });
  });

  it('refuses direct messages without a request', async () => {
    await expect(publisher.publish(request('direct_message'), publishContext(platform))).resolves.toMatchObject({
      kind: 'failed',
    });
    expect(platform.requests).toHaveLength(0);
  });

  describe('find', () => {
    const timeline = {
      data: [
        {
          id: '3',
          text: 'Thanks for flagging this: we have fixed it.',
          referenced_tweets: [{ type: 'replied_to', id: '42' }],
        },
        {
          id: '2',
          text: 'Thanks for flagging this: we have fixed it.',
          referenced_tweets: [{ type: 'replied_to', id: '1890000000000000001' }],
        },
      ],
    };

    it('reads the account’s posts and finds the reply to the engagement with the same text', async () => {
      platform.route('GET /2/users/99/tweets', { status: 200, body: timeline });
      await expect(publisher.find!(request(), publishContext(platform))).resolves.toBe('2');
      const [listed] = platform.requests;
      expect(Object.fromEntries(listed!.query)).toEqual({
        max_results: '100',
        exclude: 'retweets',
        'tweet.fields': 'referenced_tweets',
      });
      const params = oauthParams(headerOf(listed!, 'authorization'));
      // The recorded URL's host is the server's view; the signature covers the URL the client used.
      const signed = new URL(`${listed!.url.pathname}${listed!.url.search}`, platform.url);
      expect(params.oauth_signature).toBe(expectedSignature('GET', signed, params));
    });

    it('asks users/me for the account when the engagement does not name it, and finds nothing else', async () => {
      platform.routes({
        'GET /2/users/me': { status: 200, body: { data: { id: '77', username: 'brand' } } },
        'GET /2/users/77/tweets': { status: 200, body: { data: [timeline.data[0]] } },
      });
      await expect(publisher.find!(request('mention', 'brand'), publishContext(platform))).resolves.toBeUndefined();
      expect(platform.requests.map((r) => r.path)).toEqual(['/2/users/me', '/2/users/77/tweets']);
    });

    it('throws when the posts cannot be read (never "no reply there")', async () => {
      platform.route('GET /2/users/99/tweets', { status: 503 });
      await expect(publisher.find!(request(), publishContext(platform))).rejects.toThrow('x user posts answered 503');
    });
  });
});
