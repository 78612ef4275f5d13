import { createHmac } from 'node:crypto';
import { EngagementDraftSchema } from '#core/engagement/engagement.schema.js';
import { canonicalCommentUrn, linkedinAdapter } from '#core/platforms/linkedin.js';
import {
  ADAPTER_CONTEXT as context,
  ADAPTER_NOW as now,
  expectMalformedBody,
  getRequest as get,
  normalizeJson,
  postRequest,
  rejectionOf,
} from '#test-support/webhook-requests.js';

const secret = { clientSecret: 'test-linkedin-client-secret' };
const ORG = 'urn:li:organization:2414183';
const POST = 'urn:li:activity:7203374582169845761';
const COMMENT = `urn:li:comment:(${POST},7203391133170524160)`;

/** LinkedIn's recipe computed independently: hex HMAC-SHA256(clientSecret, "hmacsha256=" + raw body). */
const sign = (body: string | Buffer, key = secret.clientSecret) =>
  createHmac('sha256', key).update('hmacsha256=').update(body).digest('hex');
const post = (body: string, headers: Record<string, string> = { 'x-li-signature': sign(body) }) =>
  postRequest(body, headers);

const normalize = (body: unknown) => normalizeJson(linkedinAdapter, body);
const delivery = (...notifications: Record<string, unknown>[]) => ({
  type: 'ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS',
  notifications,
});

function commentNotification(overrides: Record<string, unknown> = {}, comment: Record<string, unknown> = {}) {
  return {
    notificationId: 5603453321,
    organizationalEntity: ORG,
    action: 'COMMENT',
    sourcePost: POST,
    generatedActivity: COMMENT,
    decoratedGeneratedActivity: {
      comment: {
        entity: COMMENT,
        owner: 'urn:li:person:aB3dE5fG7h',
        object: POST,
        text: 'Does it support SSO?',
        ...comment,
      },
    },
    lastModifiedAt: 1717406100000,
    subscriber: 'urn:li:person:Xy7QpL2mNa',
    ...overrides,
  };
}

describe('LinkedIn endpoint validation (GET)', () => {
  it('answers challengeCode with the hex HMAC-SHA256 of it under the client secret, as JSON', () => {
    const challengeCode = '890e4bcc-0ec1-4ed4-a2cc-0fbb2a6c3b1b';
    const response = linkedinAdapter.handshake!(get({ challengeCode, applicationId: '77xxd8ty9bxm8g' }), secret);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(JSON.parse(response.body)).toEqual({
      challengeCode,
      challengeResponse: createHmac('sha256', secret.clientSecret).update(challengeCode).digest('hex'),
    });
  });

  it('refuses a GET without challengeCode with 400', () => {
    expect(rejectionOf(() => linkedinAdapter.handshake!(get({}), secret))).toMatchObject({
      statusCode: 400,
      code: 'missing_challenge_code',
    });
  });

  it('refuses a challengeCode of "hmacsha256=<json>": its answer would be the X-LI-Signature of a forged delivery', () => {
    const forged = JSON.stringify(delivery(commentNotification({}, { text: 'forged comment' })));
    const challengeCode = `hmacsha256=${forged}`;
    // The answer to that code is exactly the signature LinkedIn would send for the forged body.
    expect(createHmac('sha256', secret.clientSecret).update(challengeCode).digest('hex')).toBe(sign(forged));
    const error = rejectionOf(() => linkedinAdapter.handshake!(get({ challengeCode }), secret));
    expect(error).toMatchObject({ statusCode: 400, code: 'bad_challenge_code' });
    expect(error.message).not.toContain('forged');
  });

  it.each([
    ['the prefix with an empty body', 'hmacsha256='],
    ['the prefix with a short body', 'hmacsha256={}'],
    ['a JSON object', '{"type":"ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS"}'],
    ['a too short code', 'abc-123'],
    ['a too long code', 'a'.repeat(129)],
    ['a code with a space', '890e4bcc 0ec1'],
    ['HTML', '<b>890e4bcc</b>'],
  ])('refuses %s with 400 bad_challenge_code', (_, challengeCode) => {
    expect(rejectionOf(() => linkedinAdapter.handshake!(get({ challengeCode }), secret))).toMatchObject({
      statusCode: 400,
      code: 'bad_challenge_code',
    });
  });

  it('answers UUIDs in either case and codes up to 128 characters', () => {
    for (const challengeCode of [
      '890E4BCC-0EC1-4ED4-A2CC-0FBB2A6C3B1B',
      '890e4bcc0ec14ed4a2cc0fbb2a6c3b1b',
      'a'.repeat(128),
    ]) {
      expect(linkedinAdapter.handshake!(get({ challengeCode }), secret).statusCode).toBe(200);
    }
  });
});

describe('LinkedIn signature (X-LI-Signature)', () => {
  const body = JSON.stringify(delivery(commentNotification()));

  it('accepts the hex HMAC of "hmacsha256=" + raw body, whatever the header case or hex case', () => {
    expect(() => linkedinAdapter.verify(post(body), secret, now)).not.toThrow();
    expect(() =>
      linkedinAdapter.verify(post(body, { 'X-LI-Signature': sign(body).toUpperCase() }), secret, now),
    ).not.toThrow();
  });

  it('also reads a header value that carries the hmacsha256= prefix itself', () => {
    expect(() =>
      linkedinAdapter.verify(post(body, { 'x-li-signature': `hmacsha256=${sign(body)}` }), secret, now),
    ).not.toThrow();
  });

  it('has no timestamp: a delivery verifies whatever the clock says (dedup by id is the replay defence)', () => {
    expect(() => linkedinAdapter.verify(post(body), secret, new Date('2035-01-01T00:00:00Z'))).not.toThrow();
  });

  it('refuses a missing header with 401 naming it', () => {
    const error = rejectionOf(() => linkedinAdapter.verify(post(body, {}), secret, now));
    expect(error).toMatchObject({ statusCode: 401, code: 'missing_signature' });
    expect(error.message).toContain('X-LI-Signature');
  });

  it('refuses a tampered body with 403', () => {
    const request = { ...post(body), rawBody: Buffer.from(body.replace('SSO', 'SAML')) };
    expect(rejectionOf(() => linkedinAdapter.verify(request, secret, now))).toMatchObject({
      statusCode: 403,
      code: 'bad_signature',
    });
  });

  it('refuses a signature made with another secret with 403', () => {
    const error = rejectionOf(() =>
      linkedinAdapter.verify(post(body, { 'x-li-signature': sign(body, 'another-secret') }), secret, now),
    );
    expect(error).toMatchObject({ statusCode: 403, code: 'bad_signature' });
    expect(error.message).toContain('X-LI-Signature');
  });

  it.each([
    ['the HMAC of the body without the prefix', createHmac('sha256', secret.clientSecret).update(body).digest('hex')],
    ['a base64 digest', createHmac('sha256', secret.clientSecret).update('hmacsha256=').update(body).digest('base64')],
    ['a sha256= prefix', `sha256=${sign(body)}`],
    ['garbage', 'not-hex'],
  ])('refuses %s with 403 naming the header', (_, value) => {
    const error = rejectionOf(() => linkedinAdapter.verify(post(body, { 'x-li-signature': value }), secret, now));
    expect(error).toMatchObject({ statusCode: 403, code: 'bad_signature' });
    expect(error.message).toContain('X-LI-Signature');
  });
});

describe('LinkedIn normalize', () => {
  it('maps a comment on the organization post, keyed by the comment URN', () => {
    const [event, ...rest] = normalize(delivery(commentNotification()));
    expect(rest).toHaveLength(0);
    expect(event).toEqual({
      change: 'created',
      draft: {
        platform: 'linkedin',
        kind: 'comment',
        externalId: COMMENT,
        url: `https://www.linkedin.com/feed/update/${POST}/`,
        text: 'Does it support SSO?',
        createdAt: '2024-06-03T09:15:00.000Z',
        author: { id: 'urn:li:person:aB3dE5fG7h', handle: '', name: '' },
        account: { id: ORG },
        thread: { conversationId: POST },
      },
    });
    expect(EngagementDraftSchema.safeParse(event?.draft).success).toBe(true);
  });

  it('reads comment text from comment.message.text when comment.text is absent', () => {
    const [event] = normalize(delivery(commentNotification({}, { text: undefined, message: { text: 'Via message' } })));
    expect(event?.draft.text).toBe('Via message');
  });

  it('treats a comment with a parentComment as a reply to it', () => {
    const parent = `urn:li:comment:(${POST},7203391133170520000)`;
    const [event] = normalize(delivery(commentNotification({}, { parentComment: parent })));
    expect(event?.draft.kind).toBe('reply');
    expect(event?.draft.thread).toEqual({ parentId: parent, conversationId: POST });
  });

  it('gives a comment, its edit and its deletion one engagement id, whichever URN spelling each carries', () => {
    const short = 'urn:li:comment:(activity:7203374582169845761,7203391133170524160)';
    const created = normalize(delivery(commentNotification({ generatedActivity: short })));
    const edited = normalize(
      delivery(
        commentNotification(
          { action: 'COMMENT_EDIT', generatedActivity: short },
          { text: 'Does it support SAML SSO?' },
        ),
      ),
    );
    const deleted = normalize(
      delivery({
        notificationId: 3,
        organizationalEntity: ORG,
        action: 'COMMENT_DELETE',
        sourcePost: POST,
        generatedActivity: short,
      }),
    );
    expect([...created, ...edited, ...deleted].map((e) => [e.change, e.draft.externalId])).toEqual([
      ['created', COMMENT],
      ['edited', COMMENT],
      ['deleted', COMMENT],
    ]);
    expect(edited[0]?.draft.text).toBe('Does it support SAML SSO?');
    expect(deleted[0]?.draft).toMatchObject({ text: '', author: { id: 'unknown', handle: '', name: '' } });
  });

  it('drops a COMMENT_EDIT or COMMENT_DELETE that names no comment URN instead of creating a new engagement', () => {
    const noUrn = { generatedActivity: undefined };
    const edit = commentNotification(
      { ...noUrn, notificationId: 7, action: 'COMMENT_EDIT' },
      { entity: undefined, text: 'edited text' },
    );
    const deletion = { notificationId: 8, organizationalEntity: ORG, action: 'COMMENT_DELETE', sourcePost: POST };
    expect(normalize(delivery(edit))).toEqual([]);
    expect(normalize(delivery(deletion))).toEqual([]);
    // The rest of the batch is still read, and a new comment without a URN keeps its fallback id.
    const created = commentNotification({ ...noUrn, notificationId: 9 }, { entity: undefined });
    expect(normalize(delivery(edit, created, deletion)).map((e) => [e.change, e.draft.externalId])).toEqual([
      ['created', 'notification:9'],
    ]);
  });

  it('canonicalises the short comment URN spelling and leaves other URNs alone', () => {
    expect(canonicalCommentUrn('urn:li:comment:(activity:1,2)')).toBe('urn:li:comment:(urn:li:activity:1,2)');
    expect(canonicalCommentUrn('urn:li:comment:(urn:li:ugcPost:1,2)')).toBe('urn:li:comment:(urn:li:ugcPost:1,2)');
    expect(canonicalCommentUrn('urn:li:share:9')).toBe('urn:li:share:9');
  });

  it('maps shares, mentions and likes', () => {
    const share = 'urn:li:share:7203412265180012544';
    const mentionShare = 'urn:li:share:7203420016577314816';
    const like = `urn:li:like:(urn:li:person:Hj2kL3mN4p,${POST})`;
    const events = normalize(
      delivery(
        {
          notificationId: 1,
          organizationalEntity: ORG,
          action: 'SHARE',
          sourcePost: POST,
          generatedActivity: share,
          decoratedGeneratedActivity: { share: { entity: share, owner: 'urn:li:person:L', text: 'Worth a read' } },
          lastModifiedAt: 1717410900000,
        },
        {
          notificationId: 2,
          organizationalEntity: ORG,
          action: 'SHARE_MENTION',
          sourcePost: 'urn:li:activity:7203420017349066752',
          decoratedGeneratedActivity: {
            share: { entity: mentionShare, owner: 'urn:li:person:Z', commentary: 'Thanks @Acme' },
          },
        },
        {
          notificationId: 3,
          organizationalEntity: ORG,
          action: 'LIKE',
          sourcePost: POST,
          generatedActivity: like,
          actor: 'urn:li:person:Hj2kL3mN4p',
        },
      ),
    );
    expect(
      events.map((e) => ({
        kind: e.draft.kind,
        id: e.draft.externalId,
        text: e.draft.text,
        author: e.draft.author.id,
        thread: e.draft.thread,
      })),
    ).toEqual([
      {
        kind: 'share',
        id: share,
        text: 'Worth a read',
        author: 'urn:li:person:L',
        thread: { parentId: POST, conversationId: POST },
      },
      {
        kind: 'mention',
        id: mentionShare,
        text: 'Thanks @Acme',
        author: 'urn:li:person:Z',
        thread: { conversationId: 'urn:li:activity:7203420017349066752' },
      },
      {
        kind: 'reaction',
        id: like,
        text: '',
        author: 'urn:li:person:Hj2kL3mN4p',
        thread: { parentId: POST, conversationId: POST },
      },
    ]);
    // No lastModifiedAt: the time Switchboard accepted the delivery.
    expect(events[1]?.draft.createdAt).toBe(context.receivedAt);
  });

  it('splits a batch and drops the organization own activity (ADMIN_COMMENT, or authored by the organization)', () => {
    const events = normalize(
      delivery(
        commentNotification({ notificationId: 1 }),
        commentNotification({ notificationId: 2, action: 'ADMIN_COMMENT' }, { owner: ORG }),
        commentNotification(
          { notificationId: 3, generatedActivity: undefined },
          { entity: `urn:li:comment:(${POST},3)`, owner: ORG },
        ),
        { notificationId: 4, organizationalEntity: ORG, action: 'LIKE', sourcePost: POST, actor: ORG },
        commentNotification(
          { notificationId: 5, generatedActivity: undefined },
          { entity: `urn:li:comment:(${POST},5)`, owner: 'urn:li:person:Q' },
        ),
      ),
    );
    expect(events.map((e) => e.draft.externalId)).toEqual([COMMENT, `urn:li:comment:(${POST},5)`]);
  });

  it('drops unknown actions and other event types', () => {
    expect(normalize(delivery({ notificationId: 1, action: 'SOMETHING_NEW' }))).toEqual([]);
    expect(normalize({ type: 'LEAD_ACTION', notifications: [{ notificationId: 1, action: 'COMMENT' }] })).toEqual([]);
    expect(normalize({ type: 'LEAD_ACTION', leadGenFormResponse: 'urn:li:leadGenFormResponse:1' })).toEqual([]);
    expect(normalize(delivery())).toEqual([]);
  });

  it('falls back to notification:<notificationId> and keeps every digit of a notificationId beyond 2^53', () => {
    const raw = `{"type":"ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS","notifications":[{"notificationId":90071992547409937,"organizationalEntity":"${ORG}","action":"SHARE_MENTION","decoratedGeneratedActivity":{"share":{"owner":"urn:li:person:T","text":"hi"}}}]}`;
    expect(Number(90071992547409937).toString()).not.toBe('90071992547409937');
    const [event] = linkedinAdapter.normalize(Buffer.from(raw), context);
    expect(event?.draft.externalId).toBe('notification:90071992547409937');
    expect(event?.draft).not.toHaveProperty('url');
  });

  it('keeps non-ASCII comment text intact', () => {
    const text = 'Très bien joué 👏🏽 — ¿habrá versión en español? 日本語のサポート';
    const [event] = linkedinAdapter.normalize(
      Buffer.from(JSON.stringify(delivery(commentNotification({}, { text }))), 'utf8'),
      context,
    );
    expect(event?.draft.text).toBe(text);
  });

  it('refuses bodies it cannot read with 400, never quoting them', () => {
    expectMalformedBody(linkedinAdapter, '{"type":', /not valid JSON.*LinkedIn webhook delivery/);
    expectMalformedBody(linkedinAdapter, '[]', /body: /);
    // valid JSON nested too deeply for a reviver: the sender's error (400), not ours (503, retried forever)
    expectMalformedBody(
      linkedinAdapter,
      `{"notifications":${'['.repeat(200_000)}${']'.repeat(200_000)}}`,
      /nests too deeply/,
    );
    expectMalformedBody(linkedinAdapter, '{"type":"ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS"}', /body\.notifications/);
    expectMalformedBody(
      linkedinAdapter,
      JSON.stringify(delivery({ notificationId: 1 })),
      /body\.notifications\[0\]\.action/,
    );
    const secretText = 'private-customer-words';
    const error = rejectionOf(() =>
      normalize(
        delivery({
          notificationId: 'abc',
          organizationalEntity: ORG,
          action: 'COMMENT',
          decoratedGeneratedActivity: { comment: { text: secretText } },
        }),
      ),
    );
    expect(error).toMatchObject({ statusCode: 400, code: 'malformed_body' });
    expect(error.message).toMatch(/body\.notifications\[0\]\.notificationId/);
    expect(error.message).not.toContain(secretText);
    expectMalformedBody(
      linkedinAdapter,
      JSON.stringify(delivery(commentNotification({ organizationalEntity: undefined }))),
      /notifications\[0\]\.organizationalEntity/,
    );
    expectMalformedBody(
      linkedinAdapter,
      JSON.stringify(delivery(commentNotification({ lastModifiedAt: 'yesterday' }))),
      /lastModifiedAt/,
    );
    expect(rejectionOf(() => linkedinAdapter.normalize(Buffer.from([0x7b, 0xff, 0x7d]), context)).message).toMatch(
      /UTF-8/,
    );
  });
});
