import { facebookPublisher as publisher } from '#core/replies/publishers/facebook.js';
import { fakePlatformForTests } from '#test-support/fake-platform.js';
import { headerOf, publishContext, publishRequest } from '#test-support/publish-requests.js';

const platform = fakePlatformForTests();
const COMMENT = '1234567890_9876543210';
const request = (kind: 'comment' | 'reaction' = 'comment', account: string | null = '1234567890') =>
  publishRequest('facebook', {
    inReplyTo: { externalId: COMMENT, kind, ...(account && { account: { id: account } }) },
    secret: { pageAccessToken: 'EAAB-page-token' },
    apiBaseUrl: platform.url,
  });

describe('facebook publisher', () => {
  it('POSTs message to /v25.0/{comment-id}/comments with the Page token as a bearer', async () => {
    platform.route(`POST /v25.0/${COMMENT}/comments`, { status: 200, body: { id: '1234567890_5555' } });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toEqual({
      kind: 'published',
      platformReplyId: '1234567890_5555',
    });
    const [sent] = platform.requests;
    expect(sent!.method).toBe('POST');
    expect(headerOf(sent!, 'authorization')).toBe('Bearer EAAB-page-token');
    expect(headerOf(sent!, 'content-type')).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(sent!.body))).toEqual({
      message: 'Thanks for flagging this: we have fixed it.',
    });
    expect([...sent!.query]).toEqual([]);
  });

  it('waits for X-Business-Use-Case-Usage when Graph throttles (a 400 with code 32)', async () => {
    platform.route(`POST /v25.0/${COMMENT}/comments`, {
      status: 400,
      headers: {
        'x-business-use-case-usage': JSON.stringify({
          '1234567890': [
            { type: 'pages', call_count: 100, total_cputime: 10, total_time: 10, estimated_time_to_regain_access: 7 },
          ],
        }),
      },
      body: { error: { message: 'Page request limit reached', type: 'OAuthException', code: 32 } },
    });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toEqual({
      kind: 'retry',
      reason: 'facebook throttled the request (400, code 32)',
      retryAfterMs: 7 * 60_000,
    });
  });

  it('is uncertain after a 5xx or a hang; other 4xx fail naming the Graph code only', async () => {
    platform.route(`POST /v25.0/${COMMENT}/comments`, {
      status: 500,
      body: { error: { code: 2, is_transient: true } },
    });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toMatchObject({ kind: 'uncertain' });
    platform.route(`POST /v25.0/${COMMENT}/comments`, { hang: true });
    await expect(publisher.publish(request(), publishContext(platform, 50))).resolves.toMatchObject({
      kind: 'uncertain',
    });
    platform.route(`POST /v25.0/${COMMENT}/comments`, {
      status: 400,
      body: { error: { message: 'Unsupported post request. Object with ID EAAB-page-token', code: 100 } },
    });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toEqual({
      kind: 'failed',
      reason: 'facebook refused the reply (400, code 100)',
    });
  });

  it('refuses reactions', async () => {
    await expect(publisher.publish(request('reaction'), publishContext(platform))).resolves.toMatchObject({
      kind: 'failed',
    });
    expect(platform.requests).toHaveLength(0);
  });

  describe('find', () => {
    const comments = {
      data: [
        { id: '1', message: 'Thanks for flagging this: we have fixed it.', from: { id: '42', name: 'Someone' } },
        { id: '2', message: 'Thanks for flagging  this: we have fixed it.', from: { id: '1234567890', name: 'Brand' } },
      ],
    };

    it('lists the comment’s replies newest first and finds the Page’s with the same message', async () => {
      platform.route(`GET /v25.0/${COMMENT}/comments`, { status: 200, body: comments });
      await expect(publisher.find!(request(), publishContext(platform))).resolves.toBe('2');
      const [listed] = platform.requests;
      expect(Object.fromEntries(listed!.query)).toEqual({
        fields: 'id,message,from',
        filter: 'stream',
        order: 'reverse_chronological',
        limit: '100',
      });
      expect(headerOf(listed!, 'authorization')).toBe('Bearer EAAB-page-token');
    });

    it('asks /me for the Page id when the engagement has no account', async () => {
      platform.routes({
        'GET /v25.0/me': { status: 200, body: { id: '42' } },
        [`GET /v25.0/${COMMENT}/comments`]: { status: 200, body: comments },
      });
      await expect(publisher.find!(request('comment', null), publishContext(platform))).resolves.toBe('1');
    });

    it('throws when the comments cannot be read', async () => {
      platform.route(`GET /v25.0/${COMMENT}/comments`, { status: 403, body: { error: { code: 10 } } });
      await expect(publisher.find!(request(), publishContext(platform))).rejects.toThrow('answered 403');
    });
  });
});
