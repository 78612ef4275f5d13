import { instagramPublisher as publisher } from '#core/replies/publishers/instagram.js';
import { fakePlatformForTests } from '#test-support/fake-platform.js';
import { headerOf, publishContext, publishRequest, type InReplyToParts } from '#test-support/publish-requests.js';

const platform = fakePlatformForTests();
const ACCOUNT = { id: '17841400000000001', handle: 'brand' };
const request = (inReplyTo: InReplyToParts = {}) =>
  publishRequest('instagram', {
    inReplyTo: { externalId: '17870913679156914', kind: 'comment', account: ACCOUNT, ...inReplyTo },
    secret: { pageAccessToken: 'EAAB-page-token' },
    apiBaseUrl: platform.url,
  });

describe('instagram publisher', () => {
  it('POSTs /{ig-comment-id}/replies?message=… and reports the new comment id', async () => {
    platform.route('POST /v25.0/17870913679156914/replies', { status: 200, body: { id: '17873440459141021' } });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toEqual({
      kind: 'published',
      platformReplyId: '17873440459141021',
    });
    const [sent] = platform.requests;
    expect(sent!.method).toBe('POST');
    expect(Object.fromEntries(sent!.query)).toEqual({ message: 'Thanks for flagging this: we have fixed it.' });
    expect(headerOf(sent!, 'authorization')).toBe('Bearer EAAB-page-token');
    expect(sent!.body).toBe('');
  });

  it('answers a mention with POST /{ig-user-id}/mentions naming the media and the comment', async () => {
    platform.route(`POST /v25.0/${ACCOUNT.id}/mentions`, { status: 200, body: { id: '18000000000000001' } });
    const mention = request({
      kind: 'mention',
      externalId: '17900000000000002',
      thread: { conversationId: '17900000000000001' },
    });
    await expect(publisher.publish(mention, publishContext(platform))).resolves.toEqual({
      kind: 'published',
      platformReplyId: '18000000000000001',
    });
    expect(Object.fromEntries(platform.requests[0]!.query)).toEqual({
      media_id: '17900000000000001',
      comment_id: '17900000000000002',
      message: 'Thanks for flagging this: we have fixed it.',
    });
  });

  it('waits when Graph throttles, is uncertain after a 5xx or a hang, fails on other 4xx', async () => {
    const path = 'POST /v25.0/17870913679156914/replies';
    platform.route(path, { status: 403, body: { error: { code: 4, message: 'Application request limit reached' } } });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toMatchObject({
      kind: 'retry',
      retryAfterMs: 60_000,
    });
    platform.route(path, { status: 502 });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toMatchObject({ kind: 'uncertain' });
    platform.route(path, { hang: true });
    await expect(publisher.publish(request(), publishContext(platform, 50))).resolves.toMatchObject({
      kind: 'uncertain',
    });
    platform.route(path, { status: 400, body: { error: { code: 100, error_subcode: 2534023 } } });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toEqual({
      kind: 'failed',
      reason: 'instagram refused the reply (400, code 100)',
    });
  });

  it('refuses direct messages', async () => {
    await expect(
      publisher.publish(request({ kind: 'direct_message' }), publishContext(platform)),
    ).resolves.toMatchObject({
      kind: 'failed',
    });
    expect(platform.requests).toHaveLength(0);
  });

  describe('find', () => {
    it('lists the comment’s replies and finds the account’s with the same text', async () => {
      platform.route('GET /v25.0/17870913679156914/replies', {
        status: 200,
        body: {
          data: [
            { id: '1', text: 'Thanks for flagging this: we have fixed it.', username: 'someone', from: { id: '5' } },
            { id: '2', text: 'Thanks for flagging this: we have fixed it.', username: 'brand' },
          ],
        },
      });
      await expect(publisher.find!(request(), publishContext(platform))).resolves.toBe('2');
      expect(Object.fromEntries(platform.requests[0]!.query)).toEqual({ fields: 'id,text,from,username' });
    });

    it('cannot check a mention reply, and says so', async () => {
      await expect(publisher.find!(request({ kind: 'mention' }), publishContext(platform))).rejects.toThrow(
        'cannot be listed',
      );
    });
  });
});
