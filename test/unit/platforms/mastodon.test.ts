import { createHmac } from 'node:crypto';
import { EngagementDraftSchema } from '#core/engagement/engagement.schema.js';
import { htmlToText, mastodonAdapter } from '#core/platforms/mastodon.js';
import {
  ADAPTER_NOW as now,
  expectMalformedBody,
  normalizeJson,
  postRequest,
  rejectionOf,
} from '#test-support/webhook-requests.js';

const secret = { signingSecret: 'test-mastodon-signing-secret' };
const HOST = 'community.acme.example';

/** Mastodon's Webhooks::DeliveryWorker header computed independently: sha256= + hex HMAC-SHA256(secret, body). */
const sign = (body: string | Buffer, key = secret.signingSecret) =>
  `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
const post = (body: string, headers: Record<string, string> = { 'x-hub-signature': sign(body) }) =>
  postRequest(body, headers);
const normalize = (body: unknown) => normalizeJson(mastodonAdapter, body);

const alice = {
  id: '110234567890123456',
  username: 'alice',
  acct: 'alice',
  display_name: 'Alice Martin',
  url: `https://${HOST}/@alice`,
  uri: `https://${HOST}/users/alice`,
  followers_count: 342,
};

function status(overrides: Record<string, unknown> = {}) {
  return {
    id: '114623145612345678',
    created_at: '2025-06-03T09:15:00.000Z',
    in_reply_to_id: null,
    in_reply_to_account_id: null,
    sensitive: false,
    spoiler_text: '',
    visibility: 'public',
    language: 'en',
    uri: `https://${HOST}/users/alice/statuses/114623145612345678`,
    url: `https://${HOST}/@alice/114623145612345678`,
    edited_at: null,
    content: '<p>Loving the new dashboard</p>',
    reblog: null,
    account: alice,
    mentions: [],
    ...overrides,
  };
}
const event = (name: string, object: unknown) => ({ event: name, created_at: '2025-06-03T09:15:02.311Z', object });

describe('Mastodon webhook', () => {
  it('has no handshake (GET is refused by the webhook function)', () => {
    expect(mastodonAdapter.handshake).toBeUndefined();
  });
});

describe('Mastodon signature (X-Hub-Signature, sha256)', () => {
  const body = JSON.stringify(event('status.created', status()));

  it('accepts sha256=<hex HMAC-SHA256> of the raw body, whatever the header case', () => {
    expect(() => mastodonAdapter.verify(post(body), secret, now)).not.toThrow();
    expect(() => mastodonAdapter.verify(post(body, { 'X-Hub-Signature': sign(body) }), secret, now)).not.toThrow();
  });

  it('has no timestamp: a delivery verifies whatever the clock says', () => {
    expect(() => mastodonAdapter.verify(post(body), secret, new Date('2035-01-01T00:00:00Z'))).not.toThrow();
  });

  it('refuses a missing header with 401 naming it', () => {
    const error = rejectionOf(() => mastodonAdapter.verify(post(body, {}), secret, now));
    expect(error).toMatchObject({ statusCode: 401, code: 'missing_signature' });
    expect(error.message).toContain('X-Hub-Signature');
  });

  it('refuses a tampered body and another secret with 403', () => {
    const tampered = { ...post(body), rawBody: Buffer.from(body.replace('Loving', 'Hating')) };
    expect(rejectionOf(() => mastodonAdapter.verify(tampered, secret, now))).toMatchObject({
      statusCode: 403,
      code: 'bad_signature',
    });
    expect(
      rejectionOf(() => mastodonAdapter.verify(post(body, { 'x-hub-signature': sign(body, 'other') }), secret, now)),
    ).toMatchObject({ statusCode: 403, code: 'bad_signature' });
  });

  it.each([
    ['a sha1 digest', `sha1=${createHmac('sha1', secret.signingSecret).update(body).digest('hex')}`],
    ['no prefix', createHmac('sha256', secret.signingSecret).update(body).digest('hex')],
    ['a base64 digest', `sha256=${createHmac('sha256', secret.signingSecret).update(body).digest('base64')}`],
  ])('refuses %s with 403 naming the header', (_, value) => {
    const error = rejectionOf(() => mastodonAdapter.verify(post(body, { 'x-hub-signature': value }), secret, now));
    expect(error).toMatchObject({ statusCode: 403, code: 'bad_signature' });
    expect(error.message).toContain('X-Hub-Signature');
  });
});

describe('Mastodon normalize', () => {
  it('maps a public status to a post keyed by its URI, author qualified with the instance', () => {
    const [result, ...rest] = normalize(event('status.created', status()));
    expect(rest).toHaveLength(0);
    expect(result).toEqual({
      change: 'created',
      draft: {
        platform: 'mastodon',
        kind: 'post',
        externalId: `https://${HOST}/users/alice/statuses/114623145612345678`,
        url: `https://${HOST}/@alice/114623145612345678`,
        text: 'Loving the new dashboard',
        language: 'en',
        createdAt: '2025-06-03T09:15:00.000Z',
        author: { id: `https://${HOST}/users/alice`, handle: `alice@${HOST}`, name: 'Alice Martin', followers: 342 },
        account: { id: HOST },
      },
    });
    expect(EngagementDraftSchema.safeParse(result?.draft).success).toBe(true);
  });

  it('classifies reblog › reply › mention › quote › post', () => {
    const boosted = { uri: `https://${HOST}/users/acme/statuses/1`, content: '<p>Our words</p>' };
    const kinds = [
      status({ reblog: boosted, content: '', in_reply_to_id: '9' }),
      status({ in_reply_to_id: '114623100000000000', mentions: [{ id: '1' }] }),
      status({ mentions: [{ id: '1', acct: 'acme' }] }),
      status({ quote: { state: 'accepted', quoted_status: null } }),
      status(),
    ].map((s) => normalize(event('status.created', s))[0]?.draft);
    expect(kinds.map((d) => d?.kind)).toEqual(['share', 'reply', 'mention', 'share', 'post']);
    expect(kinds[0]).toMatchObject({ text: '', thread: { parentId: boosted.uri } });
    expect(kinds[1]?.thread).toEqual({ parentId: '114623100000000000' });
  });

  it('maps status.updated to an edit of the same engagement', () => {
    const [created] = normalize(event('status.created', status()));
    const [edited] = normalize(
      event(
        'status.updated',
        status({ content: '<p>Loving the new dashboard (edited)</p>', edited_at: '2025-06-03T09:20:00.000Z' }),
      ),
    );
    expect(edited?.change).toBe('edited');
    expect(edited?.draft.externalId).toBe(created?.draft.externalId);
    expect(edited?.draft.text).toBe('Loving the new dashboard (edited)');
    expect(edited?.draft.createdAt).toBe('2025-06-03T09:15:00.000Z');
  });

  it.each(['private', 'direct'])('drops %s statuses (other people’s non-public messages)', (visibility) => {
    expect(normalize(event('status.created', status({ visibility, mentions: [{ id: '1' }] })))).toEqual([]);
  });

  it.each([
    'account.created',
    'account.approved',
    'account.updated',
    'report.created',
    'report.updated',
    'status.deleted',
    'something.new',
  ])('yields nothing for %s, without reading its object', (name) => {
    expect(normalize(event(name, { id: '1' }))).toEqual([]);
  });

  it('puts the content warning before the text, and keeps a remote acct as it is', () => {
    const remote = {
      ...alice,
      acct: 'carol@other.example',
      uri: undefined,
      url: 'https://other.example/@carol',
      display_name: '',
      followers_count: undefined,
    };
    const [result] = normalize(event('status.created', status({ spoiler_text: 'Billing rant', account: remote })));
    expect(result?.draft.text).toBe('Billing rant\n\nLoving the new dashboard');
    expect(result?.draft.author).toEqual({
      id: 'https://other.example/@carol',
      handle: 'carol@other.example',
      name: '',
    });
  });

  it('keeps every digit of snowflake ids (strings) and non-ASCII text', () => {
    const [result] = normalize(
      event(
        'status.created',
        status({
          in_reply_to_id: '114623145612345679999',
          content: '<p>Le café était délicieux ☕️😍 — l&#39;équipe de Zürich 東京</p>',
        }),
      ),
    );
    expect(result?.draft.thread?.parentId).toBe('114623145612345679999');
    expect(result?.draft.text).toBe("Le café était délicieux ☕️😍 — l'équipe de Zürich 東京");
  });

  it('refuses bodies it cannot read with 400, never quoting them', () => {
    expectMalformedBody(mastodonAdapter, 'event=status.created', /not valid JSON.*Mastodon admin webhook/);
    expectMalformedBody(mastodonAdapter, '{"object":{}}', /body\.event/);
    expectMalformedBody(
      mastodonAdapter,
      JSON.stringify(event('status.created', status({ uri: undefined }))),
      /body\.object\.uri/,
    );
    expectMalformedBody(
      mastodonAdapter,
      JSON.stringify(event('status.created', status({ id: 114623145612345680 }))),
      /body\.object\.id/,
    );
    expectMalformedBody(
      mastodonAdapter,
      JSON.stringify(event('status.created', status({ created_at: 'yesterday' }))),
      /body\.object\.created_at/,
    );
    const words = 'private customer words';
    const error = rejectionOf(() =>
      normalize(event('status.created', status({ content: words, account: { username: words } }))),
    );
    expect(error).toMatchObject({ statusCode: 400, code: 'malformed_body' });
    expect(error.message).not.toContain(words);
  });
});

describe('htmlToText', () => {
  it.each([
    ['<p>one</p><p>two</p>', 'one\n\ntwo'],
    ['<p>line<br />break<br>again</p>', 'line\nbreak\nagain'],
    [
      '<p>see <a href="https://docs.acme.example/hub/setup-guide" rel="nofollow noopener" target="_blank"><span class="invisible">https://</span><span class="ellipsis">docs.acme.example/hub/setu</span><span class="invisible">p-guide</span></a></p>',
      'see https://docs.acme.example/hub/setup-guide',
    ],
    [
      '<p><span class="h-card"><a href="https://x.example/@acme" class="u-url mention">@<span>acme</span></a></span> hi</p>',
      '@acme hi',
    ],
    ['5 &lt; 10 &amp;&amp; &quot;ok&quot; &#39;x&#39; &#x1F600; &amp;lt;', '5 < 10 && "ok" \'x\' 😀 &lt;'],
    ['a < b and no tags', 'a < b and no tags'],
    ['&unknown; &#0; stays', '&unknown; &#0; stays'],
  ])('%s', (html, text) => {
    expect(htmlToText(html)).toBe(text);
  });
});
