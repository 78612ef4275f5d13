import { GoogleBusinessTargetSchema, PollTargetSchema } from '#core/config/poll-targets.schema.js';
import type { IntakeDelivery } from '#core/intake/delivery.js';
import { runPollers } from '#core/lifecycle/run-pollers.js';
import { googleBusinessPoller } from '#core/polling/google-business.js';
import { RateLimitedError, type PollPage, type PollState, type PollTarget } from '#core/polling/poller.js';
import { MemoryPollState } from '#test-support/memory-poll-state.js';
import { recordedLogForTests } from '#test-support/poll-harness.js';
import { scriptedHttpServerForTests, type ScriptedAnswer } from '#test-support/scripted-http-server.js';

const now = new Date('2026-11-25T12:00:00.000Z');
const LOCATION = 'accounts/123/locations/456';
const REVIEWS = `/v4/${LOCATION}/reviews`;
const SECRET = {
  pushToken: 'push',
  clientId: 'client-1.apps.googleusercontent.com',
  clientSecret: 'client-secret-xyz',
  refreshToken: '1//refresh-token-abc',
};
const server = scriptedHttpServerForTests();
const logged = recordedLogForTests();
beforeEach(() => {
  server.reset();
  server.route('/token', token('ya29.first'));
});

const token = (accessToken: string): ScriptedAnswer => ({
  status: 200,
  body: {
    access_token: accessToken,
    expires_in: 3599,
    scope: 'https://www.googleapis.com/auth/business.manage',
    token_type: 'Bearer',
  },
});
const target = (settings: Record<string, unknown> = {}): PollTarget => ({
  platform: 'google-business',
  id: 'hq',
  every: 'PT15M',
  account: '123',
  location: 'locations/456',
  apiBaseUrl: server.url,
  tokenUrl: `${server.url}/token`,
  ...settings,
});
const apiRequests = () => server.requests.filter((r) => r.url.pathname === REVIEWS);

/** A v4 Review as reviews.list returns it. */
function review(id: string, overrides: Record<string, unknown> = {}) {
  return {
    name: `${LOCATION}/reviews/${id}`,
    reviewId: id,
    reviewer: { displayName: 'Ana', profilePhotoUrl: 'https://lh3.googleusercontent.com/a/photo', isAnonymous: false },
    starRating: 'FOUR',
    comment: `Review ${id}`,
    createTime: '2026-11-25T10:00:00.123456789Z',
    updateTime: '2026-11-25T10:00:00.123456789Z',
    ...overrides,
  };
}
const list = (reviews: unknown[], nextPageToken?: string): ScriptedAnswer => ({
  status: 200,
  body: { reviews, averageRating: 4.2, totalReviewCount: 321, ...(nextPageToken && { nextPageToken }) },
});

async function poll(
  state: PollState = {},
  secret: Record<string, string> = SECRET,
  settings: Record<string, unknown> = {},
): Promise<PollPage[]> {
  const pages: PollPage[] = [];
  for await (const page of googleBusinessPoller.poll(target(settings), state, { fetch, now, secret, log: logged.log }))
    pages.push(page);
  return pages;
}

describe('Google Business Profile reviews poller over HTTP', () => {
  it('exchanges the refresh token, lists reviews newest first and emits them as review drafts', async () => {
    server.route(
      REVIEWS,
      list(
        [
          review('r3', {
            starRating: 'ONE',
            comment: 'Très déçu 😡 — 服务很差',
            reviewer: { displayName: 'Zoë Ł.' },
            createTime: '2026-11-25T11:30:00Z',
            updateTime: '2026-11-25T11:30:00Z',
          }),
          review('r2', {
            reviewer: { isAnonymous: true },
            comment: undefined,
            starRating: 'FIVE',
            createTime: '2026-11-24T09:00:00Z',
            updateTime: '2026-11-24T09:00:00Z',
          }),
          review('r1', {
            name: undefined,
            starRating: 'STAR_RATING_UNSPECIFIED',
            reviewer: undefined,
            createTime: '2026-11-20T09:00:00Z',
            updateTime: '2026-11-20T09:00:00Z',
          }),
          review('r0', { createTime: '2026-11-01T09:00:00Z', updateTime: '2026-11-01T09:00:00Z' }), // before the P7D backfill: paging stops
        ],
        'next-page',
      ),
    );
    const pages = await poll();
    expect(pages).toHaveLength(1);

    const [tokenRequest, apiRequest] = server.requests;
    expect(tokenRequest?.method).toBe('POST');
    expect(tokenRequest?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(tokenRequest?.body))).toEqual({
      grant_type: 'refresh_token',
      client_id: SECRET.clientId,
      client_secret: SECRET.clientSecret,
      refresh_token: SECRET.refreshToken,
    });
    expect(apiRequest?.method).toBe('GET');
    expect(apiRequest?.url.pathname).toBe(REVIEWS);
    expect(Object.fromEntries(apiRequest!.url.searchParams)).toEqual({ pageSize: '50', orderBy: 'updateTime desc' });
    expect(apiRequest?.headers.authorization).toBe('Bearer ya29.first');
    expect(server.requests).toHaveLength(2);

    expect(pages[0]?.events).toEqual([
      {
        change: 'created',
        draft: {
          platform: 'google-business',
          kind: 'review',
          externalId: `${LOCATION}/reviews/r3`,
          text: 'Très déçu 😡 — 服务很差',
          createdAt: '2026-11-25T11:30:00.000Z',
          author: { id: 'Zoë Ł.', handle: '', name: 'Zoë Ł.' },
          account: { id: LOCATION },
          rating: 1,
        },
      },
      {
        change: 'created',
        draft: {
          platform: 'google-business',
          kind: 'review',
          externalId: `${LOCATION}/reviews/r2`,
          text: '',
          createdAt: '2026-11-24T09:00:00.000Z',
          author: { id: 'anonymous', handle: '', name: '' },
          account: { id: LOCATION },
          rating: 5,
        },
      },
      {
        change: 'created',
        draft: {
          platform: 'google-business',
          kind: 'review',
          externalId: `${LOCATION}/reviews/r1`,
          text: 'Review r1',
          createdAt: '2026-11-20T09:00:00.000Z',
          author: { id: 'unknown', handle: '', name: '' },
          account: { id: LOCATION },
        },
      },
    ]);
    expect(JSON.parse(pages[0]!.state.cursor!)).toEqual({ watermark: '2026-11-25T11:30:00.000Z' });
    expect(pages[0]?.state.seen).toHaveLength(3);
  });

  it('on the next poll emits new reviews and edits, not owner replies, and stops at the watermark', async () => {
    server.route(
      REVIEWS,
      list([
        review('r2', { updateTime: '2026-11-25T10:30:00Z' }),
        review('r1', { createTime: '2026-11-25T09:00:00Z', updateTime: '2026-11-25T09:00:00Z' }),
      ]),
    );
    const [first] = await poll();
    server.route(
      REVIEWS,
      list(
        [
          review('r3', { createTime: '2026-11-25T11:50:00Z', updateTime: '2026-11-25T11:50:00Z', comment: 'New one' }),
          review('r1', {
            createTime: '2026-11-25T09:00:00Z',
            updateTime: '2026-11-25T11:40:00Z',
            starRating: 'TWO',
            comment: 'Changed my mind',
          }),
          review('r2', {
            updateTime: '2026-11-25T11:35:00Z',
            reviewReply: { comment: 'Thanks, Ana!', updateTime: '2026-11-25T11:35:00Z' },
          }), // the owner replied
          review('r9', {
            createTime: '2026-10-01T09:00:00Z',
            updateTime: '2026-11-25T11:31:00Z',
            comment: 'Old review, edited',
          }), // created before the watermark, never seen
          review('r2', { updateTime: '2026-11-25T10:30:00Z' }), // at the watermark: not looked at again
        ],
        'older',
      ),
    );
    const [second, ...more] = await poll(first?.state);
    expect(more).toEqual([]);
    expect(
      second?.events.map((e) => [e.change, e.draft.externalId.split('/').pop(), e.draft.text, e.draft.rating]),
    ).toEqual([
      ['created', 'r3', 'New one', 4],
      ['edited', 'r1', 'Changed my mind', 2],
      ['edited', 'r9', 'Old review, edited', 4],
    ]);
    expect(JSON.parse(second!.state.cursor!)).toEqual({ watermark: '2026-11-25T11:50:00.000Z' });
    expect(apiRequests().map((r) => r.url.searchParams.get('pageToken'))).toEqual([null, null]);
  });

  it('pages with nextPageToken and, after a failure on a later page, resumes at that page without repeating', async () => {
    const at = (i: number) => new Date(Date.parse('2026-11-25T11:00:00Z') - i * 60_000).toISOString();
    const reviews = Array.from({ length: 101 }, (_, i) => review(`r${i}`, { createTime: at(i), updateTime: at(i) }));
    server.route(
      REVIEWS,
      list(reviews.slice(0, 50), 'p2'),
      list(reviews.slice(50, 100), 'p3'),
      { status: 500, body: { error: { code: 500, message: 'Internal error encountered.', status: 'INTERNAL' } } },
      list(reviews.slice(100)),
    );

    const store = new MemoryPollState();
    const enqueued: IntakeDelivery[] = [];
    const deps = (when: Date) => ({
      pollerFor: () => googleBusinessPoller,
      state: store,
      enqueue: async (d: IntakeDelivery) => void enqueued.push(d),
      fetch,
      now: () => when,
      secretFor: async () => SECRET,
    });
    const ids = () => enqueued.flatMap((d) => d.events?.map((e) => e.draft.externalId) ?? []);

    expect(await runPollers([target()], deps(now))).toEqual([
      {
        platform: 'google-business',
        target: 'hq',
        status: 'failed',
        emitted: 100,
        error: 'Google Business Profile answered 500 (INTERNAL)',
      },
    ]);
    expect(JSON.parse((await store.get('google-business', 'hq')).cursor!)).toEqual({
      pending: { pageToken: 'p3', newest: '2026-11-25T11:00:00.000Z', pages: 2 },
    });

    const later = new Date(now.getTime() + 16 * 60_000);
    expect(await runPollers([target()], deps(later))).toEqual([
      { platform: 'google-business', target: 'hq', status: 'polled', emitted: 1 },
    ]);
    expect(apiRequests().map((r) => r.url.searchParams.get('pageToken'))).toEqual([null, 'p2', 'p3', 'p3']);
    expect(ids()).toHaveLength(101);
    expect(new Set(ids()).size).toBe(101);
    expect(JSON.parse((await store.get('google-business', 'hq')).cursor!)).toEqual({
      watermark: '2026-11-25T11:00:00.000Z',
    });
  });

  it('starts again from the first page when Google no longer accepts the stored page token, emitting nothing twice', async () => {
    server.route(
      REVIEWS,
      list([review('r2', { updateTime: '2026-11-25T11:00:00Z' })], 'p2'),
      list([review('r1', { updateTime: '2026-11-25T10:00:00Z' })]),
    );
    const [first] = await poll();
    expect(JSON.parse(first!.state.cursor!)).toMatchObject({ pending: { pageToken: 'p2' } });
    server.reset();
    server.route('/token', token('ya29.second'));
    server.route(
      REVIEWS,
      {
        status: 400,
        body: { error: { code: 400, message: 'Request contains an invalid argument.', status: 'INVALID_ARGUMENT' } },
      },
      list([review('r2', { updateTime: '2026-11-25T11:00:00Z' })], 'p2b'),
      list([review('r1', { updateTime: '2026-11-25T10:00:00Z' })]),
    );
    const pages = await poll(first?.state);
    expect(apiRequests().map((r) => r.url.searchParams.get('pageToken'))).toEqual(['p2', null, 'p2b']);
    expect(pages.flatMap((p) => p.events.map((e) => e.draft.externalId.split('/').pop()))).toEqual(['r1']);
  });

  it('backs off as told by 429 and 503 with Retry-After; a 429 without it waits a minute', async () => {
    server.route(REVIEWS, {
      status: 429,
      headers: { 'retry-after': '120' },
      body: { error: { code: 429, status: 'RESOURCE_EXHAUSTED' } },
    });
    await expect(poll()).rejects.toEqual(new RateLimitedError(120_000, 'Google Business Profile answered 429'));
    server.route(REVIEWS, { status: 429, body: { error: { code: 429, status: 'RESOURCE_EXHAUSTED' } } });
    await expect(poll()).rejects.toMatchObject({ name: 'RateLimitedError', retryAfterMs: 60_000 });
    server.route(REVIEWS, { status: 503, headers: { 'retry-after': 'Wed, 25 Nov 2026 12:05:00 GMT' } });
    await expect(poll()).rejects.toMatchObject({ name: 'RateLimitedError', retryAfterMs: 300_000 });
    server.route('/token', { status: 429, headers: { 'retry-after': '30' } });
    await expect(poll()).rejects.toEqual(new RateLimitedError(30_000, 'Google token endpoint answered 429'));
  });

  it('delivers the page, then waits for the reset, when rate-limit headers say none remain', async () => {
    server.route(REVIEWS, {
      ...list([review('r1')], 'p2'),
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '45' },
    });
    const pages: PollPage[] = [];
    const error = await (async () => {
      for await (const page of googleBusinessPoller.poll(target(), {}, { fetch, now, secret: SECRET }))
        pages.push(page);
    })().catch((e: unknown) => e);
    expect(error).toEqual(
      new RateLimitedError(45_000, 'Google Business Profile rate limit used up (X-RateLimit-Remaining: 0)'),
    );
    expect(pages.map((p) => p.events.length)).toEqual([1]);
    expect(JSON.parse(pages[0]!.state.cursor!)).toMatchObject({ pending: { pageToken: 'p2' } });
    expect(apiRequests()).toHaveLength(1);
  });

  it('fails on server errors and refusals with the API status and a hint, never the body', async () => {
    server.route(REVIEWS, { status: 502, body: '<html>Bad Gateway</html>' });
    await expect(poll()).rejects.toThrow(new Error('Google Business Profile answered 502'));
    server.route(REVIEWS, { status: 503 });
    await expect(poll()).rejects.toThrow(new Error('Google Business Profile answered 503'));
    server.route(REVIEWS, {
      status: 403,
      body: {
        error: {
          code: 403,
          message: 'The caller does not have permission for ana@example.com',
          status: 'PERMISSION_DENIED',
        },
      },
    });
    const denied = (await poll().catch((e: Error) => e)) as Error;
    expect(denied.message).toBe(
      'Google Business Profile answered 403 (PERMISSION_DENIED): the authorised user must manage this location, and the project needs Business Profile API access',
    );
    server.route(REVIEWS, { status: 404, body: { error: { code: 404, status: 'NOT_FOUND' } } });
    await expect(poll()).rejects.toThrow(/answered 404 \(NOT_FOUND\): check the target’s account and location ids/);
  });

  it('refuses malformed bodies with messages that never quote them', async () => {
    const personal = 'Ana from 12 Main Street';
    server.route(REVIEWS, { status: 200, body: `<html>${personal}</html>` });
    const notJson = (await poll().catch((e: Error) => e)) as Error;
    expect(notJson.message).toMatch(/^Google Business Profile answered 200 with a body that is not JSON/);
    expect(notJson.message).not.toContain(personal);
    server.route(REVIEWS, { status: 200, body: { reviews: personal } });
    await expect(poll()).rejects.toThrow(
      /^Google Business Profile answered an unexpected body \(at reviews: expected array\)$/,
    );
    server.route(
      REVIEWS,
      list([
        review('r1', { starRating: 'SIX', updateTime: personal }),
        review('r2', { name: undefined, reviewId: undefined }),
        review('r3'),
      ]),
    );
    const pages = await poll();
    const { warnings } = logged;
    // malformed reviews are skipped (counted, never quoted); the others are emitted and the pass completes
    expect(pages.flatMap((p) => p.events.map((e) => e.draft.externalId))).toEqual([`${LOCATION}/reviews/r3`]);
    expect(JSON.parse(pages.at(-1)?.state.cursor ?? '')).toEqual({ watermark: '2026-11-25T10:00:00.123Z' });
    expect(warnings).toEqual([
      'Google Business Profile reviews: skipped 1 malformed item (first at 0.starRating: invalid_value)',
      'Google Business Profile reviews: skipped 1 malformed item (first at name or updateTime)',
    ]);
    expect(warnings.join()).not.toContain(personal);
    server.route('/token', { status: 200, body: { token: 'no access_token here' } });
    await expect(poll()).rejects.toThrow(
      /^Google token endpoint answered an unexpected body \(at access_token: expected string\)$/,
    );
  });

  it('ends a pass whose nextPageToken repeats, instead of reading the same page forever', async () => {
    server.route('/token', token('ya29.a'));
    server.route(REVIEWS, list([review('r1', { updateTime: '2026-11-25T11:00:00Z' })], 'loop'));
    const pages = await poll();
    expect(apiRequests().map((r) => r.url.searchParams.get('pageToken'))).toEqual([null, 'loop']);
    expect(pages.flatMap((p) => p.events.map((e) => e.draft.externalId))).toEqual([`${LOCATION}/reviews/r1`]);
    expect(JSON.parse(pages.at(-1)?.state.cursor ?? '')).toEqual({ watermark: '2026-11-25T11:00:00.000Z' });
  });

  it('refreshes the access token once when the API answers 401', async () => {
    server.route('/token', token('ya29.stale'), token('ya29.fresh'));
    server.route(
      REVIEWS,
      { status: 401, body: { error: { code: 401, status: 'UNAUTHENTICATED' } } },
      list([review('r1')]),
    );
    const [page] = await poll();
    expect(apiRequests().map((r) => r.headers.authorization)).toEqual(['Bearer ya29.stale', 'Bearer ya29.fresh']);
    expect(page?.events).toHaveLength(1);

    server.route(REVIEWS, { status: 401, body: { error: { code: 401, status: 'UNAUTHENTICATED' } } });
    await expect(poll()).rejects.toThrow(/answered 401 \(UNAUTHENTICATED\): the access token was refused twice/);
  });

  it('says what is wrong with the credentials without repeating them', async () => {
    const { clientSecret: _omit, refreshToken: _also, ...partial } = SECRET;
    await expect(poll({}, partial)).rejects.toThrow(
      new Error(
        'the google-business secret has no "clientSecret", "refreshToken"; add them to the google-business secret',
      ),
    );
    expect(server.requests).toHaveLength(0);
    server.route('/token', {
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
    });
    const refused = (await poll().catch((e: Error) => e)) as Error;
    expect(refused.message).toBe(
      'Google token endpoint answered 400 (invalid_grant): the refresh token was revoked or has expired; authorise again and put the new refreshToken in the google-business secret',
    );
    for (const value of Object.values(SECRET)) expect(refused.message).not.toContain(value);
    server.route('/token', {
      status: 401,
      body: { error: 'invalid_client', error_description: 'The OAuth client was not found.' },
    });
    await expect(poll()).rejects.toThrow(/answered 401 \(invalid_client\): check clientId\/clientSecret/);
  });

  it('validates target settings strictly, with defaults and clear messages', () => {
    expect(
      PollTargetSchema.parse({ platform: 'google-business', id: 'hq', account: 'accounts/123', location: '456' }),
    ).toEqual({
      platform: 'google-business',
      id: 'hq',
      account: '123',
      location: '456',
      every: 'PT15M',
      apiBaseUrl: 'https://mybusiness.googleapis.com',
      tokenUrl: 'https://oauth2.googleapis.com/token',
      backfill: 'P7D',
    });
    const messages = (value: unknown) =>
      GoogleBusinessTargetSchema.safeParse(value).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(
      messages({ platform: 'google-business', id: 'hq', account: 'accounts/12 3', location: 'stores/456' }),
    ).toEqual([
      'account: must be the account id, e.g. 1234567890 or accounts/1234567890',
      'location: must be the location id, e.g. 9876543210 or locations/9876543210',
    ]);
    expect(
      messages({ platform: 'google-business', id: 'hq', account: '1', location: '2', tokenUrl: 'file:///etc/passwd' }),
    ).toEqual(['tokenUrl: must be an http(s) URL such as https://oauth2.googleapis.com/token']);
    expect(messages({ platform: 'google-business', id: 'hq', account: '1', location: '2', placeId: 'x' })?.[0]).toMatch(
      /Unrecognized key: "placeId"/,
    );
  });
});
