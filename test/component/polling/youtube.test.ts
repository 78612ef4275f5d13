import { PollTargetSchema, YouTubeCommentsTargetSchema } from '#core/config/poll-targets.schema.js';
import { EngagementDraftSchema } from '#core/engagement/engagement.schema.js';
import { RateLimitedError, type PollState, type PollTarget } from '#core/polling/poller.js';
import { msUntilQuotaReset, youtubeCommentsPoller } from '#core/polling/youtube.js';
import { scriptedHttpServerForTests } from '#test-support/scripted-http-server.js';
import { expectBodiesRefused, pollOnce, pollRunner } from '#test-support/poll-harness.js';

const now = new Date('2026-11-25T12:00:00.000Z');
const secret = { apiKey: 'local-youtube-api-key' };
const CHANNEL = 'UCacmeacmeacmeacmeacme12';
const FAN = 'UCfanfanfanfanfanfanfan1';
const VIDEO = 'dQw4w9WgXcQ';
const server = scriptedHttpServerForTests();
let target: PollTarget;
beforeAll(() => {
  target = { platform: 'youtube', id: 'acme-channel', channelId: CHANNEL, apiBaseUrl: server.url, every: 'PT10M' };
});

const at = (hhmm: string) => `2026-11-25T${hhmm}:00Z`;
const comment = (id: string, published: string, extra: Record<string, unknown> = {}) => ({
  kind: 'youtube#comment',
  etag: `etag-${id}`,
  id,
  snippet: {
    channelId: CHANNEL,
    videoId: VIDEO,
    textDisplay: `comment ${id}`,
    textOriginal: `comment ${id}`,
    authorDisplayName: '@zoë-fan',
    authorProfileImageUrl: 'https://yt3.ggpht.com/x',
    authorChannelUrl: 'http://www.youtube.com/@zo%C3%AB-fan',
    authorChannelId: { value: FAN },
    canRate: true,
    viewerRating: 'none',
    likeCount: 0,
    publishedAt: published,
    updatedAt: published,
    ...extra,
  },
});
const thread = (
  id: string,
  top: ReturnType<typeof comment>,
  replies: ReturnType<typeof comment>[] = [],
  total = replies.length,
) => ({
  kind: 'youtube#commentThread',
  etag: `etag-${id}`,
  id,
  snippet: {
    channelId: CHANNEL,
    videoId: VIDEO,
    topLevelComment: top,
    canReply: true,
    totalReplyCount: total,
    isPublic: true,
  },
  ...(replies.length > 0 && { replies: { comments: replies } }),
});
const list = (threads: unknown[], nextPageToken?: string, etag = '"list-etag"') => ({
  status: 200,
  headers: { 'content-type': 'application/json; charset=UTF-8', etag },
  body: JSON.stringify({
    kind: 'youtube#commentThreadListResponse',
    etag,
    ...(nextPageToken && { nextPageToken }),
    pageInfo: { totalResults: threads.length, resultsPerPage: 100 },
    items: threads,
  }),
});
const googleError = (status: number, reason: string, message = 'BODY-MARKER free text') => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ error: { code: status, message, errors: [{ message, domain: 'youtube.quota', reason }] } }),
});
const poll = (state: PollState = {}, t: PollTarget = target) => pollOnce(youtubeCommentsPoller, t, state, secret, now);
const reply = (id: string, published: string, parent: string, extra: Record<string, unknown> = {}) =>
  comment(id, published, { parentId: parent, ...extra });

describe('YouTube comments poller over HTTP', () => {
  it("first poll: asks for the newest page of the channel's threads with the API key in a header, and emits comments and replies once", async () => {
    server.answer(
      list(
        [
          thread(
            'T2',
            comment('C2', at('11:00'), {
              textOriginal: 'Ünïcödé 🎉 great video',
              textDisplay: 'Ünïcödé 🎉 great video',
            }),
          ),
          thread('T1', comment('C1', at('10:00')), [
            reply('C1.R1', at('10:30'), 'C1'),
            reply('C1.Rown', at('10:20'), 'C1', { authorChannelId: { value: CHANNEL }, authorDisplayName: '@acme' }),
          ]),
        ],
        'next-page',
      ),
    );
    const result = await poll();
    expect(result.error).toBeUndefined();
    const req = server.requests[0]!;
    expect(req.path).toBe('/youtube/v3/commentThreads');
    expect(Object.fromEntries(req.query)).toEqual({
      part: 'snippet,replies',
      allThreadsRelatedToChannelId: CHANNEL,
      order: 'time',
      maxResults: '100',
      textFormat: 'plainText',
    });
    expect(req.headers['x-goog-api-key']).toBe('local-youtube-api-key');
    expect(server.requests[0]?.url.href).not.toContain('local-youtube-api-key');
    expect(req.headers['if-none-match']).toBeUndefined();
    expect(server.requests).toHaveLength(1); // the first poll does not page back through history

    expect(result.events.map((e) => [e.change, e.draft.kind, e.draft.externalId])).toEqual([
      ['created', 'comment', 'C1'],
      ['created', 'reply', 'C1.R1'],
      ['created', 'comment', 'C2'],
    ]);
    expect(result.events[2]?.draft).toEqual({
      platform: 'youtube',
      kind: 'comment',
      externalId: 'C2',
      url: `https://www.youtube.com/watch?v=${VIDEO}&lc=C2`,
      text: 'Ünïcödé 🎉 great video',
      createdAt: '2026-11-25T11:00:00.000Z',
      author: { id: FAN, handle: '@zoë-fan', name: '@zoë-fan' },
      account: { id: CHANNEL },
      thread: { parentId: VIDEO, conversationId: 'T2' },
    });
    expect(result.events[1]?.draft.thread).toEqual({ parentId: 'C1', conversationId: 'T1' });
    for (const e of result.events) expect(EngagementDraftSchema.parse(e.draft)).toEqual(e.draft);
    expect(JSON.parse(result.state.cursor ?? '')).toEqual({ since: '2026-11-25T11:00:00.000Z' });
    expect(result.state.etag).toBe('"list-etag"');
  });

  it("second poll: emits new and edited comments only, including one in the watermark's second, and stops at older threads", async () => {
    server.answer(
      list(
        [
          thread('T2', comment('C2', at('11:00'))),
          thread('T1', comment('C1', at('10:00')), [reply('C1.R1', at('10:30'), 'C1')]),
        ],
        'p2',
      ),
    );
    const first = await poll();
    server.requests.splice(0);
    server.answer(
      list(
        [
          thread('T3', comment('C3', at('11:30'))),
          thread('T2', comment('C2', at('11:00'), { updatedAt: at('11:45'), textOriginal: 'edited: still broken' })),
          thread('T4', comment('C4', at('11:00'))),
          thread('T1', comment('C1', at('10:00')), [reply('C1.R1', at('10:30'), 'C1')]),
        ],
        'p2',
      ),
    );
    const second = await poll(first.state);
    expect(server.requests[0]!.headers['if-none-match']).toBe('"list-etag"');
    expect(server.requests).toHaveLength(1); // T1 is older than the watermark: no further page
    expect(second.events.map((e) => [e.change, e.draft.externalId, e.draft.text])).toEqual([
      ['created', 'C4', 'comment C4'],
      ['edited', 'C2', 'edited: still broken'],
      ['created', 'C3', 'comment C3'],
    ]);
    expect(JSON.parse(second.state.cursor ?? '')).toEqual({ since: '2026-11-25T11:45:00.000Z' });

    // the same answer again: nothing is emitted twice
    server.answer(
      list([
        thread('T3', comment('C3', at('11:30'))),
        thread('T2', comment('C2', at('11:00'), { updatedAt: at('11:45') })),
        thread('T1', comment('C1', at('10:00'))),
      ]),
    );
    expect((await poll(second.state)).events).toEqual([]);
  });

  it('treats 304 Not Modified on the first page as nothing new and keeps its state', async () => {
    server.answer({ status: 304 });
    const state = {
      cursor: JSON.stringify({ since: at('11:00') }),
      etag: '"list-etag"',
      seen: ['c:C2@2026-11-25T11:00:00Z'],
    };
    expect((await poll(state)).pages).toEqual([{ events: [], state }]);
    expect(server.requests[0]!.headers['if-none-match']).toBe('"list-etag"');
  });

  it('pages with pageToken and resumes after the last delivered page when a later page fails (runner with a state store)', async () => {
    const runner = pollRunner(youtubeCommentsPoller, secret);
    await runner.store.put('youtube', 'acme-channel', { cursor: JSON.stringify({ since: at('09:00') }) });
    server.answer(list([thread('T3', comment('C3', at('11:30'))), thread('T2', comment('C2', at('11:00')))], 'tok-2'), {
      status: 500,
    });
    expect(await runner.run(target, now)).toMatchObject({
      status: 'failed',
      emitted: 2,
      error: 'youtube answered 500',
    });
    expect(JSON.parse(runner.state(target)?.cursor ?? '')).toEqual({
      since: at('09:00'),
      pending: { pageToken: 'tok-2', newest: '2026-11-25T11:30:00.000Z', pages: 1 },
    });

    server.requests.splice(0);
    server.answer(list([thread('T1', comment('C1', at('10:00'))), thread('T0', comment('C0', at('08:00')))], 'tok-3'));
    expect(await runner.run(target, new Date(now.getTime() + 15 * 60_000))).toMatchObject({
      status: 'polled',
      emitted: 1,
    });
    const resumed = server.requests[0]!;
    expect(resumed.query.get('pageToken')).toBe('tok-2');
    expect(resumed.headers['if-none-match']).toBeUndefined();
    expect(server.requests).toHaveLength(1); // T0 is older than the watermark
    expect(runner.externalIds()).toEqual(['C2', 'C3', 'C1']);
    expect(JSON.parse(runner.state(target)?.cursor ?? '')).toEqual({ since: '2026-11-25T11:30:00.000Z' });
  });

  it('reads all replies of a thread whose reply count grew beyond those it carries', async () => {
    const state = {
      cursor: JSON.stringify({ since: at('11:00') }),
      seen: ['t:T1@1', 'c:C1@2026-11-25T10:00:00Z', 'c:C1.R1@2026-11-25T10:30:00Z'],
    };
    server.answer(list([thread('T1', comment('C1', at('10:00')), [reply('C1.R3', at('11:40'), 'C1')], 3)]), {
      status: 200,
      body: JSON.stringify({
        kind: 'youtube#commentListResponse',
        items: [
          reply('C1.R1', at('10:30'), 'C1'),
          reply('C1.R2', at('11:20'), 'C1'),
          reply('C1.R3', at('11:40'), 'C1'),
        ],
      }),
    });
    const { events, error } = await poll(state);
    expect(error).toBeUndefined();
    const replies = server.requests[1]!;
    expect(replies.path).toBe('/youtube/v3/comments');
    expect(Object.fromEntries(replies.query)).toEqual({
      part: 'snippet',
      parentId: 'C1',
      maxResults: '100',
      textFormat: 'plainText',
    });
    expect(replies.headers['x-goog-api-key']).toBe('local-youtube-api-key');
    expect(events.map((e) => [e.draft.kind, e.draft.externalId])).toEqual([
      ['reply', 'C1.R2'],
      ['reply', 'C1.R3'],
    ]);
  });

  it('waits for the daily reset at midnight Pacific when the quota is exceeded', async () => {
    server.answer(googleError(403, 'quotaExceeded'));
    const { error } = await poll();
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ retryAfterMs: msUntilQuotaReset(now) });
    expect(error?.message).toBe(
      'youtube answered 403 quotaExceeded: the daily quota is used up; polling resumes after midnight Pacific time',
    );
    // 12:00 UTC in November is 04:00 PST: the reset is 20 hours later (plus a minute of margin)
    expect(msUntilQuotaReset(now)).toBe(20 * 3_600_000 + 60_000);
    expect(msUntilQuotaReset(new Date('2026-07-01T12:00:00Z'))).toBe(19 * 3_600_000 + 60_000); // PDT
    expect(msUntilQuotaReset(new Date('2026-03-08T07:30:00Z'))).toBe(31 * 60_000); // 23:30 PST, before the switch
    expect(msUntilQuotaReset(new Date('2026-03-08T12:00:00Z'))).toBe(19 * 3_600_000 + 60_000); // 05:00 PDT, after it
    expect(msUntilQuotaReset(new Date('2026-11-01T07:30:00Z'))).toBe(24.5 * 3_600_000 + 60_000); // 00:30 PDT on the 25-hour day
  });

  it('backs off on 429, 503 and rate-limit reasons with Retry-After, else five minutes', async () => {
    server.answer({ status: 429, headers: { 'retry-after': '90' } });
    expect((await poll()).error).toEqual(new RateLimitedError(90_000, 'youtube answered 429'));
    server.answer(googleError(403, 'rateLimitExceeded'));
    expect((await poll()).error).toEqual(new RateLimitedError(300_000, 'youtube answered 403 rateLimitExceeded'));
    server.answer({ status: 503 });
    expect((await poll()).error).toEqual(new Error('youtube answered 503')); // without Retry-After, a failure
  });

  it('fails on other errors naming the reason code, never the body or the key', async () => {
    const cases: [ReturnType<typeof googleError> | { status: number; body: string }, string][] = [
      [{ status: 500, body: 'BODY-MARKER' }, 'youtube answered 500'],
      [
        googleError(404, 'channelNotFound'),
        "youtube answered 404 channelNotFound: check the target's channelId or videoId",
      ],
      [
        googleError(403, 'commentsDisabled'),
        'youtube answered 403 commentsDisabled: comments are disabled on this video',
      ],
      [
        googleError(400, 'keyInvalid', 'API key local-youtube-api-key not valid BODY-MARKER'),
        'youtube answered 400 keyInvalid: the apiKey is not valid',
      ],
      [googleError(403, 'BODY MARKER with spaces'), 'youtube answered 403'],
    ];
    for (const [answer, message] of cases) {
      server.answer(answer);
      const { error, pages } = await poll();
      expect(error?.message).toBe(message);
      expect(pages).toEqual([]);
    }
  });

  it('refuses malformed bodies with a message that does not quote them', async () => {
    const cases: [string, RegExp][] = [
      ['<html>BODY-MARKER', /not JSON/],
      [JSON.stringify({ items: 'BODY-MARKER' }), /unexpected body \(at items: expected array\)/],
    ];
    await expectBodiesRefused(server, () => poll(), 'BODY-MARKER', cases);
  });

  it('skips malformed threads (counted, never quoted) and emits the others', async () => {
    server.answer(
      list([
        { id: 'T9', snippet: { videoId: 'BODY-MARKER' } },
        thread('T2', comment('C2', at('11:00'))),
        thread('T1', comment('C1', 'BODY-MARKER')),
      ]),
    );
    const result = await poll();
    const { warnings } = result;
    expect(result.error).toBeUndefined();
    expect(result.events.map((e) => e.draft.externalId)).toEqual(['C2']);
    expect(warnings).toEqual([
      'youtube comment threads: skipped 2 malformed items (first at 0.snippet.topLevelComment: invalid_type)',
    ]);
    expect(warnings.join()).not.toContain('BODY-MARKER');
  });

  it('starts the scan again when a stored page token is refused (400), and ends a scan whose token repeats', async () => {
    server.answer(googleError(400, 'invalidPageToken'), list([thread('T3', comment('C3', at('11:30')))], 'again'));
    const result = await poll({
      cursor: JSON.stringify({ since: at('09:00'), pending: { pageToken: 'stale', newest: at('10:00') } }),
    });
    expect(result.error).toBeUndefined();
    expect(server.requests.map((r) => r.query.get('pageToken'))).toEqual(['stale', null, 'again']);
    expect(result.events.map((e) => e.draft.externalId)).toEqual(['C3']);
    expect(JSON.parse(result.state.cursor ?? '')).toEqual({ since: '2026-11-25T11:30:00.000Z' });
  });

  it('spends at most 20 reply calls a poll; threads over budget keep their old count and are read by the next poll', async () => {
    const threads = Array.from({ length: 22 }, (_, i) => thread(`T${i}`, comment(`C${i}`, at('11:00')), [], 3));
    server.answer(list(threads), {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items: [] }),
    });
    const result = await poll({ cursor: JSON.stringify({ since: at('09:00') }) });
    expect(server.requests.filter((r) => r.path === '/youtube/v3/comments')).toHaveLength(20);
    const counts = (result.state.seen ?? []).filter((k) => k.startsWith('t:'));
    expect(counts).toHaveLength(20);
  });

  it('never follows a redirect with the API key, and names only the code of a network failure', async () => {
    server.answer({ status: 302, headers: { location: 'http://127.0.0.1:9/elsewhere' } });
    expect((await poll()).error).toEqual(new Error('youtube answered a redirect (302); redirects are not followed'));
    expect(server.requests).toHaveLength(1);
    const failed = await pollOnce(
      youtubeCommentsPoller,
      { ...target, apiBaseUrl: 'http://127.0.0.1:9' },
      {},
      secret,
      now,
    );
    expect(failed.error?.message).toMatch(/^youtube could not be reached( \([A-Za-z0-9_]+\))?$/);
  });

  it("polls one video with videoId, dropping the company's other channels", async () => {
    const videoTarget = {
      platform: 'youtube',
      id: 'launch-video',
      videoId: VIDEO,
      ownChannelIds: [FAN],
      apiBaseUrl: server.url,
      every: 'PT10M',
    } as PollTarget;
    server.answer(
      list([
        thread('T9', comment('C9', at('11:00'))),
        thread('T8', comment('C8', at('10:00'), { authorChannelId: { value: 'UCotherotherotherother12' } })),
      ]),
    );
    const { events } = await poll({}, videoTarget);
    expect(Object.fromEntries(server.requests[0]!.query)).toMatchObject({ videoId: VIDEO });
    expect(server.requests[0]!.query.has('allThreadsRelatedToChannelId')).toBe(false);
    expect(events.map((e) => [e.draft.externalId, e.draft.account?.id])).toEqual([['C8', CHANNEL]]);
  });

  it('validates its settings with clear messages and sensible defaults', () => {
    expect(PollTargetSchema.parse({ platform: 'youtube', id: 'acme', channelId: CHANNEL })).toEqual({
      platform: 'youtube',
      id: 'acme',
      channelId: CHANNEL,
      ownChannelIds: [],
      fetchAllReplies: true,
      apiBaseUrl: 'https://www.googleapis.com',
      every: 'PT10M',
    });
    const both = YouTubeCommentsTargetSchema.safeParse({
      platform: 'youtube',
      id: 'acme',
      channelId: CHANNEL,
      videoId: VIDEO,
    });
    expect(both.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'channelId: set exactly one of channelId (every comment on the channel and its videos) or videoId (one video)',
    ]);
    expect(YouTubeCommentsTargetSchema.safeParse({ platform: 'youtube', id: 'acme' }).success).toBe(false);
    const bad = YouTubeCommentsTargetSchema.safeParse({
      platform: 'youtube',
      id: 'acme',
      channelId: 'acme',
      videoId: 'nope',
    });
    const messages = bad.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
    expect(messages).toMatch(/channelId: must be a YouTube channel id/);
    expect(messages).toMatch(/videoId: must be a YouTube video id/);
  });

  it('needs the apiKey secret', async () => {
    expect(
      (await pollOnce(youtubeCommentsPoller, target, {}, { hubSecret: 'local-youtube-hub-secret' }, now)).error
        ?.message,
    ).toBe('the youtube secret has no "apiKey"; add it to the youtube secret');
    expect(server.requests).toHaveLength(0);
  });
});
