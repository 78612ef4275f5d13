import { MastodonTargetSchema, PollTargetSchema } from '#core/config/poll-targets.schema.js';
import { EngagementDraftSchema } from '#core/engagement/engagement.schema.js';
import { mastodonPoller } from '#core/polling/mastodon.js';
import { RateLimitedError, type PollTarget } from '#core/polling/poller.js';
import { scriptedHttpServerForTests } from '#test-support/scripted-http-server.js';
import { expectBodiesRefused, pollOnce, pollRunner } from '#test-support/poll-harness.js';

const now = new Date('2026-11-25T12:00:00.000Z');
const secret = { accessToken: 'local-mastodon-access-token' };
const server = scriptedHttpServerForTests();
let target: PollTarget;
beforeAll(() => {
  target = { platform: 'mastodon', id: 'brand', instance: server.url, every: 'PT5M', account: 'acme' };
});

// Notification ids beyond 2^53: as numbers, 113400000000000001 and …002 are the same value.
const ID1 = '113400000000000001';
const ID2 = '113400000000000002';
const ID3 = '113400000000000010';
const ID4 = '113400000000000011';

const account = (acct: string, extra: Record<string, unknown> = {}) => ({
  id: `9${acct.length}`,
  username: acct.split('@')[0],
  acct,
  display_name: `Name of ${acct}`,
  url: `https://${acct.includes('@') ? acct.split('@')[1] : 'social.example'}/@${acct.split('@')[0]}`,
  uri: `https://${acct.includes('@') ? acct.split('@')[1] : 'social.example'}/users/${acct.split('@')[0]}`,
  followers_count: 42,
  ...extra,
});

const status = (n: string, extra: Record<string, unknown> = {}) => ({
  id: `55${n}`,
  uri: `https://other.example/users/ana/statuses/${n}`,
  url: `https://other.example/@ana/${n}`,
  created_at: '2026-11-25T10:00:00.000Z',
  account: account('ana@other.example'),
  content: `<p>@<span>acme</span> status ${n}</p>`,
  spoiler_text: '',
  visibility: 'public',
  in_reply_to_id: null,
  mentions: [{ id: '1' }],
  language: 'en',
  ...extra,
});

const notification = (id: string, type: string, extra: Record<string, unknown> = {}) => ({
  id,
  type,
  created_at: '2026-11-25T11:00:00.000Z',
  account: account('ana@other.example'),
  status: status(id.slice(-2)),
  ...extra,
});
const json = (body: unknown, headers: Record<string, string> = {}) => ({
  status: 200,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});
const poll = (state = {}, t: PollTarget = target) => pollOnce(mastodonPoller, t, state, secret, now);

describe('Mastodon notifications poller over HTTP', () => {
  it('first poll: reads the newest page with the bearer token and emits mentions, replies and DMs once, oldest first', async () => {
    server.answer(
      json([
        notification(ID2, 'mention', {
          status: status('02', {
            visibility: 'direct',
            content: '<p>Bonjour — ma commande n&#39;est pas arrivée 📦</p>',
            spoiler_text: 'Commande',
            language: 'fr',
            account: account('zoë'),
          }),
          account: account('zoë'),
        }),
        notification(ID1, 'mention', { status: status('01', { in_reply_to_id: '5500' }) }),
      ]),
    );
    const result = await poll();
    expect(result.error).toBeUndefined();
    const req = server.requests[0]!;
    expect(req.path).toBe('/api/v1/notifications');
    expect(req.query.getAll('types[]')).toEqual(['mention']);
    expect(req.query.get('limit')).toBe('80');
    expect(req.query.has('min_id')).toBe(false);
    expect(req.headers.authorization).toBe('Bearer local-mastodon-access-token');
    expect(server.requests).toHaveLength(1); // the first poll does not page back through history

    expect(result.events.map((e) => [e.change, e.draft.kind, e.draft.externalId])).toEqual([
      ['created', 'reply', 'https://other.example/users/ana/statuses/01'],
      ['created', 'direct_message', 'https://other.example/users/ana/statuses/02'],
    ]);
    const host = new URL(server.url).host;
    expect(result.events[1]?.draft).toEqual({
      platform: 'mastodon',
      kind: 'direct_message',
      externalId: 'https://other.example/users/ana/statuses/02',
      url: 'https://other.example/@ana/02',
      text: "Commande\n\nBonjour — ma commande n'est pas arrivée 📦",
      language: 'fr',
      createdAt: '2026-11-25T10:00:00.000Z',
      author: { id: 'https://social.example/users/zoë', handle: `zoë@${host}`, name: 'Name of zoë', followers: 42 },
      account: { id: `acme@${host}`, handle: `acme@${host}` },
    });
    expect(result.events[0]?.draft.thread).toEqual({ parentId: '5500' });
    for (const e of result.events) expect(EngagementDraftSchema.parse(e.draft)).toEqual(e.draft);
    expect(result.state.cursor).toBe(ID2);
  });

  it('second poll: pages forward from the cursor with min_id until a page is empty, emitting only new notifications', async () => {
    server.answer(
      json([notification(ID4, 'mention'), notification(ID3, 'mention')], {
        link: `<${server.url}?max_id=${ID3}>; rel="next", <${server.url}?min_id=${ID4}>; rel="prev"`,
      }),
      json([]),
    );
    const result = await poll({ cursor: ID2 });
    expect(server.requests.map((r) => r.query.get('min_id'))).toEqual([ID2, ID4]);
    expect(result.events.map((e) => e.draft.externalId)).toEqual([
      'https://other.example/users/ana/statuses/10',
      'https://other.example/users/ana/statuses/11',
    ]);
    expect(result.pages.map((p) => p.state.cursor)).toEqual([ID4, ID4]);
    expect(result.pages[1]?.events).toEqual([]);
  });

  it('follows the Link header past notifications the instance filtered out of a page, never behind it', async () => {
    server.answer(
      json([notification(ID3, 'mention')], { link: `<${server.url}?min_id=${ID4}>; rel="prev"` }),
      json([]),
    );
    const ahead = await poll({ cursor: ID2 });
    expect(ahead.pages[0]?.state.cursor).toBe(ID4);
    server.answer(
      json([notification(ID4, 'mention')], { link: `<${server.url}?min_id=${ID1}>; rel="prev"` }),
      json([]),
    );
    const behind = await poll({ cursor: ID3 });
    expect(behind.pages[0]?.state.cursor).toBe(ID4);
  });

  it('always yields a page, so a quiet poll is recorded', async () => {
    server.answer(json([]));
    const result = await poll({ cursor: ID2 });
    expect(result.pages).toEqual([{ events: [], state: { cursor: ID2 } }]);
  });

  it('resumes after the last delivered page when a later page fails (runner with a state store)', async () => {
    const runner = pollRunner(mastodonPoller, secret);
    await runner.store.put('mastodon', 'brand', { cursor: ID1 });
    server.answer(json([notification(ID3, 'mention'), notification(ID2, 'mention')]), { status: 502 });
    expect(await runner.run(target, now)).toMatchObject({
      status: 'failed',
      emitted: 2,
      error: 'mastodon answered 502',
    });
    expect(runner.state(target)).toMatchObject({ cursor: ID3, consecutiveFailures: 1 });

    server.requests.splice(0);
    server.answer(json([notification(ID4, 'mention')]), json([]));
    expect(await runner.run(target, new Date(now.getTime() + 10 * 60_000))).toMatchObject({
      status: 'polled',
      emitted: 1,
    });
    expect(server.requests[0]!.query.get('min_id')).toBe(ID3);
    expect(runner.externalIds()).toEqual([
      'https://other.example/users/ana/statuses/02',
      'https://other.example/users/ana/statuses/10',
      'https://other.example/users/ana/statuses/11',
    ]);
    expect(runner.state(target)).toMatchObject({ cursor: ID4, consecutiveFailures: 0 });
  });

  it('backs off on 429 and 503: Retry-After, else X-RateLimit-Reset, else five minutes', async () => {
    server.answer({ status: 429, headers: { 'retry-after': '120' } });
    expect((await poll({ cursor: ID1 })).error).toEqual(new RateLimitedError(120_000, 'mastodon answered 429'));
    server.answer({
      status: 429,
      headers: {
        'x-ratelimit-limit': '300',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': '2026-11-25T12:03:00.000000Z',
      },
    });
    expect((await poll({ cursor: ID1 })).error).toMatchObject({ name: 'RateLimitedError', retryAfterMs: 180_000 });
    server.answer({ status: 503 });
    expect((await poll({ cursor: ID1 })).error).toEqual(new Error('mastodon answered 503')); // without Retry-After, a failure
  });

  it('delivers the page, then stops until the reset when X-RateLimit-Remaining reaches 0', async () => {
    server.answer(
      json([notification(ID3, 'mention')], {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': '2026-11-25T12:04:00.000Z',
      }),
      json([notification(ID4, 'mention')]),
    );
    const result = await poll({ cursor: ID2 });
    expect(result.events).toHaveLength(1);
    expect(result.state.cursor).toBe(ID3);
    expect(result.error).toBeInstanceOf(RateLimitedError);
    expect(result.error).toMatchObject({ retryAfterMs: 240_000 });
    expect(server.requests).toHaveLength(1);
  });

  it('fails on server and auth errors without emitting anything', async () => {
    server.answer({ status: 500, body: 'secret-ish internals' });
    const failed = await poll({ cursor: ID1 });
    expect(failed.error?.message).toBe('mastodon answered 500');
    expect(failed.pages).toEqual([]);
    server.answer({ status: 401, body: '{"error":"The access token is invalid"}' });
    expect((await poll({ cursor: ID1 })).error?.message).toMatch(/^mastodon answered 401: the accessToken is invalid/);
  });

  it('refuses malformed bodies with a message that names the problem, never the body', async () => {
    const cases: [string, RegExp][] = [
      ['<html>MALFORMED-MARKER</html>', /not JSON/],
      [JSON.stringify({ error: 'MALFORMED-MARKER' }), /unexpected body \(at the top level: expected array\)/],
    ];
    await expectBodiesRefused(server, () => poll({ cursor: ID1 }), 'MALFORMED-MARKER', cases);
  });

  it('skips malformed notifications (counted, never quoted) and moves the cursor past them', async () => {
    server.answer(
      json([
        notification(ID4, 'mention', { status: { uri: 'MALFORMED-MARKER' } }),
        notification(ID3, 'mention'),
        { id: 'MALFORMED-MARKER', type: 'mention' },
      ]),
      json([]),
    );
    const result = await poll({ cursor: ID1 });
    const { warnings } = result;
    expect(result.error).toBeUndefined();
    expect(result.events.map((e) => e.draft.externalId)).toEqual(['https://other.example/users/ana/statuses/10']);
    expect(result.state.cursor).toBe(ID4);
    expect(warnings).toHaveLength(2);
    expect(warnings.join()).not.toContain('MALFORMED-MARKER');
  });

  it('drops notifications at or below the cursor and stops when the cursor does not move', async () => {
    // An instance that ignores min_id answers the same page every time.
    server.answer(json([notification(ID3, 'mention'), notification(ID2, 'mention')]));
    const result = await poll({ cursor: ID2 });
    expect(result.events.map((e) => e.draft.externalId)).toEqual(['https://other.example/users/ana/statuses/10']);
    expect(server.requests).toHaveLength(2); // the second page brings nothing newer than ID3: the poll ends
    expect(result.state.cursor).toBe(ID3);
  });

  it("maps boosts, favourites, quotes, follows' posts and edits when asked for them, and drops the company's own accounts", async () => {
    const t = {
      ...target,
      types: ['mention', 'status', 'reblog', 'favourite', 'quote', 'update'],
      ownAccounts: ['support@acme.example'],
    };
    server.answer(
      json([
        notification('20', 'follow', { status: undefined }),
        notification('19', 'mention', {
          account: account('support@acme.example'),
          status: status('19', { account: account('support@acme.example') }),
        }),
        notification('18', 'update', { status: status('18', { content: '<p>fixed typo</p>' }) }),
        notification('17', 'quote', {
          status: status('17', {
            quote: { state: 'accepted', quoted_status: { uri: 'https://social.example/users/acme/statuses/1' } },
          }),
        }),
        notification('16', 'status', { status: status('16', { mentions: [] }) }),
        notification('15', 'favourite', {
          status: status('15', { account: account('acme'), uri: 'https://social.example/users/acme/statuses/15' }),
        }),
        notification('14', 'reblog', {
          status: status('14', { account: account('acme'), uri: 'https://social.example/users/acme/statuses/14' }),
        }),
      ]),
      json([]),
    );
    const { events, error } = await poll({ cursor: '13' }, t);
    expect(error).toBeUndefined();
    expect(
      events.map((e) => [e.change, e.draft.kind, e.draft.externalId, e.draft.text, e.draft.thread?.parentId]),
    ).toEqual([
      [
        'created',
        'share',
        'reblog:https://other.example/users/ana:https://social.example/users/acme/statuses/14',
        '',
        'https://social.example/users/acme/statuses/14',
      ],
      [
        'created',
        'reaction',
        'favourite:https://other.example/users/ana:https://social.example/users/acme/statuses/15',
        '',
        'https://social.example/users/acme/statuses/15',
      ],
      ['created', 'post', 'https://other.example/users/ana/statuses/16', '@acme status 16', undefined],
      [
        'created',
        'share',
        'https://other.example/users/ana/statuses/17',
        '@acme status 17',
        'https://social.example/users/acme/statuses/1',
      ],
      ['edited', 'mention', 'https://other.example/users/ana/statuses/18', 'fixed typo', undefined],
    ]);
    expect(events[0]?.draft).toMatchObject({
      createdAt: '2026-11-25T11:00:00.000Z',
      author: { handle: 'ana@other.example' },
    });
    expect(server.requests[0]!.query.getAll('types[]')).toEqual([
      'mention',
      'status',
      'reblog',
      'favourite',
      'quote',
      'update',
    ]);
  });

  it('validates its settings with clear messages and sensible defaults', () => {
    expect(PollTargetSchema.parse({ platform: 'mastodon', id: 'brand', instance: 'https://mastodon.social' })).toEqual({
      platform: 'mastodon',
      id: 'brand',
      instance: 'https://mastodon.social',
      types: ['mention'],
      ownAccounts: [],
      every: 'PT5M',
    });
    const bad = MastodonTargetSchema.safeParse({
      platform: 'mastodon',
      id: 'Brand!',
      instance: 'mastodon.social',
      types: ['boost'],
      extra: 1,
    });
    expect(bad.success).toBe(false);
    const messages = bad.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
    expect(messages).toMatch(/id: must be lower-case letters/);
    expect(messages).toMatch(/instance: must be the instance base URL/);
    expect(messages).toMatch(/types\.0: must be one of mention, status/);
    expect(messages).toMatch(/extra/);
  });

  it("starts afresh as a first poll, with a warning, from a stored cursor that no longer reads (the toolkit's cursor policy)", async () => {
    server.answer(
      json([notification(ID2, 'mention'), notification(ID1, 'mention')]),
      json([notification(ID3, 'mention')]),
    );
    const result = await poll({ cursor: 'not-an-id' });
    expect(result.error).toBeUndefined();
    expect(server.requests).toHaveLength(1); // a first poll: the newest page only
    expect(server.requests[0]?.query.has('min_id')).toBe(false);
    expect(result.events).toHaveLength(2);
    expect(result.state.cursor).toBe(ID2);
    expect(result.warnings).toEqual([
      'mastodon: the stored cursor is unreadable; polling starts again as a first poll',
    ]);
  });

  it('needs the accessToken secret and never puts it in an error', async () => {
    const { error } = await pollOnce(mastodonPoller, target, {}, {}, now);
    expect(error?.message).toBe('the mastodon secret has no "accessToken"; add it to the mastodon secret');
    server.answer({ status: 403, body: 'local-mastodon-access-token' });
    expect((await poll()).error?.message).not.toContain('local-mastodon-access-token');
  });
});
