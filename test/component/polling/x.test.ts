import { PollTargetSchema, XSearchTargetSchema } from '#core/config/poll-targets.schema.js';
import { EngagementDraftSchema } from '#core/engagement/engagement.schema.js';
import { RateLimitedError, type PollTarget } from '#core/polling/poller.js';
import { xSearchPoller } from '#core/polling/x.js';
import { scriptedHttpServerForTests } from '#test-support/scripted-http-server.js';
import { expectBodiesRefused, pollOnce, pollRunner } from '#test-support/poll-harness.js';

const now = new Date('2026-11-25T12:00:00.000Z');
const nowSeconds = now.getTime() / 1000;
const secret = { bearerToken: 'local-x-bearer-token' };
const server = scriptedHttpServerForTests();
let target: PollTarget;
beforeAll(() => {
  target = {
    platform: 'x',
    id: 'brand-search',
    query: 'acme -is:retweet',
    accountId: '900000000000000001',
    apiBaseUrl: server.url,
    every: 'PT5M',
  };
});

// Post ids beyond 2^53 (as numbers, neighbours would be the same value), minted an hour before
// `now`: a snowflake carries its time, and a since_id older than 7 days is not sent.
const snowflake = (ms: number, seq: bigint) => String(((BigInt(ms) - 1288834974657n) << 22n) + seq);
const HOUR_AGO = now.getTime() - 3_600_000;
const P0 = snowflake(HOUR_AGO, 100n);
const P1 = snowflake(HOUR_AGO, 101n);
const P2 = snowflake(HOUR_AGO, 102n);
const P3 = snowflake(HOUR_AGO, 103n);
const P4 = snowflake(HOUR_AGO, 104n);
const P5 = snowflake(HOUR_AGO, 105n);

const tweet = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  text: `post ${id.slice(-3)} about @acme`,
  author_id: '42',
  created_at: '2026-11-25T11:00:00.000Z',
  conversation_id: id,
  edit_history_tweet_ids: [id],
  ...extra,
});
const users = [
  {
    id: '42',
    username: 'jdoe',
    name: 'J Doe',
    verified: false,
    public_metrics: { followers_count: 310, following_count: 1 },
  },
];
/** The body as X sends it: the ids are JSON strings, written out here without going through numbers. */
const search = (
  tweets: Record<string, unknown>[],
  meta: Record<string, unknown>,
  headers: Record<string, string> = {},
) => ({
  status: 200,
  headers: {
    'content-type': 'application/json',
    'x-rate-limit-limit': '450',
    'x-rate-limit-remaining': '449',
    'x-rate-limit-reset': String(nowSeconds + 900),
    ...headers,
  },
  body: JSON.stringify({
    ...(tweets.length && { data: tweets, includes: { users } }),
    meta: { result_count: tweets.length, ...meta },
  }),
});
const poll = (state = {}, t: PollTarget = target) => pollOnce(xSearchPoller, t, state, secret, now);

describe('X recent search poller over HTTP', () => {
  it('first poll: asks for the newest page with the bearer token, keeps ids as strings and emits each post once', async () => {
    server.answer(
      search(
        [
          tweet(P2, { text: 'Café crème &amp; croissant 🥐 — @acme, where is my order? &lt;3' }),
          tweet(P1, {
            referenced_tweets: [{ type: 'replied_to', id: '1859999999999999999' }],
            in_reply_to_user_id: '900000000000000001',
            conversation_id: '1859999999999999990',
          }),
        ],
        { newest_id: P2, oldest_id: P1, next_token: 'b26v89c19zqg8o3fpzbkk' },
      ),
    );
    const result = await poll();
    expect(result.error).toBeUndefined();
    const req = server.requests[0]!;
    expect(req.path).toBe('/2/tweets/search/recent');
    expect(Object.fromEntries(req.query)).toEqual({
      query: 'acme -is:retweet',
      max_results: '100',
      'tweet.fields':
        'created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,lang,note_tweet,edit_history_tweet_ids',
      expansions: 'author_id',
      'user.fields': 'username,name,public_metrics,verified',
    });
    expect(req.headers.authorization).toBe('Bearer local-x-bearer-token');
    expect(server.requests).toHaveLength(1); // the first poll does not page back through seven days

    expect(result.events.map((e) => [e.draft.kind, e.draft.externalId])).toEqual([
      ['reply', P1],
      ['mention', P2],
    ]);
    expect(result.events[1]).toEqual({
      change: 'created',
      draft: {
        platform: 'x',
        kind: 'mention',
        externalId: P2,
        url: `https://x.com/jdoe/status/${P2}`,
        text: 'Café crème & croissant 🥐 — @acme, where is my order? <3',
        createdAt: '2026-11-25T11:00:00.000Z',
        author: { id: '42', handle: 'jdoe', name: 'J Doe', followers: 310, verified: false },
        account: { id: '900000000000000001' },
        thread: { conversationId: P2 },
      },
    });
    expect(result.events[0]?.draft.thread).toEqual({
      parentId: '1859999999999999999',
      conversationId: '1859999999999999990',
    });
    for (const e of result.events) expect(EngagementDraftSchema.parse(e.draft)).toEqual(e.draft);
    expect(JSON.parse(result.state.cursor ?? '')).toEqual({ sinceId: P2 });
  });

  it('second poll: sends since_id and emits only the newer posts', async () => {
    server.answer(search([tweet(P3)], { newest_id: P3, oldest_id: P3 }));
    const result = await poll({ cursor: JSON.stringify({ sinceId: P2 }) });
    expect(server.requests[0]!.query.get('since_id')).toBe(P2);
    expect(result.events.map((e) => e.draft.externalId)).toEqual([P3]);
    expect(JSON.parse(result.state.cursor ?? '')).toEqual({ sinceId: P3 });
  });

  it('keeps since_id when nothing is new, and always yields a page', async () => {
    server.answer(search([], {}));
    const result = await poll({ cursor: JSON.stringify({ sinceId: P2 }) });
    expect(result.pages).toEqual([{ events: [], state: { cursor: JSON.stringify({ sinceId: P2 }) } }]);
  });

  it('pages with next_token and resumes after the last delivered page when a later page fails (runner with a state store)', async () => {
    const runner = pollRunner(xSearchPoller, secret);
    await runner.store.put('x', 'brand-search', { cursor: JSON.stringify({ sinceId: P1 }) });
    server.answer(search([tweet(P5), tweet(P4)], { newest_id: P5, oldest_id: P4, next_token: 'page-2' }), {
      status: 500,
    });
    expect(await runner.run(target, now)).toMatchObject({ status: 'failed', emitted: 2, error: 'x answered 500' });
    expect(JSON.parse(runner.state(target)?.cursor ?? '')).toEqual({
      sinceId: P1,
      pending: { newestId: P5, nextToken: 'page-2', pages: 1 },
    });

    server.requests.splice(0);
    server.answer(search([tweet(P3), tweet(P2)], { newest_id: P3, oldest_id: P2 }));
    expect(await runner.run(target, new Date(now.getTime() + 10 * 60_000))).toMatchObject({
      status: 'polled',
      emitted: 2,
    });
    const resumed = server.requests[0]!.query;
    expect([resumed.get('since_id'), resumed.get('next_token')]).toEqual([P1, 'page-2']);
    expect(runner.externalIds()).toEqual([P4, P5, P2, P3]);
    // the pass is complete: the newest id of its first page becomes since_id
    expect(JSON.parse(runner.state(target)?.cursor ?? '')).toEqual({ sinceId: P5 });
  });

  it('backs off on 429 until x-rate-limit-reset, else Retry-After, and on 503', async () => {
    server.answer({
      status: 429,
      headers: { 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(nowSeconds + 420) },
    });
    expect((await poll()).error).toEqual(new RateLimitedError(420_000, 'x answered 429'));
    server.answer({ status: 429, headers: { 'retry-after': '60' } });
    expect((await poll()).error).toMatchObject({ name: 'RateLimitedError', retryAfterMs: 60_000 });
    server.answer({ status: 503, headers: { 'retry-after': '30' } });
    expect((await poll()).error).toMatchObject({ name: 'RateLimitedError', retryAfterMs: 60_000 }); // clamped to at least a minute
    server.answer({ status: 503 });
    expect((await poll()).error).toEqual(new Error('x answered 503')); // without Retry-After, a failure
    server.answer({ status: 429, headers: { 'x-rate-limit-reset': String(nowSeconds + 10 * 86_400) } });
    expect((await poll()).error).toMatchObject({ retryAfterMs: 86_400_000 }); // at most a day
  });

  it('delivers the page, then stops until the reset when x-rate-limit-remaining reaches 0, keeping the pass to resume', async () => {
    server.answer(
      search(
        [tweet(P5)],
        { newest_id: P5, next_token: 'page-2' },
        { 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(nowSeconds + 600) },
      ),
    );
    const result = await poll({ cursor: JSON.stringify({ sinceId: P1 }) });
    expect(result.events.map((e) => e.draft.externalId)).toEqual([P5]);
    expect(result.error).toBeInstanceOf(RateLimitedError);
    expect(result.error).toMatchObject({ retryAfterMs: 600_000 });
    expect(JSON.parse(result.state.cursor ?? '')).toEqual({
      sinceId: P1,
      pending: { newestId: P5, nextToken: 'page-2', pages: 1 },
    });
    expect(server.requests).toHaveLength(1);
  });

  it('fails on server, request and auth errors without quoting the body', async () => {
    server.answer({ status: 502, body: 'BODY-MARKER' });
    expect((await poll()).error?.message).toBe('x answered 502');
    server.answer({ status: 400, body: '{"errors":[{"message":"BODY-MARKER"}]}' });
    expect((await poll()).error?.message).toBe("x answered 400: the request was refused, check the target's query");
    server.answer({ status: 401, body: 'local-x-bearer-token BODY-MARKER' });
    const { error } = await poll();
    expect(error?.message).toMatch(/^x answered 401: the bearerToken is invalid/);
    expect(error?.message).not.toMatch(/BODY-MARKER|local-x-bearer-token/);
  });

  it('refuses malformed bodies, including ids sent as numbers (which would lose digits)', async () => {
    const cases: [string, RegExp][] = [
      ['BODY-MARKER not json', /not JSON/],
      [JSON.stringify({ data: [] }), /unexpected body \(at meta: expected object\)/],
    ];
    await expectBodiesRefused(server, () => poll(), 'BODY-MARKER', cases);
  });

  it('skips malformed posts (counted, never quoted), including ids sent as numbers, and still moves since_id', async () => {
    server.answer({
      status: 200,
      body: `{"data":[{"id":${P5},"text":"BODY-MARKER","author_id":"42"},${JSON.stringify(tweet(P4))},{"id":"${P3}","text":"BODY-MARKER"}],"includes":{"users":${JSON.stringify(users)}},"meta":{"result_count":3,"newest_id":"${P5}"}}`,
    });
    const result = await poll({ cursor: JSON.stringify({ sinceId: P1 }) });
    const { warnings } = result;
    expect(result.error).toBeUndefined();
    expect(result.events.map((e) => e.draft.externalId)).toEqual([P4]);
    expect(JSON.parse(result.state.cursor ?? '')).toEqual({ sinceId: P5 });
    expect(warnings).toEqual(['x posts: skipped 2 malformed items (first at 0.id: invalid_type)']);
    expect(warnings.join()).not.toContain('BODY-MARKER');
  });

  it('ends a pass whose next_token repeats, or whose page brings nothing new, instead of re-emitting it', async () => {
    server.answer(search([tweet(P3), tweet(P2)], { newest_id: P3, next_token: 'same' }));
    const result = await poll({ cursor: JSON.stringify({ sinceId: P1 }) });
    // page 1 hands out "same"; page 2 (next_token=same) hands it out again: the pass ends there, each post emitted once
    expect(server.requests).toHaveLength(2);
    expect(result.events.map((e) => e.draft.externalId)).toEqual([P2, P3]);
    expect(JSON.parse(result.state.cursor ?? '')).toEqual({ sinceId: P3 });

    server.requests.splice(0);
    server.answer(search([tweet(P1), tweet(P0)], { newest_id: P1, next_token: 'more' }));
    const stale = await poll({ cursor: JSON.stringify({ sinceId: P1 }) });
    // posts at or below since_id are not emitted again, and a page of only those ends the pass
    expect(server.requests).toHaveLength(1);
    expect(stale.events).toEqual([]);
    expect(JSON.parse(stale.state.cursor ?? '')).toEqual({ sinceId: P1 });
  });

  it('restarts as a first poll when since_id is older than recent search reaches, or X says so with 400', async () => {
    const old = snowflake(now.getTime() - 7 * 86_400_000, 1n);
    server.answer(search([tweet(P2)], { newest_id: P2, next_token: 'older' }));
    const result = await poll({ cursor: JSON.stringify({ sinceId: old, pending: { newestId: old, nextToken: 'x' } }) });
    expect(server.requests[0]!.query.get('since_id')).toBeNull();
    expect(server.requests[0]!.query.get('next_token')).toBeNull();
    expect(server.requests).toHaveLength(1);
    expect(JSON.parse(result.state.cursor ?? '')).toEqual({ sinceId: P2 });

    server.requests.splice(0);
    server.answer(
      {
        status: 400,
        body: JSON.stringify({
          errors: [{ parameters: { since_id: [P1] }, message: "Invalid 'since_id': BODY-MARKER" }],
        }),
      },
      search([tweet(P3)], { newest_id: P3 }),
    );
    const refused = await poll({ cursor: JSON.stringify({ sinceId: P1 }) });
    expect(refused.error).toBeUndefined();
    expect([server.requests[0]!.query.get('since_id'), server.requests[1]!.query.get('since_id')]).toEqual([P1, null]);
    expect(JSON.parse(refused.state.cursor ?? '')).toEqual({ sinceId: P3 });
  });

  it('reads a bare since-id cursor (digits) from an older version', async () => {
    server.answer(search([tweet(P3)], { newest_id: P3 }));
    const result = await poll({ cursor: P2 });
    expect(result.error).toBeUndefined();
    expect(server.requests[0]!.query.get('since_id')).toBe(P2);
    expect(JSON.parse(result.state.cursor ?? '')).toEqual({ sinceId: P3 });
  });

  it("maps reposts, quotes, long posts and edits; drops the company's own posts", async () => {
    server.answer(
      search(
        [
          tweet(P5, { author_id: '900000000000000001' }),
          tweet(P4, { author_id: '77' }),
          tweet(P3, { edit_history_tweet_ids: [P1, P3], text: 'edited text' }),
          tweet(P2, {
            referenced_tweets: [{ type: 'quoted', id: P1 }],
            note_tweet: { text: `a long post ${'é'.repeat(300)}` },
          }),
          tweet(P1, { referenced_tweets: [{ type: 'retweeted', id: '1850000000000000000' }], text: 'RT @acme: hello' }),
        ],
        { newest_id: P5 },
      ),
    );
    const { events } = await poll({ cursor: JSON.stringify({ sinceId: P0 }) }, { ...target, ownUserIds: ['77'] });
    expect(events.map((e) => [e.change, e.draft.kind, e.draft.externalId, e.draft.thread?.parentId])).toEqual([
      ['created', 'share', P1, '1850000000000000000'],
      ['created', 'share', P2, P1],
      ['edited', 'mention', P1, undefined],
    ]);
    expect(events[1]?.draft.text).toHaveLength('a long post '.length + 300);
    expect(events[2]?.draft).toMatchObject({ text: 'edited text', url: `https://x.com/jdoe/status/${P3}` });
  });

  it('validates its settings with clear messages and sensible defaults', () => {
    expect(PollTargetSchema.parse({ platform: 'x', id: 'brand', query: 'acme' })).toEqual({
      platform: 'x',
      id: 'brand',
      query: 'acme',
      ownUserIds: [],
      maxResults: 100,
      apiBaseUrl: 'https://api.x.com',
      every: 'PT5M',
    });
    const bad = XSearchTargetSchema.safeParse({
      platform: 'x',
      id: 'brand',
      query: 'q'.repeat(513),
      accountId: 900000000000000001,
      maxResults: 500,
      apiBaseUrl: 'ftp://x',
    });
    const messages = bad.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
    expect(messages).toMatch(/query: X recent search queries are at most 512 characters/);
    expect(messages).toMatch(/accountId: must be an X id as a quoted string .*would lose digits/);
    expect(messages).toMatch(/maxResults: must be 10\.\.100/);
    expect(messages).toMatch(/apiBaseUrl: must be an http\(s\) URL/);
  });

  it('needs the bearerToken secret', async () => {
    expect(
      (await pollOnce(xSearchPoller, target, {}, { consumerSecret: 'local-x-consumer-secret' }, now)).error?.message,
    ).toBe('the x secret has no "bearerToken"; add it to the x secret');
    expect(server.requests).toHaveLength(0);
  });

  it("starts afresh as a first poll, with a warning, from a stored cursor that no longer reads (the toolkit's cursor policy)", async () => {
    server.answer(search([tweet(P2), tweet(P1)], { newest_id: P2, next_token: 'older' }));
    const result = await poll({ cursor: '{not json' });
    expect(result.error).toBeUndefined();
    expect(server.requests).toHaveLength(1); // a first poll: the newest page only
    expect(server.requests[0]?.query.get('since_id')).toBeNull();
    expect(result.events.map((e) => e.draft.externalId)).toEqual([P1, P2]);
    expect(JSON.parse(result.state.cursor ?? '')).toEqual({ sinceId: P2 });
    expect(result.warnings).toEqual(['x: the stored cursor is unreadable; polling starts again as a first poll']);
  });
});
