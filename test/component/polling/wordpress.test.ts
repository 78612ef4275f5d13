import { PollTargetSchema, WordpressTargetSchema } from '#core/config/poll-targets.schema.js';
import type { IntakeDelivery } from '#core/intake/delivery.js';
import { runPollers } from '#core/lifecycle/run-pollers.js';
import { RateLimitedError, type PollPage, type PollState, type PollTarget } from '#core/polling/poller.js';
import { htmlToText, wordpressPoller } from '#core/polling/wordpress.js';
import { MemoryPollState } from '#test-support/memory-poll-state.js';
import { recordedLogForTests } from '#test-support/poll-harness.js';
import { scriptedHttpServerForTests } from '#test-support/scripted-http-server.js';

const now = new Date('2026-11-25T12:00:00.000Z');
const PATH = '/wp-json/wp/v2/comments';
const server = scriptedHttpServerForTests();
const logged = recordedLogForTests();
beforeEach(() => {
  server.reset();
});

const target = (settings: Record<string, unknown> = {}): PollTarget => ({
  platform: 'wordpress',
  id: 'blog',
  every: 'PT10M',
  site: server.url,
  ...settings,
});
const site = () => new URL(server.url).host;

/** A comment as wp/v2/comments returns it (view context). */
function comment(id: number, overrides: Record<string, unknown> = {}) {
  return {
    id,
    post: 7,
    parent: 0,
    author: 0,
    author_name: 'Ana',
    author_url: '',
    date: '2026-11-25T11:00:00',
    date_gmt: `2026-11-25T10:${String(id % 60).padStart(2, '0')}:00`,
    content: { rendered: `<p>Comment ${id}</p>\n` },
    link: `https://blog.example.com/launch/#comment-${id}`,
    status: 'approved',
    type: 'comment',
    author_avatar_urls: { '24': 'https://secure.gravatar.com/avatar/0123456789abcdef0123456789abcdef?s=24&d=mm&r=g' },
    ...overrides,
  };
}

async function poll(
  state: PollState = {},
  settings: Record<string, unknown> = {},
  secret?: Record<string, string>,
): Promise<PollPage[]> {
  const pages: PollPage[] = [];
  for await (const page of wordpressPoller.poll(target(settings), state, {
    fetch,
    now,
    log: logged.log,
    ...(secret && { secret }),
  }))
    pages.push(page);
  return pages;
}

describe('WordPress comments poller over HTTP', () => {
  it('emits new public comments as drafts, oldest first, from the REST API with the documented parameters', async () => {
    server.route(PATH, {
      status: 200,
      headers: { 'x-wp-total': '3', 'x-wp-totalpages': '1' },
      body: [
        comment(1, {
          content: {
            rendered:
              '<p>Caf&eacute; &#8211; tr&egrave;s bien&nbsp;! Ça marche 👍 &amp; 日本語</p>\n<p>Second&#8217;s line<br />\nthird</p>\n',
          },
          author_name: 'Zoë &amp; co',
        }),
        comment(2, { parent: 1, author: 3, author_name: 'Site Admin' }),
        comment(3, { parent: 1, author: 12, author_name: 'Bo', author_avatar_urls: undefined }),
      ],
    });
    const [page, ...rest] = await poll({}, { staffUserIds: [3] });
    expect(rest).toEqual([]);

    const request = server.requests[0]!;
    expect(request.method).toBe('GET');
    expect(request.url.pathname).toBe(PATH);
    expect(Object.fromEntries(request.url.searchParams)).toEqual({
      after: '2026-11-18T12:00:00Z',
      orderby: 'date',
      order: 'asc',
      per_page: '100',
      page: '1',
    });
    expect(request.headers.authorization).toBeUndefined();

    expect(page?.events).toEqual([
      {
        change: 'created',
        draft: {
          platform: 'wordpress',
          kind: 'comment',
          externalId: `${site()}:1`,
          url: 'https://blog.example.com/launch/#comment-1',
          text: 'Café – très bien ! Ça marche 👍 & 日本語\n\nSecond’s line\nthird',
          createdAt: '2026-11-25T10:01:00.000Z',
          author: { id: 'gravatar:0123456789abcdef0123456789abcdef', handle: '', name: 'Zoë & co' },
          account: { id: site() },
          thread: { conversationId: `${site()}:post:7` },
        },
      },
      // comment 2 is by staff user 3 and is dropped
      {
        change: 'created',
        draft: expect.objectContaining({
          kind: 'reply',
          externalId: `${site()}:3`,
          author: { id: '12', handle: '', name: 'Bo' },
          thread: { parentId: `${site()}:1`, conversationId: `${site()}:post:7` },
        }),
      },
    ]);
    expect(JSON.parse(page!.state.cursor!)).toEqual({
      newest: '2026-11-25T10:03:00.000Z',
      floor: '2026-11-18T12:00:00Z',
    });
    expect(page?.state.seen).toHaveLength(3);
  });

  it('on the next poll looks back from the newest comment and emits only new comments and edits', async () => {
    server.route(PATH, { status: 200, headers: { 'x-wp-totalpages': '1' }, body: [comment(1), comment(2)] });
    const [first] = await poll();
    server.route(PATH, {
      status: 200,
      headers: { 'x-wp-totalpages': '1' },
      body: [comment(1, { content: { rendered: '<p>Comment 1 (edited)</p>' } }), comment(2), comment(4)],
    });
    const [second] = await poll(first?.state);
    expect(server.requests[1]?.url.searchParams.get('after')).toBe('2026-11-24T10:02:00Z'); // newest − P1D lookback
    expect(second?.events.map((e) => [e.change, e.draft.externalId, e.draft.text])).toEqual([
      ['edited', `${site()}:1`, 'Comment 1 (edited)'],
      ['created', `${site()}:4`, 'Comment 4'],
    ]);
    // a third poll with nothing new emits nothing
    const [third] = await poll(second?.state);
    expect(third?.events).toEqual([]);
  });

  it('never looks back further than the previous poll, and forgets comments outside the window', async () => {
    server.route(PATH, {
      status: 200,
      headers: { 'x-wp-totalpages': '1' },
      body: [comment(1, { date_gmt: '2026-11-18T13:00:00' })],
    });
    const [first] = await poll();
    await poll(first?.state);
    // newest − P1D would be before the first poll's `after` (now − P7D backfill)
    expect(server.requests[1]?.url.searchParams.get('after')).toBe('2026-11-18T12:00:00Z');
    server.route(PATH, {
      status: 200,
      headers: { 'x-wp-totalpages': '1' },
      body: [comment(5, { date_gmt: '2026-11-25T11:00:00' })],
    });
    const [later] = await poll(first?.state);
    // comment 1 is now before the next window (newest − P1D) and is forgotten
    expect(later?.state.seen).toEqual([expect.stringMatching(/^5@[0-9a-f]{16}@2026-11-25T11:00:00.000Z$/)]);
    const [afterThat] = await poll(later?.state);
    expect(server.requests.at(-1)?.url.searchParams.get('after')).toBe('2026-11-24T11:00:00Z');
    expect(afterThat?.events).toEqual([]);
  });

  it('pages by X-WP-TotalPages and, after a failure on a later page, resumes at that page without repeating', async () => {
    const page1 = Array.from({ length: 100 }, (_, i) =>
      comment(i + 1, { date_gmt: `2026-11-24T0${Math.floor(i / 60)}:${String(i % 60).padStart(2, '0')}:00` }),
    );
    const page2 = Array.from({ length: 100 }, (_, i) =>
      comment(i + 101, { date_gmt: `2026-11-24T0${2 + Math.floor(i / 60)}:${String(i % 60).padStart(2, '0')}:00` }),
    );
    const page3 = [comment(201, { date_gmt: '2026-11-24T09:00:00' })];
    const ok = (body: unknown) => ({ status: 200, headers: { 'x-wp-totalpages': '3' }, body });
    server.route(PATH, ok(page1), ok(page2), { status: 502 }, ok(page3));

    const store = new MemoryPollState();
    const enqueued: IntakeDelivery[] = [];
    const deps = (at: Date) => ({
      pollerFor: () => wordpressPoller,
      state: store,
      enqueue: async (d: IntakeDelivery) => void enqueued.push(d),
      fetch,
      now: () => at,
      secretFor: async () => ({}),
    });
    const ids = () => enqueued.flatMap((d) => d.events?.map((e) => e.draft.externalId) ?? []);

    expect(await runPollers([target()], deps(now))).toEqual([
      { platform: 'wordpress', target: 'blog', status: 'failed', emitted: 200, error: 'WordPress answered 502' },
    ]);
    expect(ids()).toHaveLength(200);
    const stored = await store.get('wordpress', 'blog');
    expect(JSON.parse(stored.cursor!)).toEqual({
      newest: '2026-11-24T03:39:00.000Z',
      poll: { after: '2026-11-18T12:00:00Z', page: 3 },
    });

    const later = new Date(now.getTime() + 11 * 60_000);
    expect(await runPollers([target()], deps(later))).toEqual([
      { platform: 'wordpress', target: 'blog', status: 'polled', emitted: 1 },
    ]);
    expect(server.requests.map((r) => r.url.searchParams.get('page'))).toEqual(['1', '2', '3', '3']);
    expect(server.requests[3]?.url.searchParams.get('after')).toBe('2026-11-18T12:00:00Z');
    expect(new Set(ids()).size).toBe(201);
    expect(JSON.parse((await store.get('wordpress', 'blog')).cursor!)).toEqual({
      newest: '2026-11-24T09:00:00.000Z',
      floor: '2026-11-18T12:00:00Z',
    });
  });

  it('without X-WP-TotalPages goes on while pages are full', async () => {
    server.route(
      PATH,
      { status: 200, body: Array.from({ length: 100 }, (_, i) => comment(i + 1)) },
      { status: 200, body: [] },
    );
    const pages = await poll();
    expect(pages.map((p) => p.events.length)).toEqual([100, 0]);
    expect(server.requests).toHaveLength(2);
  });

  it('treats a 400 for a page past the end as the end of the poll', async () => {
    server.route(PATH, {
      status: 400,
      body: {
        code: 'rest_comment_invalid_page_number',
        message: 'The page number requested is larger than the number of pages available.',
        data: { status: 400 },
      },
    });
    const pages = await poll({
      cursor: JSON.stringify({ newest: '2026-11-25T10:00:00.000Z', poll: { after: '2026-11-24T10:00:00Z', page: 4 } }),
    });
    expect(pages).toEqual([
      {
        events: [],
        state: expect.objectContaining({
          cursor: JSON.stringify({ newest: '2026-11-25T10:00:00.000Z', floor: '2026-11-24T10:00:00Z' }),
        }),
      },
    ]);
  });

  it('backs off as told by 429 and 503 with Retry-After', async () => {
    server.route(PATH, { status: 429, headers: { 'retry-after': '120' } });
    await expect(poll()).rejects.toEqual(new RateLimitedError(120_000, 'WordPress answered 429'));
    server.route(PATH, { status: 503, headers: { 'retry-after': 'Wed, 25 Nov 2026 12:05:00 GMT' } });
    await expect(poll()).rejects.toMatchObject({ name: 'RateLimitedError', retryAfterMs: 300_000 });
  });

  it('delivers the page, then waits for the reset, when the rate-limit headers say none remain', async () => {
    const reset = String(Math.floor(now.getTime() / 1000) + 600);
    server.route(PATH, {
      status: 200,
      headers: { 'x-wp-totalpages': '2', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset },
      body: [comment(1)],
    });
    const pages: PollPage[] = [];
    const error = await (async () => {
      for await (const page of wordpressPoller.poll(target(), {}, { fetch, now })) pages.push(page);
    })().catch((e: unknown) => e);
    expect(error).toEqual(new RateLimitedError(600_000, 'WordPress rate limit used up (X-RateLimit-Remaining: 0)'));
    expect(pages.map((p) => p.events.length)).toEqual([1]);
    expect(JSON.parse(pages[0]!.state.cursor!)).toMatchObject({ poll: { page: 2 } });
    expect(server.requests).toHaveLength(1);

    // the IETF draft's headers, reset in seconds from now
    server.route(PATH, {
      status: 200,
      headers: { 'x-wp-totalpages': '1', 'ratelimit-remaining': '0', 'ratelimit-reset': '30' },
      body: [],
    });
    await expect(poll()).rejects.toMatchObject({ retryAfterMs: 60_000 }); // clamped to at least a minute
  });

  it('fails on server errors, and on 503 without Retry-After, without emitting anything', async () => {
    server.route(PATH, { status: 500, body: '<html>Error establishing a database connection</html>' });
    await expect(poll()).rejects.toThrow(new Error('WordPress answered 500'));
    server.route(PATH, { status: 503 });
    await expect(poll()).rejects.toThrow(new Error('WordPress answered 503'));
  });

  it('refuses malformed bodies with messages that never quote them', async () => {
    const secretText = 'ana@example.com private';
    server.route(PATH, { status: 200, body: `<html><body>${secretText}</body></html>` });
    const notJson = await poll().catch((e: Error) => e);
    expect((notJson as Error).message).toMatch(/^WordPress answered 200 with a body that is not JSON/);
    expect((notJson as Error).message).not.toContain(secretText);

    server.route(PATH, { status: 200, body: { code: 'x', message: secretText } });
    await expect(poll()).rejects.toThrow(
      /^WordPress answered an unexpected body \(at the top level: expected array\)$/,
    );
  });

  it('skips malformed comments (counted, never quoted) and still emits the others and moves on', async () => {
    const secretText = 'Jane Doe, 12 Secret Street';
    server.route(PATH, {
      status: 200,
      headers: { 'x-wp-totalpages': '1' },
      body: [comment(1, { date_gmt: secretText }), comment(2, { content: secretText }), comment(3)],
    });
    const pages = await poll();
    const { warnings } = logged;
    expect(pages.flatMap((p) => p.events.map((e) => e.draft.externalId))).toEqual([`${site()}:3`]);
    expect(JSON.parse(pages.at(-1)?.state.cursor ?? '')).toMatchObject({ newest: '2026-11-25T10:03:00.000Z' });
    expect(warnings).toEqual(['WordPress comments: skipped 2 malformed items (first at 0.date_gmt: invalid_format)']);
    expect(warnings.join()).not.toContain(secretText);
  });

  it('ends the poll on an empty page even when X-WP-TotalPages says there are more', async () => {
    server.route(PATH, { status: 200, headers: { 'x-wp-totalpages': '9' }, body: [] });
    const pages = await poll();
    expect(pages).toHaveLength(1);
    expect(server.requests).toHaveLength(1);
    expect(JSON.parse(pages[0]?.state.cursor ?? '')).not.toHaveProperty('poll');
  });

  it('sends the application password as HTTP Basic and fetches held comments when told to', async () => {
    server.route(PATH, { status: 200, headers: { 'x-wp-totalpages': '1' }, body: [comment(1, { status: 'hold' })] });
    const [page] = await poll(
      {},
      { includeHeld: true },
      { signingSecret: 's', username: 'switchboard', applicationPassword: 'abcd EFGH 1234 ijkl' },
    );
    expect(server.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('switchboard:abcd EFGH 1234 ijkl').toString('base64')}`,
    );
    expect(server.requests[0]?.url.searchParams.get('status')).toBe('all');
    expect(page?.events).toHaveLength(1);
  });

  it('says what is wrong with the credentials without repeating them', async () => {
    await expect(poll({}, {}, { username: 'switchboard', applicationPassword: '' })).rejects.toThrow(
      'the wordpress secret has username but no applicationPassword; set both, or neither for public comments',
    );
    await expect(poll({}, { includeHeld: true })).rejects.toThrow(
      /includeHeld, which needs username and applicationPassword/,
    );
    server.route(PATH, {
      status: 401,
      body: { code: 'incorrect_password', message: 'The provided password is an invalid application password.' },
    });
    const refused = (await poll({}, {}, { username: 'switchboard', applicationPassword: 'hunter2 hunter2' }).catch(
      (e: Error) => e,
    )) as Error;
    expect(refused.message).toBe(
      'WordPress refused the application password (401 (incorrect_password)): check username/applicationPassword in the wordpress secret',
    );
    expect(refused.message).not.toContain('hunter2');
    server.route(PATH, {
      status: 401,
      body: { code: 'rest_not_logged_in', message: 'You are not currently logged in.' },
    });
    await expect(poll()).rejects.toThrow(
      /refused anonymous access \(401 \(rest_not_logged_in\)\): the site restricts its REST API/,
    );
    expect(server.requests).toHaveLength(2);
  });

  it('keeps every digit of ids beyond 2^53', async () => {
    server.route(PATH, {
      status: 200,
      headers: { 'x-wp-totalpages': '1' },
      body: `[{"id":18446744073709551615,"post":9007199254740993,"parent":9007199254740995,"author":0,"author_name":"Ana","date_gmt":"2026-11-25T10:00:00","content":{"rendered":"<p>hi</p>"},"link":"https://blog.example.com/p/#comment-18446744073709551615","type":"comment"}]`,
    });
    const [page] = await poll();
    expect(page?.events[0]?.draft).toMatchObject({
      externalId: `${site()}:18446744073709551615`,
      thread: { parentId: `${site()}:9007199254740995`, conversationId: `${site()}:post:9007199254740993` },
      author: { id: 'anonymous' },
    });
  });

  it('builds the comments URL from apiBaseUrl, including the ?rest_route= form, and keys ids by the site', async () => {
    server.route('/', { status: 200, headers: { 'x-wp-totalpages': '1' }, body: [comment(1)] });
    const [page] = await poll({}, { site: 'https://example.com/blog/', apiBaseUrl: `${server.url}/?rest_route=/` });
    expect(server.requests[0]?.url.searchParams.get('rest_route')).toBe('/wp/v2/comments');
    expect(server.requests[0]?.url.searchParams.get('per_page')).toBe('100');
    expect(page?.events[0]?.draft).toMatchObject({
      externalId: 'example.com/blog:1',
      account: { id: 'example.com/blog' },
    });
  });

  it('validates target settings strictly, with defaults and clear messages', () => {
    expect(PollTargetSchema.parse({ platform: 'wordpress', id: 'blog', site: 'https://blog.example.com' })).toEqual({
      platform: 'wordpress',
      id: 'blog',
      site: 'https://blog.example.com',
      every: 'PT10M',
      staffUserIds: [],
      includeHeld: false,
      lookback: 'P1D',
      backfill: 'P7D',
    });
    expect(
      WordpressTargetSchema.parse({
        platform: 'wordpress',
        id: 'b',
        site: 'https://b.example',
        staffUserIds: [1, '22'],
      }).staffUserIds,
    ).toEqual(['1', '22']);
    const messages = (value: unknown) =>
      WordpressTargetSchema.safeParse(value).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages({ platform: 'wordpress', id: 'b', site: 'ftp://b.example' })).toEqual([
      'site: must be the site’s address, e.g. https://blog.example.com',
    ]);
    expect(
      messages({
        platform: 'wordpress',
        id: 'b',
        site: 'https://b.example',
        lookback: '1 day',
        staffUserIds: ['admin'],
      }),
    ).toEqual([
      'staffUserIds.0: must be a WordPress user id (a positive whole number)',
      'lookback: must be an ISO 8601 duration such as PT12H, P1D or P7D',
    ]);
    expect(
      messages({ platform: 'wordpress', id: 'b', site: 'https://b.example', url: 'https://b.example' })?.[0],
    ).toMatch(/Unrecognized key: "url"/);
  });

  it('turns rendered comment HTML into plain text', () => {
    expect(
      htmlToText('<p>a &lt;b&gt; &amp;amp; &#x1F600; &#0; &bogus; &constructor; &frac12;&sup2;</p>\n<p>x<br />\ny</p>'),
    ).toBe('a <b> &amp; 😀 \ufffd &bogus; &constructor; ½²\n\nx\ny');
  });
});
