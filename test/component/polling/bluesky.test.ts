import { BlueskyTargetSchema, PollTargetSchema } from '#core/config/poll-targets.schema.js';
import { EngagementDraftSchema } from '#core/engagement/engagement.schema.js';
import type { IntakeDelivery } from '#core/intake/delivery.js';
import { runPollers } from '#core/lifecycle/run-pollers.js';
import { createBlueskyPoller } from '#core/polling/bluesky.js';
import { RateLimitedError, type Poller, type PollPage, type PollState, type PollTarget } from '#core/polling/poller.js';
import { pollers } from '#core/polling/registry.js';
import { MemoryPollState } from '#test-support/memory-poll-state.js';
import { recordedLogForTests } from '#test-support/poll-harness.js';
import { scriptedHttpServerForTests, type ScriptedAnswer } from '#test-support/scripted-http-server.js';

const now = new Date('2026-11-25T12:00:00.000Z');
const T = now.getTime();
const at = (ms: number) => new Date(ms).toISOString();
const secret = { identifier: 'acme.com', appPassword: 'abcd-efgh-ijkl-mnop' };
const ME = 'did:plc:acme';

const jwt = (expMs: number) =>
  [
    'eyJhbGciOiJFUzI1NksifQ',
    Buffer.from(
      JSON.stringify({ scope: 'com.atproto.appPass', sub: ME, iat: T / 1000, exp: Math.floor(expMs / 1000) }),
    ).toString('base64url'),
    'c2ln',
  ].join('.');
const ACCESS_1 = jwt(T + 2 * 3_600_000);
const session = (access = ACCESS_1, refresh = 'refresh-1'): ScriptedAnswer => ({
  status: 200,
  body: { accessJwt: access, refreshJwt: refresh, handle: 'acme.com', did: ME, active: true, didDoc: {} },
});

const SESSION = 'POST /xrpc/com.atproto.server.createSession';
const REFRESH = 'POST /xrpc/com.atproto.server.refreshSession';
const NOTIFICATIONS = 'GET /xrpc/app.bsky.notification.listNotifications';
const SEARCH = 'GET /xrpc/app.bsky.feed.searchPosts';

const ana = {
  did: 'did:plc:ana',
  handle: 'ana.bsky.social',
  displayName: 'Ana 🌸',
  avatar: 'https://cdn.example/ana.jpg',
  labels: [],
};
const postUri = (did: string, rkey: string) => `at://${did}/app.bsky.feed.post/${rkey}`;
const myPost = postUri(ME, 'brandpost');
const record = (text: string, createdAt: number, extra: Record<string, unknown> = {}) => ({
  $type: 'app.bsky.feed.post',
  text,
  createdAt: at(createdAt),
  langs: ['en'],
  ...extra,
});
const notification = (rkey: string, reason: string, indexedAt: number, extra: Record<string, unknown> = {}) => ({
  uri: postUri('did:plc:ana', rkey),
  cid: `bafyrei${rkey}`,
  author: ana,
  reason,
  record: record(`post ${rkey}`, indexedAt - 1000),
  isRead: false,
  indexedAt: at(indexedAt),
  labels: [],
  ...extra,
});
const notifications = (
  items: unknown[],
  cursor?: string,
  headers: Record<string, string> = {
    'ratelimit-limit': '3000',
    'ratelimit-remaining': '2990',
    'ratelimit-reset': String(T / 1000 + 300),
    'ratelimit-policy': '3000;w=300',
  },
): ScriptedAnswer => ({
  status: 200,
  headers,
  body: { notifications: items, ...(cursor && { cursor }), priority: false },
});
const postView = (did: string, handle: string, rkey: string, rec: Record<string, unknown>, indexedAt: number) => ({
  uri: postUri(did, rkey),
  cid: `bafyrei${rkey}`,
  author: { did, handle, displayName: handle.split('.')[0] },
  record: rec,
  replyCount: 0,
  repostCount: 0,
  likeCount: 0,
  indexedAt: at(indexedAt),
  labels: [],
});

const server = scriptedHttpServerForTests();
const logged = recordedLogForTests();

const target = (extra: Record<string, unknown> = {}): PollTarget => ({
  platform: 'bluesky',
  id: 'acme-bsky',
  mode: 'notifications',
  every: 'PT5M',
  serviceUrl: server.url,
  ...extra,
});

async function poll(poller: Poller, t: PollTarget = target(), state: PollState = {}, when = now): Promise<PollPage[]> {
  const pages: PollPage[] = [];
  for await (const page of poller.poll(t, state, { fetch, now: when, secret, log: logged.log })) pages.push(page);
  return pages;
}
const ids = (pages: PollPage[]) => pages.flatMap((p) => p.events.map((e) => e.draft.externalId));
const routes = (server_: typeof server) => server_.requests.map((r) => `${r.method} ${r.path}`);

describe('Bluesky notifications poller over HTTP', () => {
  it('logs in once, then maps mentions, replies, quotes, reposts and likes of the account (not follows)', async () => {
    server.routes({
      [SESSION]: session(),
      [NOTIFICATIONS]: notifications(
        [
          notification('r1', 'reply', T - 10_000, {
            record: record('Ça ne marche pas 😡 — 日本語', T - 11_000, {
              reply: { root: { uri: myPost, cid: 'x' }, parent: { uri: myPost, cid: 'x' } },
              langs: ['fr-CA'],
            }),
            reasonSubject: myPost,
          }),
          notification('m1', 'mention', T - 20_000, { record: record('hey @acme.com', T - 21_000) }),
          notification('q1', 'quote', T - 30_000, {
            record: record('look at this', T - 31_000, {
              embed: { $type: 'app.bsky.embed.record', record: { uri: myPost } },
            }),
            reasonSubject: myPost,
          }),
          notification('ignored', 'follow', T - 40_000, {
            uri: 'at://did:plc:ana/app.bsky.graph.follow/f1',
            record: { $type: 'app.bsky.graph.follow', subject: ME, createdAt: at(T - 40_000) },
          }),
          notification('l1', 'like', T - 50_000, {
            uri: 'at://did:plc:ana/app.bsky.feed.like/l1',
            record: { $type: 'app.bsky.feed.like', subject: { uri: myPost, cid: 'x' }, createdAt: at(T - 50_500) },
            reasonSubject: myPost,
          }),
          notification('rp1', 'repost', T - 60_000, {
            uri: 'at://did:plc:ana/app.bsky.feed.repost/rp1',
            record: { $type: 'app.bsky.feed.repost', subject: { uri: myPost, cid: 'x' }, createdAt: at(T - 60_500) },
            reasonSubject: myPost,
          }),
        ],
        'cursor-older',
      ),
    });
    const pages = await poll(createBlueskyPoller());
    expect(pages).toHaveLength(1);
    const drafts = pages[0]?.events.map((e) => e.draft);
    expect(drafts?.[0]).toEqual({
      platform: 'bluesky',
      kind: 'reply',
      externalId: 'at://did:plc:ana/app.bsky.feed.post/r1',
      url: 'https://bsky.app/profile/did:plc:ana/post/r1',
      text: 'Ça ne marche pas 😡 — 日本語',
      language: 'fr',
      createdAt: at(T - 11_000),
      author: { id: 'did:plc:ana', handle: 'ana.bsky.social', name: 'Ana 🌸' },
      account: { id: ME, handle: 'acme.com' },
      thread: { parentId: myPost, conversationId: myPost },
    });
    expect(drafts?.map((d) => [d.kind, d.externalId, d.text, d.thread, d.url])).toEqual([
      [
        'reply',
        postUri('did:plc:ana', 'r1'),
        'Ça ne marche pas 😡 — 日本語',
        { parentId: myPost, conversationId: myPost },
        'https://bsky.app/profile/did:plc:ana/post/r1',
      ],
      [
        'mention',
        postUri('did:plc:ana', 'm1'),
        'hey @acme.com',
        { conversationId: postUri('did:plc:ana', 'm1') },
        'https://bsky.app/profile/did:plc:ana/post/m1',
      ],
      [
        'share',
        postUri('did:plc:ana', 'q1'),
        'look at this',
        { parentId: myPost, conversationId: postUri('did:plc:ana', 'q1') },
        'https://bsky.app/profile/did:plc:ana/post/q1',
      ],
      [
        'reaction',
        'at://did:plc:ana/app.bsky.feed.like/l1',
        '',
        { parentId: myPost },
        'https://bsky.app/profile/did:plc:acme/post/brandpost',
      ],
      [
        'share',
        'at://did:plc:ana/app.bsky.feed.repost/rp1',
        '',
        { parentId: myPost },
        'https://bsky.app/profile/did:plc:acme/post/brandpost',
      ],
    ]);
    expect(drafts?.[3]?.createdAt).toBe(at(T - 50_500));
    for (const e of pages.flatMap((p) => p.events)) expect(EngagementDraftSchema.parse(e.draft)).toEqual(e.draft);

    const [login, list] = server.requests;
    expect(login?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(login?.body ?? '{}')).toEqual({ identifier: 'acme.com', password: 'abcd-efgh-ijkl-mnop' });
    expect(list?.headers.authorization).toBe(`Bearer ${ACCESS_1}`);
    expect(Object.fromEntries(list?.query ?? [])).toEqual({ limit: '100' });
    // the first poll emits the newest page only
    expect(routes(server)).toEqual([SESSION, NOTIFICATIONS]);
  });

  it('emits only new notifications on the next poll and keeps the session', async () => {
    const poller = createBlueskyPoller();
    server.routes({ [SESSION]: session(), [NOTIFICATIONS]: notifications([notification('a', 'mention', T - 60_000)]) });
    const first = await poll(poller);
    server.routes({
      [SESSION]: session(jwt(T + 7_200_000), 'other'),
      [NOTIFICATIONS]: notifications(
        [
          notification('c', 'reply', T + 120_000),
          notification('b', 'mention', T + 60_000),
          notification('a', 'mention', T - 60_000),
          notification('z', 'mention', T - 3_600_000),
        ],
        'older',
      ),
    });
    const second = await poll(poller, target(), first[0]?.state, new Date(T + 300_000));
    expect(ids(second)).toEqual([postUri('did:plc:ana', 'c'), postUri('did:plc:ana', 'b')]);
    expect(routes(server)).toEqual([SESSION, NOTIFICATIONS, NOTIFICATIONS]);
    expect(server.requests[2]?.headers.authorization).toBe(`Bearer ${ACCESS_1}`);
  });

  it('pages with `cursor` and, when a later page fails, resumes after the last delivered page', async () => {
    const min = 60_000;
    let top = [notification('n6', 'mention', T - 10 * min), notification('n5', 'mention', T - 20 * min)];
    let fail = true;
    server.routes({
      [SESSION]: session(),
      [NOTIFICATIONS]: (req) => {
        const cursor = req.query.get('cursor');
        if (cursor === null) return notifications(top, 'c-5');
        if (cursor === 'c-5')
          return notifications(
            [notification('n4', 'reply', T - 30 * min), notification('n3', 'reply', T - 40 * min)],
            'c-3',
          );
        if (cursor === 'c-3')
          return fail
            ? { status: 502, body: { error: 'UpstreamFailure', message: 'secret stack trace' } }
            : notifications(
                [
                  notification('n2', 'like', T - 50 * min, {
                    uri: 'at://did:plc:ana/app.bsky.feed.like/n2',
                    reasonSubject: myPost,
                  }),
                  notification('n1', 'mention', T - 55 * min),
                  notification('old', 'mention', T - 120 * min),
                  notification('ancient', 'mention', T - 180 * min),
                ],
                'c-old',
              );
        return notifications([]);
      },
    });
    const store = new MemoryPollState();
    const enqueued: IntakeDelivery[] = [];
    const poller = createBlueskyPoller();
    const run = (when: Date) =>
      runPollers([target()], {
        pollerFor: () => poller,
        state: store,
        enqueue: async (d) => void enqueued.push(d),
        fetch,
        now: () => when,
        secretFor: async () => secret,
      });
    const emitted = () => enqueued.flatMap((d) => d.events?.map((e) => e.draft.externalId.split('/').pop()) ?? []);

    const newer = top;
    top = [notification('old', 'mention', T - 120 * min)];
    await run(new Date(T - 3_600_000));
    top = newer;
    const [failed] = await run(now);
    expect(failed).toMatchObject({
      status: 'failed',
      emitted: 4,
      error: 'bluesky app.bsky.notification.listNotifications answered 502 (UpstreamFailure)',
    });
    expect(emitted()).toEqual(['old', 'n6', 'n5', 'n4', 'n3']);
    expect(JSON.parse(store.states.get('bluesky:acme-bsky')?.cursor ?? '{}')).toMatchObject({
      source: 'notifications',
      walk: { next: 'c-3' },
    });

    fail = false;
    top = [notification('n7', 'mention', T + 2 * min), ...top];
    server.requests.splice(0);
    const [resumed] = await run(new Date(T + 5 * min));
    expect(resumed).toMatchObject({ status: 'polled', emitted: 3 });
    expect(emitted()).toEqual(['old', 'n6', 'n5', 'n4', 'n3', 'n2', 'n1', 'n7']);
    // the interrupted walk resumed at its cursor and went down to the old floor; then one page from the top
    expect(server.requests.map((r) => r.query.get('cursor'))).toEqual(['c-3', null]);
  });

  it('refreshes an expiring session, renews once on ExpiredToken, and logs in again when the refresh is refused', async () => {
    const poller = createBlueskyPoller();
    const shortLived = jwt(T + 120_000);
    const access2 = jwt(T + 7_200_000);
    const access3 = jwt(T + 14_400_000);
    server.routes({ [SESSION]: session(shortLived, 'refresh-1'), [NOTIFICATIONS]: notifications([]) });
    await poll(poller);
    // two minutes later the access token is within a minute of its expiry: refresh first
    server.routes({ [REFRESH]: session(access2, 'refresh-2'), [NOTIFICATIONS]: notifications([]) });
    server.requests.splice(0);
    await poll(poller, target(), {}, new Date(T + 90_000));
    expect(routes(server)).toEqual([REFRESH, NOTIFICATIONS]);
    expect(server.requests[0]?.headers.authorization).toBe('Bearer refresh-1');
    expect(server.requests[1]?.headers.authorization).toBe(`Bearer ${access2}`);

    // the server revokes the token early: ExpiredToken (400) → refresh refused → new login → retry
    server.routes({
      [NOTIFICATIONS]: (req) =>
        req.headers.authorization === `Bearer ${access3}`
          ? notifications([notification('x', 'mention', T)])
          : { status: 400, body: { error: 'ExpiredToken', message: 'Token has expired' } },
      [REFRESH]: { status: 400, body: { error: 'ExpiredToken', message: 'Token has been revoked' } },
      [SESSION]: session(access3, 'refresh-3'),
    });
    server.requests.splice(0);
    expect(ids(await poll(poller, target(), {}, new Date(T + 100_000)))).toEqual([postUri('did:plc:ana', 'x')]);
    expect(routes(server)).toEqual([NOTIFICATIONS, REFRESH, SESSION, NOTIFICATIONS]);
  });

  it('fails clearly, without the password, when the login is refused or the secret is incomplete', async () => {
    server.routes({
      [SESSION]: {
        status: 401,
        body: { error: 'AuthenticationRequired', message: 'Invalid identifier or password abcd-efgh-ijkl-mnop' },
      },
    });
    const refused = poll(createBlueskyPoller());
    await expect(refused).rejects.toThrow(
      'bluesky refused the login (401 AuthenticationRequired); check identifier and appPassword in the bluesky secret',
    );
    await expect(refused).rejects.not.toThrow(/abcd|Invalid identifier/);
    const incomplete = createBlueskyPoller()
      .poll(target(), {}, { fetch, now, secret: { identifier: 'acme.com' } })
      [Symbol.asyncIterator]();
    await expect(incomplete.next()).rejects.toThrow(
      'the bluesky secret has no "appPassword"; add it to the bluesky secret',
    );
  });

  it('emits newer notification reasons whose record is a post as posts, and honours `reasons`', async () => {
    const items = [
      notification('s1', 'subscribed-post', T - 1000, { record: record('new drop', T - 1500) }),
      notification('sp', 'starterpack-joined', T - 2000, {
        uri: 'at://did:plc:ana/app.bsky.graph.starterpack/sp',
        record: { $type: 'app.bsky.graph.starterpack', name: 'x', createdAt: at(T - 2000) },
      }),
      notification('m', 'mention', T - 3000),
      notification('l', 'like', T - 4000, { uri: 'at://did:plc:ana/app.bsky.feed.like/l', reasonSubject: myPost }),
    ];
    server.routes({ [SESSION]: session(), [NOTIFICATIONS]: notifications(items) });
    const all = await poll(createBlueskyPoller());
    expect(all[0]?.events.map((e) => [e.draft.kind, e.draft.externalId.split('/').pop()])).toEqual([
      ['post', 's1'],
      ['mention', 'm'],
      ['reaction', 'l'],
    ]);
    const some = await poll(createBlueskyPoller(), target({ reasons: ['mention', 'reply'] }));
    expect(ids(some)).toEqual([postUri('did:plc:ana', 'm')]);
  });
});

describe('Bluesky search poller over HTTP', () => {
  it('searches the newest posts through the PDS with the session, maps kinds, and drops the company’s own posts', async () => {
    const other = 'did:plc:bo';
    server.routes({
      [SESSION]: session(),
      [SEARCH]: {
        status: 200,
        body: {
          hits_total: 5,
          cursor: '5',
          posts: [
            postView(ME, 'acme.com', 'mine', record('our launch', T - 1000), T - 900),
            postView('did:plc:alt', 'acme-support.com', 'alt', record('support here', T - 2000), T - 1900),
            postView(
              other,
              'bo.example',
              'rep',
              record('@acme.com broke again', T - 3000, {
                reply: { root: { uri: myPost, cid: 'x' }, parent: { uri: postUri('did:plc:ana', 'p'), cid: 'y' } },
              }),
              T - 2900,
            ),
            postView(
              other,
              'bo.example',
              'men',
              record('hi @acme.com', T - 4000, {
                facets: [
                  {
                    index: { byteStart: 3, byteEnd: 12 },
                    features: [{ $type: 'app.bsky.richtext.facet#mention', did: ME }],
                  },
                ],
              }),
              T - 3900,
            ),
            postView(
              other,
              'bo.example',
              'quo',
              record('acme lol', T - 5000, {
                embed: { $type: 'app.bsky.embed.record', record: { uri: myPost, cid: 'x' } },
              }),
              T - 4900,
            ),
            postView(other, 'bo.example', 'plain', record('acme is fine', T - 6000), T - 5900),
          ],
        },
      },
    });
    const pages = await poll(
      createBlueskyPoller(),
      target({ mode: 'search', query: 'acme lang:en', ownAccounts: ['ACME-support.com'] }),
    );
    const drafts = pages.flatMap((p) => p.events.map((e) => e.draft));
    expect(drafts.map((d) => [d.kind, d.externalId.split('/').pop(), d.account?.id, d.thread])).toEqual([
      ['reply', 'rep', ME, { parentId: postUri('did:plc:ana', 'p'), conversationId: myPost }],
      ['mention', 'men', ME, { conversationId: postUri(other, 'men') }],
      ['share', 'quo', undefined, { conversationId: postUri(other, 'quo') }],
      ['post', 'plain', undefined, { conversationId: postUri(other, 'plain') }],
    ]);
    for (const d of drafts) expect(EngagementDraftSchema.parse(d)).toEqual(d);
    const search = server.requests.find((r) => r.path.endsWith('searchPosts'));
    expect(Object.fromEntries(search?.query ?? [])).toEqual({ q: 'acme lang:en', sort: 'latest', limit: '100' });
    expect(search?.headers.authorization).toBe(`Bearer ${ACCESS_1}`);
  });

  it('orders search results by the earlier of createdAt and indexedAt, so a future-dated post cannot hide newer ones', async () => {
    const poller = createBlueskyPoller();
    server.routes({
      [SESSION]: session(),
      [SEARCH]: {
        status: 200,
        body: {
          posts: [
            postView(
              'did:plc:bo',
              'bo.example',
              'future',
              record('from 2030', Date.parse('2030-01-01T00:00:00Z')),
              T - 1000,
            ),
          ],
        },
      },
    });
    const first = await poll(poller, target({ mode: 'search', query: 'acme' }));
    expect(JSON.parse(first[0]?.state.cursor ?? '{}')).toEqual({ source: 'search:acme', floor: at(T - 1000) });
    server.routes({
      [SESSION]: session(),
      [SEARCH]: {
        status: 200,
        body: {
          posts: [
            postView('did:plc:bo', 'bo.example', 'new', record('fresh', T + 60_000), T + 61_000),
            postView(
              'did:plc:bo',
              'bo.example',
              'future',
              record('from 2030', Date.parse('2030-01-01T00:00:00Z')),
              T - 1000,
            ),
          ],
        },
      },
    });
    expect(
      ids(await poll(poller, target({ mode: 'search', query: 'acme' }), first[0]?.state, new Date(T + 300_000))),
    ).toEqual([postUri('did:plc:bo', 'new')]);
  });
});

describe('Bluesky rate limits and failures', () => {
  it('backs off as told by 429 (Retry-After, else RateLimit-Reset as a Unix time), also on login', async () => {
    server.routes({
      [SESSION]: session(),
      [NOTIFICATIONS]: { status: 429, headers: { 'retry-after': '90' }, body: { error: 'RateLimitExceeded' } },
    });
    await expect(poll(createBlueskyPoller())).rejects.toEqual(
      new RateLimitedError(90_000, 'bluesky app.bsky.notification.listNotifications answered 429 (RateLimitExceeded)'),
    );
    server.routes({
      [SESSION]: session(),
      [NOTIFICATIONS]: {
        status: 429,
        headers: { 'ratelimit-remaining': '0', 'ratelimit-reset': String(T / 1000 + 240) },
        body: { error: 'RateLimitExceeded' },
      },
    });
    await expect(poll(createBlueskyPoller())).rejects.toMatchObject({ retryAfterMs: 240_000 });
    server.routes({
      [SESSION]: {
        status: 429,
        headers: { 'ratelimit-limit': '30', 'ratelimit-remaining': '0', 'ratelimit-reset': String(T / 1000 + 3600) },
        body: { error: 'RateLimitExceeded' },
      },
    });
    await expect(poll(createBlueskyPoller())).rejects.toMatchObject({
      name: 'RateLimitedError',
      retryAfterMs: 3_600_000,
      message: 'bluesky createSession answered 429',
    });
  });

  it('delivers the page on which RateLimit-Remaining reaches 0, then stops until RateLimit-Reset', async () => {
    server.routes({
      [SESSION]: session(),
      [NOTIFICATIONS]: notifications([notification('a', 'mention', T - 1000)], 'more', {
        'ratelimit-limit': '3000',
        'ratelimit-remaining': '0',
        'ratelimit-reset': String(T / 1000 + 200),
      }),
    });
    const store = new MemoryPollState();
    const enqueued: IntakeDelivery[] = [];
    const poller = createBlueskyPoller();
    const [outcome] = await runPollers([target()], {
      pollerFor: () => poller,
      state: store,
      enqueue: async (d) => void enqueued.push(d),
      fetch,
      now: () => now,
      secretFor: async () => secret,
    });
    expect(outcome).toMatchObject({ status: 'rate-limited', emitted: 1 });
    expect(store.states.get('bluesky:acme-bsky')).toMatchObject({
      nextPollAfter: '2026-11-25T12:03:20.000Z',
      consecutiveFailures: 0,
      seen: [`${postUri('did:plc:ana', 'a')}@${T - 1000}`],
    });
  });

  it('skips a malformed notification (counted, never quoted) and emits the others', async () => {
    {
      const good = notification('m1', 'mention', T - 1000);
      server.routes({
        [SESSION]: session(),
        [NOTIFICATIONS]: notifications([
          { uri: 'at://x/y/z', author: { did: 'did:plc:a', handle: 'a' }, reason: 'mention', indexedAt: 'hush' },
          good,
        ]),
      });
      const pages = await poll(createBlueskyPoller());
      const { warnings } = logged;
      expect(ids(pages)).toEqual([good.uri]);
      expect(warnings).toEqual([
        'bluesky app.bsky.notification.listNotifications: skipped 1 malformed item (first at 0.indexedAt: custom)',
      ]);
      expect(warnings.join()).not.toMatch(/hush/);
    }
  });

  it('fails on server errors, redirects and malformed bodies without quoting them or emitting anything', async () => {
    const cases: [ScriptedAnswer, RegExp][] = [
      [{ status: 500, body: 'secret internals' }, /^bluesky app\.bsky\.notification\.listNotifications answered 500$/],
      [{ status: 301, headers: { location: 'https://elsewhere.example/' } }, /redirect \(301\)/],
      [{ status: 200, body: 'not json, hush' }, /answered 200 with a body that is not JSON$/],
      [{ status: 200, body: { feed: ['hush'] } }, /unexpected body \(at notifications: expected array\)/],
    ];
    for (const [answer, message] of cases) {
      server.routes({ [SESSION]: session(), [NOTIFICATIONS]: answer });
      const result = poll(createBlueskyPoller());
      await expect(result).rejects.toThrow(message);
      await expect(result).rejects.not.toThrow(/hush|internals/);
    }
    server.routes({ [SESSION]: { status: 200, body: { accessJwt: 'hush' } } });
    await expect(poll(createBlueskyPoller())).rejects.toThrow(
      /^bluesky createSession answered an unexpected body \(at refreshJwt: expected string\)$/,
    );
  });
});

describe('Bluesky target settings', () => {
  const base = { platform: 'bluesky', id: 'acme' };
  it('applies defaults and is part of the polling config', () => {
    expect(BlueskyTargetSchema.parse(base)).toEqual({
      ...base,
      mode: 'notifications',
      ownAccounts: [],
      serviceUrl: 'https://bsky.social',
      every: 'PT5M',
    });
    expect(
      PollTargetSchema.parse({ ...base, mode: 'search', query: 'acme', serviceUrl: 'http://127.0.0.1:9/' }),
    ).toMatchObject({ platform: 'bluesky', serviceUrl: 'http://127.0.0.1:9' });
    expect(pollers.get('bluesky')?.secretKeys).toEqual(['identifier', 'appPassword']);
  });

  it('explains what is wrong', () => {
    const messages = (input: Record<string, unknown>) =>
      BlueskyTargetSchema.safeParse({ ...base, ...input }).error?.issues.map(
        (i) => `${i.path.join('.')}: ${i.message}`,
      );
    expect(messages({ mode: 'search' })).toEqual(['query: mode "search" needs a query']);
    expect(messages({ query: 'acme' })).toEqual(['query: query is for mode "search"; notifications need none']);
    expect(messages({ mode: 'search', query: 'acme', reasons: ['like'] })).toEqual([
      'reasons: reasons are for mode "notifications"',
    ]);
    expect(messages({ mode: 'timeline' })).toEqual(['mode: must be "notifications" or "search"']);
    expect(messages({ reasons: ['follow'] })?.[0]).toMatch(
      /^reasons.0: must be one of mention, reply, quote, repost, like, other/,
    );
    expect(messages({ ownAccounts: ['@acme'] })?.[0]).toMatch(/^ownAccounts.0: must be a handle/);
    expect(messages({ every: 'P1M' })?.[0]).toMatch(/^every: must be an ISO 8601 duration/);
  });
});
