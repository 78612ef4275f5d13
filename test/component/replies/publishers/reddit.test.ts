import { createRedditPublisher } from '#core/replies/publishers/reddit.js';
import { fakePlatformForTests } from '#test-support/fake-platform.js';
import { headerOf, publishContext, publishRequest, type InReplyToParts } from '#test-support/publish-requests.js';

const platform = fakePlatformForTests();
const SECRET = {
  clientId: 'app-id',
  clientSecret: 'app-secret',
  username: 'BrandAccount',
  password: 'pw',
  userAgent: 'server:acme-switchboard:1.0 (by /u/BrandAccount)',
};
const TOKEN = {
  status: 200,
  body: { access_token: 'reddit-token', token_type: 'bearer', expires_in: 86400, scope: '*' },
};
let publisher = createRedditPublisher();
beforeEach(() => {
  publisher = createRedditPublisher();
});
const request = (inReplyTo: InReplyToParts = {}) =>
  publishRequest('reddit', {
    inReplyTo: { externalId: 't1_kx9abc', kind: 'comment', ...inReplyTo },
    secret: SECRET,
    apiBaseUrl: platform.url,
  });
const created = {
  status: 200,
  body: { json: { errors: [], data: { things: [{ kind: 't1', data: { id: 'ky1xyz', name: 't1_ky1xyz' } }] } } },
};

describe('reddit publisher', () => {
  it('logs in with the password grant, then POSTs /api/comment with api_type, thing_id and text', async () => {
    platform.routes({ 'POST /api/v1/access_token': TOKEN, 'POST /api/comment': created });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toEqual({
      kind: 'published',
      platformReplyId: 't1_ky1xyz',
    });
    const [login, comment] = platform.requests;
    expect(headerOf(login!, 'authorization')).toBe(`Basic ${Buffer.from('app-id:app-secret').toString('base64')}`);
    expect(Object.fromEntries(new URLSearchParams(login!.body))).toEqual({
      grant_type: 'password',
      username: 'BrandAccount',
      password: 'pw',
    });
    expect(headerOf(login!, 'user-agent')).toBe(SECRET.userAgent);
    expect(headerOf(comment!, 'authorization')).toBe('bearer reddit-token');
    expect(headerOf(comment!, 'user-agent')).toBe(SECRET.userAgent);
    expect(headerOf(comment!, 'content-type')).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(comment!.body))).toEqual({
      api_type: 'json',
      thing_id: 't1_kx9abc',
      text: 'Thanks for flagging this: we have fixed it.',
    });
    await publisher.publish(request({ kind: 'post', externalId: 't3_1abcd' }), publishContext(platform));
    expect(platform.requests.map((r) => r.path)).toEqual(['/api/v1/access_token', '/api/comment', '/api/comment']);
  });

  it('waits for x-ratelimit-reset (seconds) on a 429 and for json.ratelimit on a RATELIMIT error', async () => {
    platform.routes({
      'POST /api/v1/access_token': TOKEN,
      'POST /api/comment': [
        {
          status: 429,
          headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-used': '100', 'x-ratelimit-reset': '412' },
        },
        {
          status: 200,
          body: {
            json: {
              ratelimit: 93.2,
              errors: [
                [
                  'RATELIMIT',
                  'Looks like you have been doing that a lot. Take a break for 1 minute before trying again.',
                  'ratelimit',
                ],
              ],
            },
          },
        },
        {
          status: 200,
          body: {
            json: { errors: [['RATELIMIT', 'you are doing that too much. try again in 9 minutes.', 'ratelimit']] },
          },
        },
      ],
    });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toMatchObject({
      kind: 'retry',
      retryAfterMs: 412_000,
    });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toMatchObject({
      kind: 'retry',
      retryAfterMs: 93_200,
    });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toMatchObject({
      kind: 'retry',
      retryAfterMs: 540_000,
    });
  });

  it('fails on other json.errors naming the code only, on a 403, and on a wrong password', async () => {
    platform.routes({
      'POST /api/v1/access_token': TOKEN,
      'POST /api/comment': [
        { status: 200, body: { json: { errors: [['THREAD_LOCKED', 'that thread is locked, pw', 'parent']] } } },
        { status: 403, body: { message: 'Forbidden', error: 403 } },
      ],
    });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toEqual({
      kind: 'failed',
      reason: 'reddit refused the reply (THREAD_LOCKED)',
    });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toEqual({
      kind: 'failed',
      reason: 'reddit refused the reply (403)',
    });
    platform.route('POST /api/v1/access_token', { status: 200, body: { error: 'invalid_grant' } });
    await expect(createRedditPublisher().publish(request(), publishContext(platform))).resolves.toMatchObject({
      kind: 'failed',
    });
  });

  it('is uncertain after a 5xx or a hang', async () => {
    platform.routes({ 'POST /api/v1/access_token': TOKEN, 'POST /api/comment': [{ status: 502 }, { hang: true }] });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toMatchObject({ kind: 'uncertain' });
    await expect(publisher.publish(request(), publishContext(platform, 50))).resolves.toEqual({
      kind: 'uncertain',
      reason: 'reddit did not answer in time',
    });
  });

  it('refuses engagements that are not posts or comments', async () => {
    await expect(
      publisher.publish(request({ kind: 'direct_message' }), publishContext(platform)),
    ).resolves.toMatchObject({ kind: 'failed' });
    expect(platform.requests).toHaveLength(0);
  });

  it('find lists the account’s newest comments and finds the reply to the engagement', async () => {
    platform.routes({
      'POST /api/v1/access_token': TOKEN,
      'GET /user/BrandAccount/comments': {
        status: 200,
        body: {
          kind: 'Listing',
          data: {
            after: null,
            children: [
              {
                kind: 't1',
                data: { name: 't1_a', parent_id: 't3_other', body: 'Thanks for flagging this: we have fixed it.' },
              },
              {
                kind: 't1',
                data: { name: 't1_b', parent_id: 't1_kx9abc', body: 'Thanks for flagging this: we have fixed it.' },
              },
            ],
          },
        },
      },
    });
    await expect(publisher.find!(request(), publishContext(platform))).resolves.toBe('t1_b');
    expect(Object.fromEntries(platform.requests[1]!.query)).toEqual({ sort: 'new', limit: '100', raw_json: '1' });
  });
});
