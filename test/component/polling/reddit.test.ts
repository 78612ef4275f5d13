import { PollTargetSchema, RedditTargetSchema } from '#core/config/poll-targets.schema.js';
import { EngagementDraftSchema } from '#core/engagement/engagement.schema.js';
import type { IntakeDelivery } from '#core/intake/delivery.js';
import { runPollers } from '#core/lifecycle/run-pollers.js';
import { RateLimitedError, type Poller, type PollPage, type PollState, type PollTarget } from '#core/polling/poller.js';
import { createRedditPoller } from '#core/polling/reddit.js';
import { pollers } from '#core/polling/registry.js';
import { MemoryPollState } from '#test-support/memory-poll-state.js';
import { recordedLogForTests } from '#test-support/poll-harness.js';
import { scriptedHttpServerForTests, type ScriptedAnswer } from '#test-support/scripted-http-server.js';

const now = new Date('2026-11-25T12:00:00.000Z');
const T = now.getTime() / 1000;
const secret = { clientId: 'local-reddit-client-id', clientSecret: 'local-reddit-client-secret' };
const basic = `Basic ${Buffer.from('local-reddit-client-id:local-reddit-client-secret').toString('base64')}`;
const userAgent = 'server:com.example.switchboard:1.0 (by /u/acme_social)';

const server = scriptedHttpServerForTests();
const logged = recordedLogForTests();

const target = (extra: Record<string, unknown> = {}): PollTarget => ({
  platform: 'reddit',
  id: 'acme-sub',
  subreddit: 'acme',
  every: 'PT5M',
  userAgent,
  apiBaseUrl: server.url,
  authBaseUrl: server.url,
  ...extra,
});
const token = (value = 'tok-1', expiresIn = 86_400): ScriptedAnswer => ({
  status: 200,
  body: { access_token: value, token_type: 'bearer', expires_in: expiresIn, scope: '*' },
});
const post = (id: string, createdUtc: number, extra: Record<string, unknown> = {}) => ({
  kind: 't3',
  data: {
    name: `t3_${id}`,
    id,
    author: 'ana_b',
    author_fullname: 't2_ana1',
    created_utc: createdUtc,
    permalink: `/r/acme/comments/${id}/a_post/`,
    subreddit: 'acme',
    title: `Post ${id}`,
    selftext: '',
    score: 1,
    num_comments: 0,
    ...extra,
  },
});
const comment = (id: string, createdUtc: number, parent: string, extra: Record<string, unknown> = {}) => ({
  kind: 't1',
  data: {
    name: `t1_${id}`,
    id,
    author: 'bo',
    author_fullname: 't2_bo2',
    created_utc: createdUtc,
    permalink: `/r/acme/comments/p1/a_post/${id}/`,
    subreddit: 'acme',
    body: `comment ${id}`,
    link_id: 't3_p1',
    parent_id: parent,
    ...extra,
  },
});
const listing = (
  children: unknown[],
  after: string | null = null,
  headers: Record<string, string> = {
    'x-ratelimit-remaining': '99.0',
    'x-ratelimit-used': '1',
    'x-ratelimit-reset': '300',
  },
): ScriptedAnswer => ({
  status: 200,
  headers,
  body: { kind: 'Listing', data: { after, before: null, dist: children.length, children } },
});

async function poll(poller: Poller, t: PollTarget = target(), state: PollState = {}, at = now): Promise<PollPage[]> {
  const pages: PollPage[] = [];
  for await (const page of poller.poll(t, state, { fetch, now: at, secret, log: logged.log })) pages.push(page);
  return pages;
}
const ids = (pages: PollPage[]) => pages.flatMap((p) => p.events.map((e) => e.draft.externalId));

describe('Reddit poller over HTTP', () => {
  it('gets an app-only token, then emits the newest posts of the subreddit with text, author, link and thread', async () => {
    server.routes({
      'POST /api/v1/access_token': token(),
      'GET /r/acme/new': listing(
        [
          post('c3', T - 60, {
            title: 'Café crème ☕ — naïve?',
            selftext: 'Ça marche & <b>pas</b> 日本語 🚀',
            author: 'Zoë_42',
            author_fullname: 't2_zoe',
          }),
          post('b2', T - 120),
        ],
        't3_b2',
      ),
    });
    const pages = await poll(createRedditPoller());
    // the first poll emits the newest page only: older history is not backfilled
    expect(pages).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
    expect(pages[0]?.events[0]).toEqual({
      change: 'created',
      draft: {
        platform: 'reddit',
        kind: 'post',
        externalId: 't3_c3',
        url: 'https://www.reddit.com/r/acme/comments/c3/a_post/',
        text: 'Café crème ☕ — naïve?\n\nÇa marche & <b>pas</b> 日本語 🚀',
        createdAt: '2026-11-25T11:59:00.000Z',
        author: { id: 't2_zoe', handle: 'Zoë_42', name: 'Zoë_42' },
        account: { id: 'r/acme' },
        thread: { conversationId: 't3_c3' },
      },
    });
    expect(ids(pages)).toEqual(['t3_c3', 't3_b2']);
    for (const e of pages.flatMap((p) => p.events)) expect(EngagementDraftSchema.parse(e.draft)).toEqual(e.draft);

    const [auth, get] = server.requests;
    expect(auth).toMatchObject({ method: 'POST', path: '/api/v1/access_token', body: 'grant_type=client_credentials' });
    expect(auth?.headers).toMatchObject({
      authorization: basic,
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': userAgent,
    });
    expect(get).toMatchObject({ method: 'GET', path: '/r/acme/new' });
    expect(get?.headers).toMatchObject({ authorization: 'bearer tok-1', 'user-agent': userAgent });
    expect(Object.fromEntries(get?.query ?? [])).toEqual({ limit: '100', raw_json: '1' });
    expect(JSON.parse(pages[0]?.state.cursor ?? '{}')).toEqual({
      source: 'r/acme/new',
      floor: '2026-11-25T11:59:00.000Z',
    });
    expect(pages[0]?.state.seen).toEqual([`t3_b2@${(T - 120) * 1000}`, `t3_c3@${(T - 60) * 1000}`]);
  });

  it('emits only new items on the next poll, reusing the cached token', async () => {
    const poller = createRedditPoller();
    server.routes({
      'POST /api/v1/access_token': token(),
      'GET /r/acme/new': listing([post('b2', T - 120), post('a1', T - 600)]),
    });
    const first = await poll(poller);
    server.routes({
      'POST /api/v1/access_token': token('tok-2'),
      'GET /r/acme/new': listing(
        [post('d4', T + 200), post('c3', T + 100), post('b2', T - 120), post('a1', T - 600)],
        't3_a1',
      ),
    });
    const second = await poll(poller, target(), first[0]?.state, new Date(now.getTime() + 300_000));
    expect(ids(second)).toEqual(['t3_d4', 't3_c3']);
    // one token for both polls; the second poll stopped at the known items (no second page)
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /api/v1/access_token',
      'GET /r/acme/new',
      'GET /r/acme/new',
    ]);
    expect(server.requests[2]?.headers.authorization).toBe('bearer tok-1');
    // a third poll with nothing new emits nothing
    const third = await poll(poller, target(), second.at(-1)?.state, new Date(now.getTime() + 600_000));
    expect(ids(third)).toEqual([]);
  });

  it('pages with `after` and, when a later page fails, resumes after the last delivered page without repeats', async () => {
    const min = 60;
    let top = [post('p6', T - 10 * min), post('p5', T - 20 * min)];
    let failPage3 = true;
    server.routes({
      'POST /api/v1/access_token': token(),
      'GET /r/acme/new': (req) => {
        const after = req.query.get('after');
        if (after === null) return listing(top, 't3_p5');
        if (after === 't3_p5') return listing([post('p4', T - 30 * min), post('p3', T - 40 * min)], 't3_p3');
        if (after === 't3_p3') {
          if (failPage3) return { status: 500, body: 'upstream broke' };
          return listing([post('p2', T - 50 * min), post('p1', T - 55 * min), post('old', T - 120 * min)], null);
        }
        return { status: 404 };
      },
    });
    const store = new MemoryPollState();
    const enqueued: IntakeDelivery[] = [];
    const poller = createRedditPoller();
    const run = (at: Date) =>
      runPollers([target()], {
        pollerFor: () => poller,
        state: store,
        enqueue: async (d) => void enqueued.push(d),
        fetch,
        now: () => at,
        secretFor: async () => secret,
      });
    const emitted = () => enqueued.flatMap((d) => d.events?.map((e) => e.draft.externalId) ?? []);

    // the target's first poll saw only an old post: the floor is two hours back
    const old = top;
    top = [post('old', T - 120 * min)];
    await run(new Date(now.getTime() - 3_600_000));
    expect(emitted()).toEqual(['t3_old']);
    top = old;

    const [failed] = await run(now);
    expect(failed).toMatchObject({ status: 'failed', emitted: 4, error: 'reddit r/acme/new answered 500' });
    expect(emitted()).toEqual(['t3_old', 't3_p6', 't3_p5', 't3_p4', 't3_p3']);
    const stored = store.states.get('reddit:acme-sub');
    expect(JSON.parse(stored?.cursor ?? '{}')).toMatchObject({
      walk: { next: 't3_p3', ceiling: new Date((T - 10 * min) * 1000).toISOString() },
    });
    expect(stored?.lastError).not.toContain('upstream broke');

    failPage3 = false;
    top = [post('p7', T + 2 * min), ...top];
    server.requests.splice(0);
    const [resumed] = await run(new Date(now.getTime() + 5 * 60_000));
    expect(resumed).toMatchObject({ status: 'polled', emitted: 3 });
    expect(emitted()).toEqual(['t3_old', 't3_p6', 't3_p5', 't3_p4', 't3_p3', 't3_p2', 't3_p1', 't3_p7']);
    // the interrupted walk resumed at its page, then one page from the top reached the new floor
    expect(server.requests.map((r) => r.query.get('after'))).toEqual(['t3_p3', null]);
    expect(JSON.parse(store.states.get('reddit:acme-sub')?.cursor ?? '{}')).toEqual({
      source: 'r/acme/new',
      floor: new Date((T + 2 * min) * 1000).toISOString(),
    });
  });

  it('restarts from the newest page when a resumed `after` anchor has vanished (empty page)', async () => {
    const state: PollState = {
      cursor: JSON.stringify({
        source: 'r/acme/new',
        floor: new Date((T - 3600) * 1000).toISOString(),
        walk: { next: 't3_gone', ceiling: new Date((T - 60) * 1000).toISOString() },
      }),
      seen: [`t3_n2@${(T - 60) * 1000}`],
    };
    server.routes({
      'POST /api/v1/access_token': token(),
      'GET /r/acme/new': (req) =>
        req.query.get('after') === 't3_gone'
          ? listing([])
          : listing([post('n2', T - 60), post('n1', T - 1800), post('o', T - 7200)], 't3_o'),
    });
    const pages = await poll(createRedditPoller(), target(), state);
    expect(ids(pages)).toEqual(['t3_n1']);
    expect(server.requests.filter((r) => r.method === 'GET').map((r) => r.query.get('after'))).toEqual([
      't3_gone',
      null,
    ]);
  });

  it('maps comments and replies of a comments listing, and drops the company’s own', async () => {
    server.routes({
      'POST /api/v1/access_token': token(),
      'GET /r/acme/comments': listing([
        comment('k3', T - 10, 't1_k1'),
        comment('k2', T - 20, 't3_p1', { author: 'ACME_Social' }),
        comment('k1', T - 30, 't3_p1', { author: '[deleted]', author_fullname: null }),
      ]),
    });
    const pages = await poll(createRedditPoller(), target({ listing: 'comments', ownAccounts: ['acme_social'] }));
    const drafts = pages.flatMap((p) => p.events.map((e) => e.draft));
    expect(drafts.map((d) => [d.externalId, d.kind, d.thread, d.author.id])).toEqual([
      ['t1_k3', 'reply', { parentId: 't1_k1', conversationId: 't3_p1' }, 't2_bo2'],
      ['t1_k1', 'comment', { parentId: 't3_p1', conversationId: 't3_p1' }, '[deleted]'],
    ]);
    expect(drafts[0]).toMatchObject({
      text: 'comment k3',
      url: 'https://www.reddit.com/r/acme/comments/p1/a_post/k3/',
    });
    for (const d of drafts) expect(EngagementDraftSchema.parse(d)).toEqual(d);
  });

  it('searches posts site-wide or within a subreddit, newest first, with no account', async () => {
    server.routes({
      'POST /api/v1/access_token': token(),
      'GET /search': listing([post('s1', T - 5)]),
      'GET /r/acme/search': listing([post('s2', T - 5)]),
    });
    const site = await poll(createRedditPoller(), target({ subreddit: undefined, query: '"acme phone" OR acmephone' }));
    const within = await poll(createRedditPoller(), target({ query: 'broken' }));
    const [, siteReq, , withinReq] = server.requests;
    expect(Object.fromEntries(siteReq?.query ?? [])).toEqual({
      q: '"acme phone" OR acmephone',
      sort: 'new',
      type: 'link',
      limit: '100',
      raw_json: '1',
    });
    expect(withinReq?.path).toBe('/r/acme/search');
    expect(Object.fromEntries(withinReq?.query ?? [])).toMatchObject({ q: 'broken', restrict_sr: '1', sort: 'new' });
    expect(site[0]?.events[0]?.draft.account).toBeUndefined();
    expect(ids(within)).toEqual(['t3_s2']);
  });

  it('keeps base-36 fullnames whose value is beyond 2^53 exactly as sent', async () => {
    server.routes({ 'POST /api/v1/access_token': token(), 'GET /r/acme/new': listing([post('1zzzzzzzzzzzz', T - 5)]) });
    const pages = await poll(createRedditPoller());
    expect(parseInt('1zzzzzzzzzzzz', 36)).toBeGreaterThan(2 ** 53);
    expect(ids(pages)).toEqual(['t3_1zzzzzzzzzzzz']);
  });

  it('renews the token once when the API answers 401, and when it has expired', async () => {
    const poller = createRedditPoller();
    server.routes({
      'POST /api/v1/access_token': [token('tok-1', 3600), token('tok-2', 3600), token('tok-3', 3600)],
      'GET /r/acme/new': [{ status: 401, body: { message: 'Unauthorized', error: 401 } }, listing([post('a', T - 5)])],
    });
    expect(ids(await poll(poller))).toEqual(['t3_a']);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([basic, 'bearer tok-1', basic, 'bearer tok-2']);
    server.requests.splice(0);
    await poll(poller, target(), {}, new Date(now.getTime() + 3_600_000));
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([basic, 'bearer tok-3']);
  });

  it('fails clearly, without secrets, when the credentials are refused or missing', async () => {
    server.routes({ 'POST /api/v1/access_token': { status: 401, body: { message: 'Unauthorized', error: 401 } } });
    const refused = poll(createRedditPoller());
    await expect(refused).rejects.toThrow(
      'reddit refused the app credentials (401); check clientId and clientSecret in the reddit secret',
    );
    await expect(refused).rejects.not.toThrow(/local-reddit-client/);
    server.routes({ 'POST /api/v1/access_token': { status: 200, body: { error: 'unsupported_grant_type' } } });
    await expect(poll(createRedditPoller())).rejects.toThrow(
      'reddit token endpoint answered an unexpected body (at access_token: expected string)',
    );
    const noSecret = createRedditPoller()
      .poll(target(), {}, { fetch, now, secret: { clientId: 'x' } })
      [Symbol.asyncIterator]();
    await expect(noSecret.next()).rejects.toThrow(
      'the reddit secret has no "clientSecret"; add it to the reddit secret',
    );
  });

  it('backs off as told by 429 (Retry-After, else X-Ratelimit-Reset) and by 503 with Retry-After', async () => {
    server.routes({
      'POST /api/v1/access_token': token(),
      'GET /r/acme/new': { status: 429, headers: { 'retry-after': '120' } },
    });
    await expect(poll(createRedditPoller())).rejects.toEqual(
      new RateLimitedError(120_000, 'reddit r/acme/new answered 429'),
    );
    server.routes({
      'POST /api/v1/access_token': token(),
      'GET /r/acme/new': { status: 429, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '42' } },
    });
    await expect(poll(createRedditPoller())).rejects.toMatchObject({ retryAfterMs: 60_000 }); // clamped to at least a minute
    server.routes({
      'POST /api/v1/access_token': token(),
      'GET /r/acme/new': { status: 503, headers: { 'retry-after': 'Wed, 25 Nov 2026 12:05:00 GMT' } },
    });
    await expect(poll(createRedditPoller())).rejects.toMatchObject({ name: 'RateLimitedError', retryAfterMs: 300_000 });
    server.routes({ 'POST /api/v1/access_token': { status: 429, headers: { 'retry-after': '30' } } });
    await expect(poll(createRedditPoller())).rejects.toMatchObject({
      retryAfterMs: 60_000,
      message: 'reddit token endpoint answered 429',
    });
  });

  it('delivers the page on which the quota runs out, then stops until X-Ratelimit-Reset', async () => {
    server.routes({
      'POST /api/v1/access_token': token(),
      'GET /r/acme/new': listing([post('q2', T - 60), post('q1', T - 120)], 't3_q1', {
        'x-ratelimit-remaining': '0.0',
        'x-ratelimit-used': '100',
        'x-ratelimit-reset': '95',
      }),
    });
    const store = new MemoryPollState();
    const enqueued: IntakeDelivery[] = [];
    const poller = createRedditPoller();
    const [outcome] = await runPollers([target()], {
      pollerFor: () => poller,
      state: store,
      enqueue: async (d) => void enqueued.push(d),
      fetch,
      now: () => now,
      secretFor: async () => secret,
    });
    expect(outcome).toMatchObject({ status: 'rate-limited', emitted: 2 });
    expect(enqueued.flatMap((d) => d.events?.map((e) => e.draft.externalId))).toEqual(['t3_q2', 't3_q1']);
    expect(store.states.get('reddit:acme-sub')).toMatchObject({
      nextPollAfter: '2026-11-25T12:01:35.000Z',
      consecutiveFailures: 0,
    });
    expect(JSON.parse(store.states.get('reddit:acme-sub')?.cursor ?? '{}')).toMatchObject({
      floor: '2026-11-25T11:59:00.000Z',
    });
    expect(server.requests.filter((r) => r.method === 'GET')).toHaveLength(1);
  });

  it('skips a malformed child (counted, never quoted) and still emits and walks past the others', async () => {
    {
      server.routes({
        'POST /api/v1/access_token': token(),
        'GET /r/acme/new': listing([
          post('c3', T - 60),
          { kind: 't3', data: { name: 't3_x', title: 'hush-hush', created_utc: 'soon' } },
          post('b2', T - 120),
        ]),
      });
      const pages = await poll(createRedditPoller());
      const { warnings } = logged;
      expect(ids(pages)).toEqual(['t3_c3', 't3_b2']);
      expect(JSON.parse(pages[0]?.state.cursor ?? '')).toEqual({
        source: 'r/acme/new',
        floor: new Date((T - 60) * 1000).toISOString(),
      });
      expect(warnings).toEqual(['reddit r/acme/new: skipped 1 malformed item']);
      expect(warnings.join()).not.toMatch(/hush/);
    }
  });

  it('ends a walk whose "after" cursor cycles, instead of reading the same pages forever', async () => {
    // The floor is an hour back; every page is newer and points "after" at a cursor already used.
    const state = {
      cursor: JSON.stringify({ source: 'r/acme/new', floor: new Date((T - 3600) * 1000).toISOString() }),
    };
    server.routes({ 'POST /api/v1/access_token': token(), 'GET /r/acme/new': listing([post('c3', T - 60)], 't3_c3') });
    const pages = await poll(createRedditPoller(), target(), state);
    // page 1 (top) hands out t3_c3; page 2 (after=t3_c3) hands out t3_c3 again: the walk ends there.
    expect(pages).toHaveLength(2);
    expect(ids(pages)).toEqual(['t3_c3']);
    expect(JSON.parse(pages.at(-1)?.state.cursor ?? '')).toEqual({
      source: 'r/acme/new',
      floor: new Date((T - 60) * 1000).toISOString(),
    });
  });

  it('fails on server errors, redirects and malformed bodies without quoting them or emitting anything', async () => {
    const cases: [ScriptedAnswer, RegExp][] = [
      [{ status: 500, body: 'secret internals' }, /^reddit r\/acme\/new answered 500$/],
      [{ status: 503, body: 'busy' }, /^reddit r\/acme\/new answered 503$/],
      [{ status: 302, headers: { location: 'https://www.reddit.com/subreddits/search?q=acme' } }, /redirect \(302\)/],
      [
        { status: 200, body: '<html>rate me tender</html>' },
        /^reddit r\/acme\/new answered 200 with a body that is not JSON$/,
      ],
      [{ status: 200, body: { jsonapi: { errors: ['hush-hush'] } } }, /unexpected body \(at kind: invalid_value\)/],
    ];
    for (const [answer, message] of cases) {
      server.routes({ 'POST /api/v1/access_token': token(), 'GET /r/acme/new': answer });
      const result = poll(createRedditPoller());
      await expect(result).rejects.toThrow(message);
      await expect(result).rejects.not.toThrow(/hush|internals|tender|busy/);
    }
  });

  it('passes over children that are not posts or comments', async () => {
    server.routes({
      'POST /api/v1/access_token': token(),
      'GET /r/acme/new': listing([{ kind: 'more', data: { count: 3, children: ['x'] } }, post('z', T - 1)]),
    });
    expect(ids(await poll(createRedditPoller()))).toEqual(['t3_z']);
  });
});

describe('Reddit target settings', () => {
  const base = { platform: 'reddit', id: 'acme' };
  it('applies defaults and is part of the polling config', () => {
    expect(RedditTargetSchema.parse({ ...base, subreddit: 'acme+acmehelp' })).toEqual({
      ...base,
      subreddit: 'acme+acmehelp',
      listing: 'posts',
      ownAccounts: [],
      apiBaseUrl: 'https://oauth.reddit.com',
      authBaseUrl: 'https://www.reddit.com',
      every: 'PT5M',
    });
    expect(PollTargetSchema.parse({ ...base, query: 'acme', apiBaseUrl: 'http://127.0.0.1:9/' })).toMatchObject({
      platform: 'reddit',
      apiBaseUrl: 'http://127.0.0.1:9',
    });
    expect(pollers.get('reddit')?.secretKeys).toEqual(['clientId', 'clientSecret']);
  });

  it('explains what is wrong', () => {
    const messages = (input: Record<string, unknown>) =>
      RedditTargetSchema.safeParse({ ...base, ...input }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages({})).toEqual([
      'subreddit: set subreddit (its newest posts or comments), query (a search), or both (a search within the subreddit)',
    ]);
    expect(messages({ subreddit: 'r/acme' })?.[0]).toMatch(/^subreddit: must be a subreddit name without "r\/"/);
    expect(messages({ subreddit: 'acme', query: 'x', listing: 'comments' })).toEqual([
      'listing: Reddit search finds posts only: listing "comments" needs subreddit without query',
    ]);
    expect(messages({ subreddit: 'acme', every: '5 minutes' })?.[0]).toMatch(
      /^every: must be an ISO 8601 duration of at least one minute/,
    );
    expect(messages({ subreddit: 'acme', every: 'PT30S' })?.[0]).toMatch(/^every: /);
    expect(messages({ subreddit: 'acme', ownAccounts: ['u/acme'] })?.[0]).toMatch(
      /^ownAccounts.0: must be a Reddit username without "u\/"/,
    );
    expect(messages({ subreddit: 'acme', apiBaseUrl: 'ftp://x' })?.[0]).toMatch(
      /^apiBaseUrl: must be an http\(s\) URL/,
    );
    expect(messages({ subreddit: 'acme', sub: 'x' })?.[0]).toMatch(/sub/);
  });
});
