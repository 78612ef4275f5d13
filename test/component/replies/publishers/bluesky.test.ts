import { createBlueskyPublisher } from '#core/replies/publishers/bluesky.js';
import { fakePlatformForTests } from '#test-support/fake-platform.js';
import {
  headerOf,
  PUBLISH_NOW,
  publishContext,
  publishRequest,
  type InReplyToParts,
} from '#test-support/publish-requests.js';

const platform = fakePlatformForTests();
const PARENT = 'at://did:plc:customer/app.bsky.feed.post/3kparent';
const ROOT = { uri: 'at://did:plc:brand/app.bsky.feed.post/3kroot', cid: 'bafyroot' };
const jwt = (exp: number) => `e30.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.sig`;
const SESSION = {
  status: 200,
  body: {
    did: 'did:plc:brand',
    handle: 'brand.bsky.social',
    accessJwt: jwt(PUBLISH_NOW.getTime() / 1000 + 7200),
    refreshJwt: 'r',
  },
};
const POSTS = {
  status: 200,
  body: { posts: [{ uri: PARENT, cid: 'bafyparent', record: { text: 'hi', reply: { root: ROOT, parent: ROOT } } }] },
};
let publisher = createBlueskyPublisher();
beforeEach(() => {
  publisher = createBlueskyPublisher();
});
const request = (inReplyTo: InReplyToParts = {}) =>
  publishRequest('bluesky', {
    inReplyTo: { externalId: PARENT, kind: 'reply', ...inReplyTo },
    secret: { identifier: 'brand.bsky.social', appPassword: 'abcd-efgh-ijkl-mnop' },
    apiBaseUrl: platform.url,
  });

describe('bluesky publisher', () => {
  it('logs in, reads the parent’s cid and root, and creates the reply record', async () => {
    platform.routes({
      'POST /xrpc/com.atproto.server.createSession': SESSION,
      'GET /xrpc/app.bsky.feed.getPosts': POSTS,
      'POST /xrpc/com.atproto.repo.createRecord': {
        status: 200,
        body: { uri: 'at://did:plc:brand/app.bsky.feed.post/3kreply', cid: 'bafyreply' },
      },
    });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toEqual({
      kind: 'published',
      platformReplyId: 'at://did:plc:brand/app.bsky.feed.post/3kreply',
    });
    const [login, lookup, create] = platform.requests;
    expect(JSON.parse(login!.body)).toEqual({ identifier: 'brand.bsky.social', password: 'abcd-efgh-ijkl-mnop' });
    expect(lookup!.query.getAll('uris')).toEqual([PARENT]);
    expect(headerOf(lookup!, 'authorization')).toBe(`Bearer ${SESSION.body.accessJwt}`);
    expect(headerOf(create!, 'content-type')).toBe('application/json');
    expect(JSON.parse(create!.body)).toEqual({
      repo: 'did:plc:brand',
      collection: 'app.bsky.feed.post',
      record: {
        $type: 'app.bsky.feed.post',
        text: 'Thanks for flagging this: we have fixed it.',
        createdAt: PUBLISH_NOW.toISOString(),
        reply: { root: ROOT, parent: { uri: PARENT, cid: 'bafyparent' } },
      },
    });

    // The session is kept: the next reply does not log in again.
    await publisher.publish(request(), publishContext(platform));
    expect(platform.requests.filter((r) => r.path.endsWith('createSession'))).toHaveLength(1);
  });

  it('makes the parent the root when it starts the thread', async () => {
    platform.routes({
      'POST /xrpc/com.atproto.server.createSession': SESSION,
      'GET /xrpc/app.bsky.feed.getPosts': {
        status: 200,
        body: { posts: [{ uri: PARENT, cid: 'bafyparent', record: { text: 'x' } }] },
      },
      'POST /xrpc/com.atproto.repo.createRecord': {
        status: 200,
        body: { uri: 'at://did:plc:brand/app.bsky.feed.post/3', cid: 'c' },
      },
    });
    await publisher.publish(request({ kind: 'mention' }), publishContext(platform));
    const parent = { uri: PARENT, cid: 'bafyparent' };
    expect(JSON.parse(platform.requests[2]!.body).record.reply).toEqual({ root: parent, parent });
  });

  it('renews a session the PDS refuses (ExpiredToken) once', async () => {
    platform.routes({
      'POST /xrpc/com.atproto.server.createSession': SESSION,
      'GET /xrpc/app.bsky.feed.getPosts': [
        { status: 400, body: { error: 'ExpiredToken', message: 'Token has expired' } },
        POSTS,
      ],
      'POST /xrpc/com.atproto.repo.createRecord': {
        status: 200,
        body: { uri: 'at://did:plc:brand/app.bsky.feed.post/3', cid: 'c' },
      },
    });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toMatchObject({ kind: 'published' });
    expect(platform.requests.map((r) => r.path.split('.').pop())).toEqual([
      'createSession',
      'getPosts',
      'createSession',
      'getPosts',
      'createRecord',
    ]);
  });

  it('waits for RateLimit-Reset on a 429; is uncertain after a 5xx or a hang on createRecord; fails on a 4xx', async () => {
    const reset = String(PUBLISH_NOW.getTime() / 1000 + 300);
    platform.routes({
      'POST /xrpc/com.atproto.server.createSession': SESSION,
      'GET /xrpc/app.bsky.feed.getPosts': POSTS,
      'POST /xrpc/com.atproto.repo.createRecord': [
        { status: 429, headers: { 'ratelimit-limit': '5000', 'ratelimit-remaining': '0', 'ratelimit-reset': reset } },
        { status: 500 },
        { hang: true },
        {
          status: 400,
          body: { error: 'InvalidRequest', message: 'Record/text must not be longer than 300 graphemes' },
        },
      ],
    });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toMatchObject({
      kind: 'retry',
      retryAfterMs: 300_000,
    });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toMatchObject({ kind: 'uncertain' });
    await expect(publisher.publish(request(), publishContext(platform, 50))).resolves.toMatchObject({
      kind: 'uncertain',
    });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toEqual({
      kind: 'failed',
      reason: 'bluesky createRecord refused the reply (400)',
    });
  });

  it('fails for a deleted parent, a like, and a refused login', async () => {
    platform.routes({
      'POST /xrpc/com.atproto.server.createSession': [
        SESSION,
        { status: 401, body: { error: 'AuthenticationRequired' } },
      ],
      'GET /xrpc/app.bsky.feed.getPosts': { status: 200, body: { posts: [] } },
    });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toMatchObject({ kind: 'failed' });
    await expect(
      publisher.publish(
        request({ kind: 'reaction', externalId: 'at://did:plc:x/app.bsky.feed.like/1' }),
        publishContext(platform),
      ),
    ).resolves.toMatchObject({ kind: 'failed' });
    await expect(createBlueskyPublisher().publish(request(), publishContext(platform))).resolves.toEqual({
      kind: 'failed',
      reason: 'bluesky createSession refused the reply (401)',
    });
  });

  it('find lists the account’s own post records and finds the reply to the engagement', async () => {
    platform.routes({
      'POST /xrpc/com.atproto.server.createSession': SESSION,
      'GET /xrpc/com.atproto.repo.listRecords': {
        status: 200,
        body: {
          records: [
            {
              uri: 'at://did:plc:brand/app.bsky.feed.post/a',
              cid: 'a',
              value: { text: 'Thanks for flagging this: we have fixed it.' },
            },
            {
              uri: 'at://did:plc:brand/app.bsky.feed.post/b',
              cid: 'b',
              value: {
                text: 'Thanks for flagging this: we have fixed it.',
                reply: { root: ROOT, parent: { uri: PARENT, cid: 'bafyparent' } },
              },
            },
          ],
        },
      },
    });
    await expect(publisher.find!(request(), publishContext(platform))).resolves.toBe(
      'at://did:plc:brand/app.bsky.feed.post/b',
    );
    expect(Object.fromEntries(platform.requests[1]!.query)).toEqual({
      repo: 'did:plc:brand',
      collection: 'app.bsky.feed.post',
      limit: '100',
    });
  });
});
