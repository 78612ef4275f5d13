import { createHash } from 'node:crypto';
import { EngagementDraftSchema } from '#core/engagement/engagement.schema.js';
import type { WebhookRequest } from '#core/platforms/adapter.js';
import { wordpressAdapter } from '#core/platforms/wordpress.js';
import {
  ADAPTER_CONTEXT as context,
  ADAPTER_NOW as now,
  expectMalformedBody,
  normalizeJson,
  rejectionOf,
} from '#test-support/webhook-requests.js';
import { describeSampleReplay, loadSamples } from './sample-replay.js';

const secret = { signingSecret: 'test-wordpress-token' };

/** A form-encoded body as PHP's http_build_query writes it (spaces as "+"). */
const form = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v).replace(/%20/g, '+')}`)
    .join('&');

const fields = (overrides: Record<string, string> = {}): Record<string, string> => ({
  hook: 'comment_post',
  comment_ID: '1042',
  comment_post_ID: '317',
  comment_parent: '0',
  comment_author: 'Chris P',
  comment_author_email: 'Chris@Example.org ',
  comment_author_url: '',
  comment_author_IP: '203.0.113.9',
  comment_content: 'Is the 2-litre model dishwasher safe?',
  comment_date: '2025-06-03 11:15:00',
  comment_date_gmt: '2025-06-03 09:15:00',
  comment_approved: '1',
  comment_type: 'comment',
  comment_agent: 'Mozilla/5.0',
  comment_karma: '0',
  user_id: '0',
  ...overrides,
});

const request = (query: Record<string, string>, headers: Record<string, string> = {}): WebhookRequest => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  query,
  rawBody: Buffer.from(form(fields())),
});
const verify = (r: WebhookRequest) => () => wordpressAdapter.verify(r, secret, now);
const normalizeForm = (values: Record<string, string>) =>
  wordpressAdapter.normalize(Buffer.from(form(values)), context);
const emailId = (email: string) => `email-sha256:${createHash('sha256').update(email).digest('hex')}`;

describe('WordPress.com token', () => {
  it('has no handshake', () => {
    expect(wordpressAdapter.handshake).toBeUndefined();
  });

  it('accepts the ?token= of the webhook URL equal to signingSecret', () => {
    expect(verify(request({ token: secret.signingSecret }))).not.toThrow();
  });

  it('refuses a missing or blank token with 401 naming the query parameter and how to set it', () => {
    for (const query of [{}, { token: '' }, { token: '  ' }, { Token: secret.signingSecret }] as Record<
      string,
      string
    >[]) {
      const error = rejectionOf(verify(request(query)));
      expect(error).toMatchObject({ statusCode: 401, code: 'missing_signature' });
      expect(error.message).toMatch(/token query parameter.*\?token=/);
    }
  });

  it.each([
    ['a wrong token', 'nope'],
    ['a token one character longer', `${secret.signingSecret}x`],
    ['a prefix of the token', secret.signingSecret.slice(0, -1)],
    ['the token in another case', secret.signingSecret.toUpperCase()],
  ])('refuses %s with 403 bad_signature, without repeating it', (_, token) => {
    const error = rejectionOf(verify(request({ token })));
    expect(error).toMatchObject({ statusCode: 403, code: 'bad_signature' });
    expect(error.message).not.toContain(token);
  });

  it('does not accept the token from a header', () => {
    expect(
      rejectionOf(
        verify(request({}, { token: secret.signingSecret, authorization: `Bearer ${secret.signingSecret}` })),
      ),
    ).toMatchObject({ statusCode: 401 });
  });
});

describe('WordPress.com normalize', () => {
  it('maps comment_post to a comment; the e-mail only as a hash of its trimmed lower-case form', () => {
    const events = normalizeForm(fields());
    expect(events).toEqual([
      {
        change: 'created',
        draft: {
          platform: 'wordpress',
          kind: 'comment',
          externalId: '1042',
          text: 'Is the 2-litre model dishwasher safe?',
          createdAt: '2025-06-03T09:15:00.000Z',
          author: { id: emailId('chris@example.org'), handle: '', name: 'Chris P' },
          thread: { conversationId: '317' },
        },
      },
    ]);
    expect(EngagementDraftSchema.safeParse(events[0]?.draft).success).toBe(true);
    expect(JSON.stringify(events)).not.toMatch(/example\.org|203\.0\.113/i);
  });

  it('maps a reply, decoding "+" and percent-escaped UTF-8, with the user id of a registered author', () => {
    const [event] = normalizeForm(
      fields({
        comment_ID: '1043',
        comment_parent: '1042',
        user_id: '88',
        comment_content: 'Très bien 👍 東京 a+b & c=d',
      }),
    );
    expect(event?.draft).toMatchObject({
      kind: 'reply',
      externalId: '1043',
      text: 'Très bien 👍 東京 a+b & c=d',
      author: { id: '88' },
      thread: { parentId: '1042', conversationId: '317' },
    });
  });

  it.each([
    ['edit_comment', {}, 'edited'],
    ['untrashed_comment', {}, 'edited'],
    ['unspammed_comment', {}, 'edited'],
    ['wp_set_comment_status', { status: 'approve' }, 'edited'],
    ['wp_set_comment_status', { status: '1' }, 'edited'],
    ['wp_set_comment_status', { status: 'hold' }, 'edited'],
    ['wp_set_comment_status', { status: 'spam' }, 'deleted'],
    ['wp_set_comment_status', { status: 'trash' }, 'deleted'],
    ['wp_set_comment_status', { status: 'delete' }, 'deleted'],
    ['delete_comment', {}, 'deleted'],
    ['deleted_comment', {}, 'deleted'],
    ['trashed_comment', {}, 'deleted'],
    ['spammed_comment', {}, 'deleted'],
  ])('maps %s %j to change %s of the same engagement', (hook, extra, change) => {
    const [event] = normalizeForm(fields({ hook, ...extra }));
    expect(event).toMatchObject({ change, draft: { externalId: '1042', kind: 'comment' } });
  });

  it('reads a deletion that carries only comment_ID', () => {
    const [event] = normalizeForm({ hook: 'trashed_comment', comment_ID: '1042' });
    expect(event).toEqual({
      change: 'deleted',
      draft: {
        platform: 'wordpress',
        kind: 'comment',
        externalId: '1042',
        text: '',
        createdAt: context.receivedAt,
        author: { id: 'anonymous', handle: '', name: '' },
      },
    });
  });

  it.each([
    ['publish_post (the site’s own article)', { hook: 'publish_post', ID: '318', post_title: 'Sale' }],
    ['publish_page', { hook: 'publish_page', ID: '2' }],
    ['an unknown hook', { hook: 'switch_theme', theme_name: 'x' }],
    ['a status change to an unknown status', fields({ hook: 'wp_set_comment_status', status: 'weird' })],
    ['a comment already marked spam', fields({ comment_approved: 'spam' })],
    ['a comment already in the trash', fields({ comment_approved: 'trash' })],
    ['a WooCommerce order note', fields({ comment_type: 'order_note' })],
  ])('yields nothing for %s', (_, values) => {
    expect(normalizeForm(values)).toEqual([]);
  });

  it('keeps held comments, and maps pingbacks and trackbacks to mentions and reviews to reviews', () => {
    expect(normalizeForm(fields({ comment_approved: '0' }))).toHaveLength(1);
    expect(normalizeForm(fields({ comment_type: 'pingback', comment_author_email: '' }))[0]?.draft).toMatchObject({
      kind: 'mention',
      author: { id: 'anonymous' },
    });
    expect(normalizeForm(fields({ comment_type: 'trackback' }))[0]?.draft.kind).toBe('mention');
    expect(normalizeForm(fields({ comment_type: 'review', comment_parent: '5' }))[0]?.draft.kind).toBe('review');
  });

  it('falls back to the accept time for a zero or missing GMT date', () => {
    expect(normalizeForm(fields({ comment_date_gmt: '0000-00-00 00:00:00' }))[0]?.draft.createdAt).toBe(
      context.receivedAt,
    );
    const { comment_date_gmt: _, ...rest } = fields();
    expect(normalizeForm(rest)[0]?.draft.createdAt).toBe(context.receivedAt);
  });

  it('reads the same fields sent as a JSON object, numbers included', () => {
    const [event] = normalizeJson(wordpressAdapter, {
      hook: 'comment_post',
      comment_ID: 1047,
      comment_post_ID: 317,
      comment_parent: 12,
      comment_content: 'ok',
      comment_date_gmt: '2025-06-03 10:00:00',
      user_id: 0,
    });
    expect(event?.draft).toMatchObject({
      kind: 'reply',
      externalId: '1047',
      thread: { parentId: '12', conversationId: '317' },
      author: { id: 'anonymous' },
    });
  });

  const expect400 = (raw: string, pattern: RegExp) => expectMalformedBody(wordpressAdapter, raw, pattern);

  it('refuses bodies it cannot read, naming what was expected and never quoting the body', () => {
    expect400(
      'comment_ID=1&comment_content=private%ZZtext',
      /not valid form encoding \(bad percent-escape in pair 2\)/,
    );
    expect400(form({ comment_ID: '1' }), /body\.hook/);
    expect400('{"hook": ', /not valid JSON/);
    expect400('{"hook":"comment_post","comment_ID":12345678901234567890}', /body\.comment_ID.*2\^53/);
    expect400(form(fields({ comment_date_gmt: '03/06/2025' })), /body\.comment_date_gmt.*YYYY-MM-DD/);
    const error = rejectionOf(() => wordpressAdapter.normalize(Buffer.from('comment_content=private%ZZtext'), context));
    expect(error.message).not.toContain('private');
    const invalidUtf8 = rejectionOf(() =>
      wordpressAdapter.normalize(Buffer.from([0x68, 0x6f, 0x6f, 0x6b, 0x3d, 0xff]), context),
    );
    expect(invalidUtf8.message).toMatch(/not valid UTF-8/);
  });

  it('asks for comment_ID when a comment hook lacks it', () => {
    const { comment_ID: _, ...rest } = fields();
    expect400(form(rest), /body\.comment_ID is missing: tick comment_ID/);
  });
});

describeSampleReplay('wordpress', wordpressAdapter, 'query-token', await loadSamples('wordpress'));
