import { genericAdapter } from '#core/platforms/generic.js';
import { genericPublisher } from '#core/replies/publishers/generic.js';
import { fakePlatformForTests } from '#test-support/fake-platform.js';
import { headerOf, PUBLISH_NOW, publishContext, publishRequest } from '#test-support/publish-requests.js';
import { postRequest } from '#test-support/webhook-requests.js';

const platform = fakePlatformForTests();
const SECRET = { signingSecret: 'generic-signing-secret' };
const request = () =>
  publishRequest('generic', {
    inReplyTo: { externalId: 'ticket-42', kind: 'post' },
    secret: SECRET,
    replyUrl: `${platform.url}/replies`,
  });

describe('generic publisher', () => {
  it('POSTs { replyId, inReplyTo, text } with the Idempotency-Key, signed as generic webhooks are', async () => {
    platform.route('POST /replies', { status: 201, body: { id: 'their-77' } });
    await expect(genericPublisher.publish(request(), publishContext(platform))).resolves.toEqual({
      kind: 'published',
      platformReplyId: 'their-77',
    });
    const [sent] = platform.requests;
    expect(JSON.parse(sent!.body)).toEqual({
      replyId: 'rep-01JNQ5',
      inReplyTo: 'ticket-42',
      text: 'Thanks for flagging this: we have fixed it.',
    });
    expect(headerOf(sent!, 'idempotency-key')).toBe('rep-01JNQ5');
    expect(headerOf(sent!, 'content-type')).toBe('application/json');
    expect(headerOf(sent!, 'x-switchboard-timestamp')).toBe(String(PUBLISH_NOW.getTime() / 1000));
    // The receiving side checks it with the same code Switchboard checks generic webhooks with.
    const headers = {
      'X-Switchboard-Signature': headerOf(sent!, 'x-switchboard-signature'),
      'X-Switchboard-Timestamp': headerOf(sent!, 'x-switchboard-timestamp'),
    };
    expect(() => genericAdapter.verify(postRequest(sent!.body, headers), SECRET, PUBLISH_NOW)).not.toThrow();
    expect(() =>
      genericAdapter.verify(postRequest(sent!.body, headers), { signingSecret: 'another' }, PUBLISH_NOW),
    ).toThrow();
  });

  it('is idempotent: a 5xx, a 429 and a hang are all sent again', async () => {
    expect(genericPublisher.idempotent).toBe(true);
    platform.route('POST /replies', { status: 503 });
    await expect(genericPublisher.publish(request(), publishContext(platform))).resolves.toMatchObject({
      kind: 'retry',
    });
    platform.route('POST /replies', { status: 429, headers: { 'retry-after': '20' } });
    await expect(genericPublisher.publish(request(), publishContext(platform))).resolves.toMatchObject({
      kind: 'retry',
      retryAfterMs: 20_000,
    });
    platform.route('POST /replies', { hang: true });
    await expect(genericPublisher.publish(request(), publishContext(platform, 50))).resolves.toEqual({
      kind: 'retry',
      reason: 'the generic reply endpoint did not answer in time',
    });
  });

  it('fails on a 4xx, and without a replyUrl', async () => {
    platform.route('POST /replies', { status: 422, body: { error: 'unknown ticket' } });
    await expect(genericPublisher.publish(request(), publishContext(platform))).resolves.toEqual({
      kind: 'failed',
      reason: 'the generic reply endpoint refused the reply (422)',
    });
    const noUrl = { ...request(), settings: {} };
    await expect(genericPublisher.publish(noUrl, publishContext(platform))).resolves.toMatchObject({ kind: 'failed' });
    expect(platform.requests).toHaveLength(1);
  });
});
