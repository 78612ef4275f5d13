import { createYoutubePublisher } from '#core/replies/publishers/youtube.js';
import { fakePlatformForTests } from '#test-support/fake-platform.js';
import { headerOf, publishContext, publishRequest, type InReplyToParts } from '#test-support/publish-requests.js';

const platform = fakePlatformForTests();
const SECRET = { clientId: 'client-1', clientSecret: 'client-secret', refreshToken: '1//refresh' };
const TOKEN = { status: 200, body: { access_token: 'ya29.access', expires_in: 3599, token_type: 'Bearer' } };
let publisher = createYoutubePublisher();
beforeEach(() => {
  publisher = createYoutubePublisher();
});
const request = (inReplyTo: InReplyToParts = {}) =>
  publishRequest('youtube', {
    inReplyTo: { externalId: 'UgzTopLevel', kind: 'comment', account: { id: 'UCbrand' }, ...inReplyTo },
    secret: SECRET,
    apiBaseUrl: platform.url,
  });

describe('youtube publisher', () => {
  it('refreshes the token, then inserts a reply with comments.insert?part=snippet', async () => {
    platform.routes({
      'POST /token': TOKEN,
      'POST /youtube/v3/comments': {
        status: 200,
        body: { kind: 'youtube#comment', id: 'UgzTopLevel.AbC', snippet: {} },
      },
    });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toEqual({
      kind: 'published',
      platformReplyId: 'UgzTopLevel.AbC',
    });
    const [token, insert] = platform.requests;
    expect(headerOf(token!, 'content-type')).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(token!.body))).toEqual({
      client_id: 'client-1',
      client_secret: 'client-secret',
      refresh_token: '1//refresh',
      grant_type: 'refresh_token',
    });
    expect(Object.fromEntries(insert!.query)).toEqual({ part: 'snippet' });
    expect(headerOf(insert!, 'authorization')).toBe('Bearer ya29.access');
    expect(headerOf(insert!, 'content-type')).toBe('application/json');
    expect(JSON.parse(insert!.body)).toEqual({
      snippet: { parentId: 'UgzTopLevel', textOriginal: 'Thanks for flagging this: we have fixed it.' },
    });

    // The token is kept: a second reply makes one request.
    await publisher.publish(request(), publishContext(platform));
    expect(platform.requests.map((r) => r.path)).toEqual(['/token', '/youtube/v3/comments', '/youtube/v3/comments']);
  });

  it('answers a reply under its top-level comment, and a video with commentThreads.insert', async () => {
    platform.routes({
      'POST /token': TOKEN,
      'POST /youtube/v3/comments': { status: 200, body: { id: 'UgzTopLevel.New' } },
      'POST /youtube/v3/commentThreads': {
        status: 200,
        body: { id: 'UgxThread', snippet: { topLevelComment: { id: 'UgxThread' } } },
      },
    });
    await publisher.publish(
      request({ kind: 'reply', externalId: 'UgzTopLevel.Reply', thread: { parentId: 'UgzTopLevel' } }),
      publishContext(platform),
    );
    expect(JSON.parse(platform.requests[1]!.body).snippet.parentId).toBe('UgzTopLevel');
    await expect(
      publisher.publish(request({ kind: 'post', externalId: 'dQw4w9WgXcQ' }), publishContext(platform)),
    ).resolves.toEqual({ kind: 'published', platformReplyId: 'UgxThread' });
    expect(JSON.parse(platform.requests[2]!.body)).toEqual({
      snippet: {
        channelId: 'UCbrand',
        videoId: 'dQw4w9WgXcQ',
        topLevelComment: { snippet: { textOriginal: 'Thanks for flagging this: we have fixed it.' } },
      },
    });
  });

  it('waits for the quota reset on 403 quotaExceeded, a minute on rateLimitExceeded', async () => {
    const quota = (reason: string) => ({
      status: 403,
      body: { error: { code: 403, errors: [{ domain: 'youtube.quota', reason }] } },
    });
    platform.routes({
      'POST /token': TOKEN,
      'POST /youtube/v3/comments': [quota('quotaExceeded'), quota('rateLimitExceeded')],
    });
    const outcome = await publisher.publish(request(), publishContext(platform));
    // 10:00 UTC is 02:00 Pacific (PST): the reset is 22 hours and a minute away.
    expect(outcome).toEqual({
      kind: 'retry',
      reason: 'youtube quota used up (403 quotaExceeded)',
      retryAfterMs: 22 * 3_600_000 + 60_000,
    });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toMatchObject({
      kind: 'retry',
      retryAfterMs: 60_000,
    });
  });

  it('is uncertain after a 5xx or a hang; fails on other 4xx and on a refused refresh token', async () => {
    platform.routes({
      'POST /token': TOKEN,
      'POST /youtube/v3/comments': [
        { status: 500 },
        { hang: true },
        {
          status: 403,
          body: { error: { errors: [{ reason: 'commentsDisabled' }] } },
        },
      ],
    });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toMatchObject({ kind: 'uncertain' });
    await expect(publisher.publish(request(), publishContext(platform, 50))).resolves.toMatchObject({
      kind: 'uncertain',
    });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toEqual({
      kind: 'failed',
      reason: 'youtube refused the reply (403 commentsDisabled)',
    });
    const fresh = createYoutubePublisher();
    platform.route('POST /token', { status: 400, body: { error: 'invalid_grant' } });
    await expect(fresh.publish(request(), publishContext(platform))).resolves.toEqual({
      kind: 'failed',
      reason: 'youtube token endpoint refused the reply (400)',
    });
  });

  it('a refused access token is dropped and the attempt retried (nothing was made)', async () => {
    platform.routes({
      'POST /token': TOKEN,
      'POST /youtube/v3/comments': [{ status: 401 }, { status: 200, body: { id: 'c1' } }],
    });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toMatchObject({ kind: 'retry' });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toMatchObject({ kind: 'published' });
    expect(platform.requests.map((r) => r.path)).toEqual([
      '/token',
      '/youtube/v3/comments',
      '/token',
      '/youtube/v3/comments',
    ]);
  });

  it('find reads our channel, then the replies of the comment, and finds ours with the same text', async () => {
    platform.routes({
      'POST /token': TOKEN,
      'GET /youtube/v3/channels': { status: 200, body: { items: [{ id: 'UCbrand' }] } },
      'GET /youtube/v3/comments': {
        status: 200,
        body: {
          items: [
            {
              id: 'UgzTopLevel.1',
              snippet: {
                authorChannelId: { value: 'UCother' },
                textOriginal: 'Thanks for flagging this: we have fixed it.',
              },
            },
            {
              id: 'UgzTopLevel.2',
              snippet: {
                authorChannelId: { value: 'UCbrand' },
                textOriginal: 'Thanks for flagging this: we have fixed it.',
              },
            },
          ],
        },
      },
    });
    await expect(publisher.find!(request(), publishContext(platform))).resolves.toBe('UgzTopLevel.2');
    const [, channels, comments] = platform.requests;
    expect(Object.fromEntries(channels!.query)).toEqual({ part: 'id', mine: 'true' });
    expect(Object.fromEntries(comments!.query)).toEqual({
      part: 'snippet',
      parentId: 'UgzTopLevel',
      maxResults: '100',
      textFormat: 'plainText',
    });
  });
});
