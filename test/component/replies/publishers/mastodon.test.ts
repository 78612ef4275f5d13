import { mastodonPublisher as publisher } from '#core/replies/publishers/mastodon.js';
import { fakePlatformForTests } from '#test-support/fake-platform.js';
import { headerOf, publishContext, publishRequest, type InReplyToParts } from '#test-support/publish-requests.js';

const platform = fakePlatformForTests();
const URI = 'https://remote.example/users/customer/statuses/111';
const request = (inReplyTo: InReplyToParts = {}, text?: string) =>
  publishRequest('mastodon', {
    inReplyTo: {
      externalId: URI,
      kind: 'mention',
      author: { id: 'https://remote.example/users/customer', handle: 'customer@remote.example', name: 'C' },
      ...inReplyTo,
    },
    secret: { accessToken: 'masto-token' },
    apiBaseUrl: platform.url,
    ...(text !== undefined && { text }),
  });
const FOUND = { status: 200, body: { accounts: [], statuses: [{ id: '109', uri: URI }], hashtags: [] } };

describe('mastodon publisher', () => {
  it('resolves the status URI, then POSTs the reply with in_reply_to_id and the Idempotency-Key', async () => {
    platform.routes({
      'GET /api/v2/search': FOUND,
      'POST /api/v1/statuses': {
        status: 200,
        body: { id: '112233', uri: 'https://brand.social/users/brand/statuses/112233' },
      },
    });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toEqual({
      kind: 'published',
      platformReplyId: '112233',
    });
    const [search, post] = platform.requests;
    expect(Object.fromEntries(search!.query)).toEqual({ q: URI, type: 'statuses', resolve: 'true', limit: '1' });
    expect(headerOf(search!, 'authorization')).toBe('Bearer masto-token');
    expect(headerOf(post!, 'authorization')).toBe('Bearer masto-token');
    expect(headerOf(post!, 'idempotency-key')).toBe('rep-01JNQ5');
    expect(headerOf(post!, 'content-type')).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(post!.body))).toEqual({
      status: '@customer@remote.example Thanks for flagging this: we have fixed it.',
      in_reply_to_id: '109',
    });
  });

  it('does not address the author twice, and takes a local id as it is', async () => {
    platform.route('POST /api/v1/statuses', { status: 200, body: { id: '5' } });
    await publisher.publish(request({ externalId: '109' }, 'Hi @Customer, fixed.'), publishContext(platform));
    expect(platform.requests.map((r) => r.path)).toEqual(['/api/v1/statuses']);
    expect(new URLSearchParams(platform.requests[0]!.body).get('status')).toBe('Hi @Customer, fixed.');
  });

  it('is idempotent: a 5xx and a hang are retried, a 429 waits for the ISO X-RateLimit-Reset', async () => {
    expect(publisher.idempotent).toBe(true);
    expect(publisher.find).toBeUndefined();
    platform.routes({
      'GET /api/v2/search': FOUND,
      'POST /api/v1/statuses': [
        { status: 503 },
        { hang: true },
        {
          status: 429,
          headers: {
            'X-RateLimit-Limit': '300',
            'X-RateLimit-Remaining': '0',
            'X-RateLimit-Reset': '2026-03-02T10:30:00.000Z',
          },
        },
      ],
    });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toMatchObject({ kind: 'retry' });
    await expect(publisher.publish(request(), publishContext(platform, 50))).resolves.toEqual({
      kind: 'retry',
      reason: 'mastodon did not answer in time',
    });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toEqual({
      kind: 'retry',
      reason: 'mastodon rate-limited the reply (429)',
      retryAfterMs: 30 * 60_000,
    });
  });

  it('fails on a 4xx, on a status the instance cannot find, and without an instance', async () => {
    platform.routes({
      'GET /api/v2/search': FOUND,
      'POST /api/v1/statuses': { status: 422, body: { error: 'Validation failed' } },
    });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toEqual({
      kind: 'failed',
      reason: 'mastodon refused the reply (422)',
    });
    platform.route('GET /api/v2/search', { status: 200, body: { statuses: [] } });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toMatchObject({ kind: 'failed' });
    const noInstance = { ...request(), settings: {} };
    await expect(publisher.publish(noInstance, publishContext(platform))).resolves.toMatchObject({ kind: 'failed' });
  });

  it('a failed lookup is retried: nothing was posted', async () => {
    platform.route('GET /api/v2/search', { status: 502 });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toMatchObject({ kind: 'retry' });
    expect(platform.requests.map((r) => r.path)).toEqual(['/api/v2/search']);
  });
});
