import * as z from 'zod';
import type { EngagementDraft } from '../engagement/engagement.schema.js';
import type { NormalizedEvent } from '../platforms/adapter.js';
import {
  YouTubeCommentsTargetSchema,
  YouTubeVideoId as VideoId,
  type YouTubeCommentsTarget,
} from '../config/poll-targets.schema.js';
import {
  credentialedPoller,
  apiUrl,
  getJson,
  parseBody,
  parseJsonPrecise,
  rateLimited,
  readJson,
  readStoredCursor,
  validItems,
  type RateLimits,
} from './http.js';
import { MAX_PAGES_PER_POLL, passGuard, walkPages, type PageStep } from './page-walk.js';
import { RateLimitedError, type PollLog, type Poller } from './poller.js';

const LABEL = 'youtube';
/** YouTube sends no rate-limit headers. */
const LIMITS: RateLimits = { fallbackMs: 5 * 60_000 };
/** Seen-set entries kept: comment versions and thread reply counts near the watermark. */
const SEEN_LIMIT = 2000;
const REPLY_PAGES_PER_THREAD = 10;
/** comments.list calls one poll may spend on replies (1 unit each); threads beyond it are read by a later poll. */
export const REPLY_CALLS_PER_POLL = 20;
/** Pages one scan reads at most, across polls: a page-token chain that never ends is cut here. */
const MAX_PAGES_PER_SCAN = 50;

const IsoDate = z.iso.datetime({ offset: true });

const CommentSchema = z.object({
  id: z.string().min(1),
  snippet: z.object({
    authorDisplayName: z.string().optional(),
    authorChannelUrl: z.string().optional(),
    authorChannelId: z.object({ value: z.string() }).optional().catch(undefined),
    textDisplay: z.string().optional(),
    textOriginal: z.string().optional(),
    parentId: z.string().optional(),
    videoId: z.string().optional(),
    channelId: z.string().optional(),
    publishedAt: IsoDate,
    updatedAt: IsoDate.optional(),
  }),
});
type Comment = z.output<typeof CommentSchema>;

const ThreadSchema = z.object({
  id: z.string().min(1),
  snippet: z.object({
    channelId: z.string().optional(),
    videoId: z.string().optional(),
    topLevelComment: CommentSchema,
    totalReplyCount: z.number().int().nonnegative().optional(),
  }),
  replies: z.object({ comments: z.array(CommentSchema).default([]) }).optional(),
});
type Thread = z.output<typeof ThreadSchema>;

/** Envelopes are checked strictly; threads and comments one by one (a malformed one is skipped, not fatal). */
const ThreadListSchema = z.object({
  items: z.array(z.unknown()).default([]),
  nextPageToken: z.string().min(1).optional(),
});
const CommentListSchema = z.object({
  items: z.array(z.unknown()).default([]),
  nextPageToken: z.string().min(1).optional(),
});
const ErrorBodySchema = z.object({
  error: z.object({ errors: z.array(z.object({ reason: z.string() })).optional(), status: z.string().optional() }),
});

/**
 * Where the comment scan resumes: `since` is the watermark (the latest comment time of the last
 * complete scan, ISO); `pending` a scan in progress (its next page token and the watermark it will
 * end at).
 */
const CursorSchema = z.object({
  since: IsoDate.optional(),
  pending: z
    .object({ pageToken: z.string().min(1), newest: IsoDate, pages: z.number().int().nonnegative().optional() })
    .optional(),
});
type Cursor = z.output<typeof CursorSchema>;

/**
 * YouTube comments (platforms.md §7.2, ✅): `GET {apiBaseUrl}/youtube/v3/commentThreads?part=snippet,replies
 * &allThreadsRelatedToChannelId=<channelId>` (or `&videoId=<videoId>`) `&order=time&maxResults=100
 * &textFormat=plainText&pageToken=…` with an API key — secret key `apiKey`, sent in the
 * `X-Goog-Api-Key` header (a Google API system parameter ✅) so it is never part of a URL.
 *
 * - Scan (✅ algorithm): pages newest first; stops after the page that reaches a thread whose latest
 *   comment time is older than the stored watermark, or at the last page; the new watermark is the
 *   latest comment time seen. Each yielded page stores the scan in progress (next page token,
 *   watermark to come), so a poll that fails part-way resumes at the next page; at most
 *   {@link MAX_PAGES_PER_POLL} pages per poll. The first poll (also after a stored cursor that
 *   no longer reads: {@link readStoredCursor}) reads only the newest page.
 * - Exactly once: comments at or after the watermark are checked against a seen-set of
 *   `<comment id>@<updatedAt>`, so two comments in the same second are not lost and none is
 *   emitted twice. A comment whose `updatedAt` moved (or that was published before the watermark
 *   and shows up again) is `edited`; otherwise `created`.
 * - Replies (◐): a thread carries only some replies; when `totalReplyCount` exceeds them and grew
 *   since the thread was last seen, its replies are read with `comments.list?parentId=…` (1 unit a
 *   page, `fetchAllReplies: false` to save quota). Which threads `order=time` lists first when a
 *   reply arrives on an old thread is not documented (❓): a new reply is found when its thread
 *   appears in the pages scanned before the watermark.
 * - Conditional request (◐: YouTube's ETag support is from its performance guide, not platforms.md):
 *   the first page of a scan is sent with `If-None-Match` of the last scan's first page; 304 →
 *   nothing new, state kept. Later pages are never conditional.
 * - Quota (✅): `403` with reason `quotaExceeded` (or `dailyLimitExceeded`) → {@link RateLimitedError}
 *   until one minute after the next midnight Pacific time, when the daily quota resets;
 *   `rateLimitExceeded`/`userRateLimitExceeded` and 429 (503 only with a Retry-After) → Retry-After, else 5 minutes. YouTube
 *   sends no rate-limit headers. Other errors (e.g. `commentsDisabled`, `channelNotFound`) fail the
 *   poll naming the error reason code, never the body.
 *
 * Mapping (choices where platforms.md is unconfirmed (◐/❓) or silent):
 * - Top-level comments → `comment` with `thread.parentId` the video id (none for channel
 *   discussions); replies → `reply` with `thread.parentId` the `snippet.parentId`; conversationId
 *   is the thread id. externalId is the comment id (distinct from video ids, 11 characters).
 * - text `textOriginal`, else `textDisplay` (plain text as asked; `textOriginal` is only
 *   guaranteed to the author ◐); createdAt `publishedAt`; url
 *   `https://www.youtube.com/watch?v=<video>&lc=<comment id>` (❓ convention); author id
 *   `authorChannelId.value`, name `authorDisplayName`, handle the `@handle` of `authorChannelUrl`
 *   (or a display name that starts with `@`); followers are not looked up (a unit per channel).
 * - The company's own comments (the target's `channelId`, `ownChannelIds`) are dropped; account
 *   is the target's channel, else the thread's channel. Deletions are not visible to polling (❓).
 */
export const youtubeCommentsPoller: Poller = credentialedPoller(
  'youtube',
  YouTubeCommentsTargetSchema,
  ['apiKey'],
  async function* (settings, { apiKey }, state, { fetch, now, signal, log }) {
    const send = async (path: string, params: [string, string | undefined][], etag?: string): Promise<Response> => {
      const res = await getJson(
        fetch,
        apiUrl(settings.apiBaseUrl, path, params),
        { 'x-goog-api-key': apiKey, ...(etag && { 'if-none-match': etag }) },
        LABEL,
        signal,
      );
      if (!res.ok && res.status !== 304) throw await youtubeError(res, now);
      return res;
    };
    const get: Get = async (path, params, schema) =>
      parseBody(schema, await readJson(await send(path, params), LABEL), LABEL);
    const own = new Set([settings.channelId, ...settings.ownChannelIds].filter((id): id is string => id !== undefined));
    const seen = new Set(state.seen ?? []);
    const seenComments = new Set<string>();
    const replyCounts = new Map<string, number>();
    for (const key of seen) {
      const at = key.lastIndexOf('@');
      if (key.startsWith('c:')) seenComments.add(key.slice(2, at));
      else if (key.startsWith('t:')) replyCounts.set(key.slice(2, at), Number(key.slice(at + 1)));
    }
    const start: Cursor = readStoredCursor(CursorSchema, state.cursor, LABEL, log) ?? {};
    const since = start.since ? Date.parse(start.since) : undefined;
    const guard = passGuard(MAX_PAGES_PER_SCAN);
    const budget = { calls: REPLY_CALLS_PER_POLL, log };
    let reset = false;

    yield* walkPages(start, MAX_PAGES_PER_POLL, async (cursor): Promise<PageStep<Cursor>> => {
      const firstPoll = since === undefined && cursor.pending === undefined;
      // The first page of a scan is asked for conditionally: 304 means nothing changed since.
      const scanStart = cursor.pending === undefined;
      guard.request(cursor.pending?.pageToken);
      let res: Response;
      try {
        res = await send(
          '/youtube/v3/commentThreads',
          [
            ['part', 'snippet,replies'],
            settings.channelId ? ['allThreadsRelatedToChannelId', settings.channelId] : ['videoId', settings.videoId],
            ['order', 'time'],
            ['maxResults', '100'],
            ['textFormat', 'plainText'],
            ['pageToken', cursor.pending?.pageToken],
          ],
          scanStart && !firstPoll ? state.etag : undefined,
        );
      } catch (err) {
        // A stored page token that is no longer accepted (400): start the scan again from the first page.
        if (
          !reset &&
          cursor.pending &&
          !(err instanceof RateLimitedError) &&
          /^youtube answered 400\b/.test((err as Error).message) &&
          !/keyInvalid/.test((err as Error).message)
        ) {
          reset = true;
          return { next: cursor.since ? { since: cursor.since } : {} };
        }
        throw err;
      }
      if (res.status === 304) return { page: { events: [], state } };
      const page = parseBody(ThreadListSchema, await readJson(res, LABEL), LABEL);
      const threads = validItems(ThreadSchema, page.items, `${LABEL} comment threads`, log);
      const etag = scanStart ? (res.headers.get('etag') ?? undefined) : state.etag;
      let newest = cursor.pending ? Date.parse(cursor.pending.newest) : since;
      let reachedOld = false;
      const events: NormalizedEvent[] = [];
      // Threads come newest first; events go out oldest first.
      for (const thread of [...threads].reverse()) {
        let comments = [thread.snippet.topLevelComment, ...(thread.replies?.comments ?? [])];
        const activity = Math.max(...comments.map(latest));
        if (since !== undefined && activity < since) reachedOld = true;
        const total = thread.snippet.totalReplyCount ?? 0;
        const included = comments.length - 1;
        let countKnown = true;
        if (
          settings.fetchAllReplies &&
          !firstPoll &&
          total > included &&
          total !== replyCounts.get(thread.id) &&
          (since === undefined || activity >= since || replyCounts.has(thread.id))
        ) {
          const fetched = await allReplies(get, thread.snippet.topLevelComment.id, budget);
          if (fetched.replies.length > 0 || fetched.complete)
            comments = [thread.snippet.topLevelComment, ...fetched.replies];
          // Over budget: the thread keeps its old reply count, so a later poll reads its replies again.
          countKnown = fetched.complete;
        }
        if (countKnown) {
          refresh(
            seen,
            `t:${thread.id}@${total}`,
            [...seen].filter((k) => k.startsWith(`t:${thread.id}@`)),
          );
          replyCounts.set(thread.id, total);
        }
        comments.sort((a, b) => Date.parse(a.snippet.publishedAt) - Date.parse(b.snippet.publishedAt));
        for (const comment of comments) {
          const time = latest(comment);
          newest = newest === undefined ? time : Math.max(newest, time);
          const version = `c:${comment.id}@${comment.snippet.updatedAt ?? comment.snippet.publishedAt}`;
          if (seen.has(version)) continue;
          if (since !== undefined && time < since) continue;
          const change =
            seenComments.has(comment.id) || (since !== undefined && Date.parse(comment.snippet.publishedAt) < since)
              ? 'edited'
              : 'created';
          refresh(
            seen,
            version,
            [...seen].filter((k) => k.startsWith(`c:${comment.id}@`)),
          );
          seenComments.add(comment.id);
          const authorChannel = comment.snippet.authorChannelId?.value;
          if (authorChannel && own.has(authorChannel)) continue;
          events.push({ change, draft: commentDraft(comment, thread, settings) });
        }
      }
      const newestIso = newest === undefined ? undefined : new Date(newest).toISOString();
      const pages = (cursor.pending?.pages ?? 0) + 1;
      // The scan also ends on an empty page, a page token seen before in this poll, or a scan grown too long.
      const stalled = guard.ends(page.nextPageToken, pages, page.items.length === 0);
      const more = !firstPoll && !reachedOld && !stalled && page.nextPageToken !== undefined && newestIso !== undefined;
      const next: Cursor = more
        ? {
            ...(cursor.since && { since: cursor.since }),
            pending: { pageToken: page.nextPageToken!, newest: newestIso, pages },
          }
        : newestIso
          ? { since: newestIso }
          : {};
      return {
        page: { events, state: { ...state, cursor: JSON.stringify(next), seen: [...seen].slice(-SEEN_LIMIT), etag } },
        ...(next.pending && { next }),
      };
    });
  },
);

/** The latest time of a comment: its edit time when edited, else its publication. */
const latest = (c: Comment) =>
  Math.max(Date.parse(c.snippet.publishedAt), c.snippet.updatedAt ? Date.parse(c.snippet.updatedAt) : 0);

/** Adds `key` as the newest entry, dropping older versions of the same item. */
function refresh(seen: Set<string>, key: string, older: string[]): void {
  for (const k of older) seen.delete(k);
  seen.add(key);
}

type Get = <S extends z.ZodType>(
  path: string,
  params: [string, string | undefined][],
  schema: S,
) => Promise<z.output<S>>;

/** A thread's replies, within the poll's budget of comments.list calls; `complete` is false when the budget ran out first. */
async function allReplies(
  get: Get,
  parentId: string,
  budget: { calls: number; log: PollLog | undefined },
): Promise<{ replies: Comment[]; complete: boolean }> {
  const replies: Comment[] = [];
  let pageToken: string | undefined;
  const tokens = new Set<string>();
  for (let i = 0; i < REPLY_PAGES_PER_THREAD; i++) {
    if (budget.calls <= 0) return { replies, complete: false };
    budget.calls--;
    const page = await get(
      '/youtube/v3/comments',
      [
        ['part', 'snippet'],
        ['parentId', parentId],
        ['maxResults', '100'],
        ['textFormat', 'plainText'],
        ['pageToken', pageToken],
      ],
      CommentListSchema,
    );
    replies.push(...validItems(CommentSchema, page.items, `${LABEL} replies`, budget.log));
    pageToken = page.nextPageToken;
    if (!pageToken || page.items.length === 0 || tokens.has(pageToken)) break;
    tokens.add(pageToken);
  }
  return { replies, complete: true };
}

function handleOf(comment: Comment): string {
  const fromUrl = /\/(@[^/?#]+)/.exec(comment.snippet.authorChannelUrl ?? '')?.[1];
  if (fromUrl) {
    try {
      return decodeURIComponent(fromUrl);
    } catch {
      return fromUrl;
    }
  }
  const name = comment.snippet.authorDisplayName ?? '';
  return name.startsWith('@') ? name : '';
}

function commentDraft(comment: Comment, thread: Thread, settings: YouTubeCommentsTarget): EngagementDraft {
  const isReply = comment.id !== thread.snippet.topLevelComment.id;
  const videoId = comment.snippet.videoId ?? thread.snippet.videoId ?? settings.videoId;
  const parentId = isReply ? (comment.snippet.parentId ?? thread.snippet.topLevelComment.id) : videoId;
  const accountId = settings.channelId ?? thread.snippet.channelId;
  return {
    platform: 'youtube',
    kind: isReply ? 'reply' : 'comment',
    externalId: comment.id,
    ...(videoId &&
      VideoId.safeParse(videoId).success && {
        url: `https://www.youtube.com/watch?v=${videoId}&lc=${encodeURIComponent(comment.id)}`,
      }),
    text: comment.snippet.textOriginal ?? comment.snippet.textDisplay ?? '',
    createdAt: new Date(comment.snippet.publishedAt).toISOString(),
    author: {
      id: comment.snippet.authorChannelId?.value || comment.snippet.authorChannelUrl || 'unknown',
      handle: handleOf(comment),
      name: comment.snippet.authorDisplayName ?? '',
    },
    ...(accountId && { account: { id: accountId } }),
    thread: { ...(parentId && { parentId }), conversationId: thread.id },
  };
}

/** The error for a refused request; quota exhaustion waits for the daily reset, other rate limits as the toolkit's rule says. */
async function youtubeError(res: Response, now: Date): Promise<Error> {
  const raw = ErrorBodySchema.safeParse(parseJsonPrecise(await res.text().catch(() => '')));
  const code = raw.success ? (raw.data.error.errors?.[0]?.reason ?? raw.data.error.status) : undefined;
  // Only a reason code (letters) is ever repeated; free text from the body never is.
  const reason = code && /^[A-Za-z_]{1,64}$/.test(code) ? code : undefined;
  if (res.status === 403 && (reason === 'quotaExceeded' || reason === 'dailyLimitExceeded')) {
    return new RateLimitedError(
      msUntilQuotaReset(now),
      `youtube answered 403 ${reason}: the daily quota is used up; polling resumes after midnight Pacific time`,
    );
  }
  const limited = await rateLimited(
    res,
    now,
    LIMITS,
    LABEL,
    reason ? ` ${reason}` : '',
    res.status === 403 && (reason === 'rateLimitExceeded' || reason === 'userRateLimitExceeded'),
  );
  if (limited) return limited;
  const hint =
    res.status === 400 && reason === 'keyInvalid'
      ? ': the apiKey is not valid'
      : res.status === 403 && reason === 'commentsDisabled'
        ? ': comments are disabled on this video'
        : res.status === 404
          ? ": check the target's channelId or videoId"
          : '';
  return new Error(`youtube answered ${res.status}${reason ? ` ${reason}` : ''}${hint}`);
}

const PACIFIC = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/Los_Angeles',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
  hourCycle: 'h23',
});

/** Pacific wall-clock fields of an instant. */
function pacificParts(ms: number): { y: number; m: number; d: number; wall: number } {
  const p = Object.fromEntries(PACIFIC.formatToParts(new Date(ms)).map((x) => [x.type, Number(x.value)])) as Record<
    string,
    number
  >;
  const [y, m, d] = [p.year ?? 1970, p.month ?? 1, p.day ?? 1];
  return { y, m, d, wall: Date.UTC(y, m - 1, d, p.hour ?? 0, p.minute ?? 0, p.second ?? 0) };
}

/**
 * Milliseconds until one minute after the next midnight in America/Los_Angeles (the YouTube Data
 * API's daily quota reset, ✅), daylight saving time included.
 */
export function msUntilQuotaReset(now: Date): number {
  const t = Math.floor(now.getTime() / 1000) * 1000;
  const today = pacificParts(t);
  const midnightWall = Date.UTC(today.y, today.m - 1, today.d + 1);
  let instant = midnightWall - (today.wall - t);
  // The offset at midnight may differ from now's (a DST change in between): correct once.
  instant = midnightWall - (pacificParts(instant).wall - instant);
  return instant - now.getTime() + 60_000;
}
