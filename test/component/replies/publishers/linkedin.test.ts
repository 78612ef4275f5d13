import { LINKEDIN_VERSION, linkedinPublisher as publisher } from '#core/replies/publishers/linkedin.js';
import { fakePlatformForTests } from '#test-support/fake-platform.js';
import { headerOf, publishContext, publishRequest, type InReplyToParts } from '#test-support/publish-requests.js';

const platform = fakePlatformForTests();
const ORG = 'urn:li:organization:2414183';
const COMMENT = 'urn:li:comment:(urn:li:activity:7100000000000000001,7100000000000000009)';
const ENCODED = 'urn%3Ali%3Acomment%3A%28urn%3Ali%3Aactivity%3A7100000000000000001%2C7100000000000000009%29';
const request = (inReplyTo: InReplyToParts = {}, secret: Record<string, string> = {}) =>
  publishRequest('linkedin', {
    inReplyTo: { externalId: COMMENT, kind: 'comment', account: { id: ORG }, ...inReplyTo },
    secret: { accessToken: 'li-token', ...secret },
    apiBaseUrl: platform.url,
  });

describe('linkedin publisher', () => {
  it('POSTs a nested comment to /rest/socialActions/{comment URN}/comments with the versioned headers', async () => {
    platform.route(`POST /rest/socialActions/${ENCODED}/comments`, {
      status: 201,
      headers: { 'x-restli-id': '7100000000000000050' },
      body: {
        id: '7100000000000000050',
        commentUrn: 'urn:li:comment:(urn:li:activity:7100000000000000001,7100000000000000050)',
        actor: ORG,
      },
    });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toEqual({
      kind: 'published',
      platformReplyId: 'urn:li:comment:(urn:li:activity:7100000000000000001,7100000000000000050)',
    });
    const [sent] = platform.requests;
    expect(sent!.method).toBe('POST');
    expect(headerOf(sent!, 'authorization')).toBe('Bearer li-token');
    expect(headerOf(sent!, 'linkedin-version')).toBe(LINKEDIN_VERSION);
    expect(headerOf(sent!, 'x-restli-protocol-version')).toBe('2.0.0');
    expect(headerOf(sent!, 'content-type')).toBe('application/json');
    expect(JSON.parse(sent!.body)).toEqual({
      actor: ORG,
      object: 'urn:li:activity:7100000000000000001',
      message: { text: 'Thanks for flagging this: we have fixed it.' },
      parentComment: COMMENT,
    });
  });

  it('answers a reply under its parent comment, as organizationUrn when the secret names it', async () => {
    platform.route(`POST /rest/socialActions/${ENCODED}/comments`, { status: 201, headers: { 'x-restli-id': '77' } });
    const reply = request(
      {
        kind: 'reply',
        externalId: 'urn:li:comment:(urn:li:activity:7100000000000000001,7100000000000000020)',
        thread: { parentId: COMMENT },
      },
      { organizationUrn: 'urn:li:organization:1' },
    );
    await expect(publisher.publish(reply, publishContext(platform))).resolves.toEqual({
      kind: 'published',
      platformReplyId: 'urn:li:comment:(urn:li:activity:7100000000000000001,77)',
    });
    expect(JSON.parse(platform.requests[0]!.body)).toMatchObject({
      actor: 'urn:li:organization:1',
      parentComment: COMMENT,
    });
  });

  it('comments on a share with the share as target and object', async () => {
    platform.route('POST /rest/socialActions/urn%3Ali%3Ashare%3A6900000000000000001/comments', {
      status: 201,
      body: { commentUrn: 'urn:li:comment:(urn:li:share:6900000000000000001,5)' },
    });
    const share = request({ kind: 'share', externalId: 'urn:li:share:6900000000000000001' });
    await expect(publisher.publish(share, publishContext(platform))).resolves.toMatchObject({ kind: 'published' });
    expect(JSON.parse(platform.requests[0]!.body)).toEqual({
      actor: ORG,
      object: 'urn:li:share:6900000000000000001',
      message: { text: 'Thanks for flagging this: we have fixed it.' },
    });
  });

  it('waits on a 429, is uncertain after a 5xx or a hang, fails on a 4xx', async () => {
    const path = `POST /rest/socialActions/${ENCODED}/comments`;
    platform.route(path, { status: 429 });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toMatchObject({
      kind: 'retry',
      retryAfterMs: 60_000,
    });
    platform.route(path, { status: 504 });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toMatchObject({ kind: 'uncertain' });
    platform.route(path, { hang: true });
    await expect(publisher.publish(request(), publishContext(platform, 50))).resolves.toMatchObject({
      kind: 'uncertain',
    });
    platform.route(path, { status: 403, body: { message: 'Not enough permissions to access: li-token' } });
    await expect(publisher.publish(request(), publishContext(platform))).resolves.toEqual({
      kind: 'failed',
      reason: 'linkedin refused the reply (403)',
    });
  });

  it('refuses likes and engagements without a URN, and fails without an organization', async () => {
    await expect(publisher.publish(request({ kind: 'reaction' }), publishContext(platform))).resolves.toMatchObject({
      kind: 'failed',
    });
    await expect(
      publisher.publish(request({ kind: 'mention', externalId: 'notification:12' }), publishContext(platform)),
    ).resolves.toMatchObject({ kind: 'failed' });
    await expect(publisher.publish(request({ account: { id: 'someone' } }), publishContext(platform))).resolves.toEqual(
      {
        kind: 'failed',
        reason: 'linkedin has no organization URN: set organizationUrn in the secret',
      },
    );
    expect(platform.requests).toHaveLength(0);
  });

  it('find lists the comment’s comments and finds the organization’s with the same text', async () => {
    platform.route(`GET /rest/socialActions/${ENCODED}/comments`, {
      status: 200,
      body: {
        elements: [
          { actor: 'urn:li:person:x', id: '1', message: { text: 'Thanks for flagging this: we have fixed it.' } },
          { actor: ORG, id: '2', message: { text: 'Thanks for flagging this: we have fixed it.' } },
        ],
      },
    });
    await expect(publisher.find!(request(), publishContext(platform))).resolves.toBe(
      'urn:li:comment:(urn:li:activity:7100000000000000001,2)',
    );
    const [listed] = platform.requests;
    expect(Object.fromEntries(listed!.query)).toEqual({ count: '100' });
    expect(headerOf(listed!, 'linkedin-version')).toBe(LINKEDIN_VERSION);
  });
});
