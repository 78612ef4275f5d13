import * as z from 'zod';
import type { EngagementDraft, EngagementKind } from '../engagement/engagement.schema.js';
import type { NormalizedEvent } from '../platforms/adapter.js';
import { RateLimitedError, retryAfterMs, type Poller, type PollPage, type PollState, type PollTarget } from './poller.js';
import { apiBaseUrlSchema, apiUrl, clampWaitMs, compareDecimalIds, everySchema, MAX_PAGES_PER_POLL, parseBody, readCursor, readJson, request, requireSecret, resetWaitMs, TargetIdSchema, validItems } from './social-api-support.js';

/** X ids are decimal strings beyond 2^53: they are kept as strings and never parsed as numbers. */
const XId = z.string({ error: 'must be an X id as a quoted string ("900000000000000001"): as a number it would lose digits' }).regex(/^\d{1,20}$/, 'must be an X id: digits, as a string');

/** Settings of an `x` target in `polling:`: one recent-search query (brand listening). */
export const XSearchTargetSchema = z.strictObject({
  platform: z.literal('x'),
  id: TargetIdSchema,
  /** The recent-search query, e.g. `(acme OR @acme) -is:retweet lang:en`. */
  query: z.string().trim().min(1, 'must not be empty').max(512, 'X recent search queries are at most 512 characters'),
  /** The company's X user id (digits, quoted in YAML): the drafts' account; its own posts are dropped. */
  accountId: XId.optional(),
  /** Other X user ids of the company whose posts are dropped. */
  ownUserIds: z.array(XId).default([]),
  /** Posts per page, 10–100 (the API's bounds). */
  maxResults: z.number().int().min(10, 'must be 10..100').max(100, 'must be 10..100').default(100),
  apiBaseUrl: apiBaseUrlSchema('https://api.x.com'),
  /** 450 requests / 15 min per app; one request per quiet poll. */
  every: everySchema('PT5M'),
});
export type XSearchTarget = z.output<typeof XSearchTargetSchema>;

const LABEL = 'x';
const RATE_LIMIT_FALLBACK_MS = 15 * 60_000;
/** Pages one pass reads at most, across polls: a `next_token` chain that never ends is cut here. */
const MAX_PAGES_PER_PASS = 50;
/** Recent search refuses a `since_id` older than 7 days; one older than this restarts as a first poll. */
const SINCE_ID_MAX_AGE_MS = 7 * 24 * 3_600_000 - 3_600_000;
const TWITTER_EPOCH_MS = 1288834974657n;

/** The creation time of a snowflake id (epoch ms), or undefined for an id that is not one. */
export function snowflakeTimeMs(id: string): number | undefined {
  try {
    const ms = Number((BigInt(id) >> 22n) + TWITTER_EPOCH_MS);
    return Number.isFinite(ms) ? ms : undefined;
  } catch {
    return undefined;
  }
}

/** Whether recent search would refuse this `since_id` as older than its 7-day window. */
const tooOld = (id: string | undefined, now: Date) => {
  const at = id === undefined ? undefined : snowflakeTimeMs(id);
  return at !== undefined && now.getTime() - at > SINCE_ID_MAX_AGE_MS;
};
const TWEET_FIELDS = 'created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,lang,note_tweet,edit_history_tweet_ids';
const USER_FIELDS = 'username,name,public_metrics,verified';

const TweetSchema = z.object({
  id: XId,
  text: z.string(),
  author_id: XId,
  created_at: z.iso.datetime({ offset: true }).optional().catch(undefined),
  conversation_id: XId.optional().catch(undefined),
  in_reply_to_user_id: XId.optional().catch(undefined),
  referenced_tweets: z.array(z.object({ type: z.string(), id: XId })).optional(),
  note_tweet: z.object({ text: z.string() }).optional().catch(undefined),
  edit_history_tweet_ids: z.array(XId).optional().catch(undefined),
});
type Tweet = z.output<typeof TweetSchema>;

const UserSchema = z.object({
  id: XId,
  username: z.string().optional(),
  name: z.string().optional(),
  verified: z.boolean().optional().catch(undefined),
  public_metrics: z.object({ followers_count: z.number().int().nonnegative() }).partial().optional().catch(undefined),
});
type User = z.output<typeof UserSchema>;

/** The envelope is checked strictly; posts and users one by one (a malformed one is skipped, not fatal). */
const SearchSchema = z.object({
  data: z.array(z.unknown()).optional(),
  includes: z.object({ users: z.array(z.unknown()).optional() }).optional(),
  meta: z.object({
    result_count: z.number().int().nonnegative().optional(),
    newest_id: XId.optional(),
    next_token: z.string().min(1).optional(),
  }),
});

/**
 * Where the search resumes: `sinceId` is the newest post of the last complete pass; `pending`
 * is a pass in progress (the newest id it will end at and the `next_token` of its next page).
 */
const CursorSchema = z.object({
  sinceId: XId.optional(),
  pending: z.object({ newestId: XId, nextToken: z.string().min(1), pages: z.number().int().nonnegative().optional() }).optional(),
});
type Cursor = z.output<typeof CursorSchema>;

/**
 * X recent search (platforms.md §1.7, ✅): `GET {apiBaseUrl}/2/tweets/search/recent?query=…
 * &max_results=100&since_id=…&next_token=…&tweet.fields=…&expansions=author_id&user.fields=…` with
 * an app-only bearer token — secret key `bearerToken`, sent as `Authorization: Bearer`.
 *
 * - Cursor (✅ algorithm): `since_id` = the `meta.newest_id` of the last complete pass; a pass pages
 *   through `next_token` (which never expires ✅) until exhausted, and only then becomes the new
 *   `since_id`. Each yielded page stores the pass in progress (its newest id and next token), so a
 *   poll that fails part-way resumes at the next page of the same pass; at most
 *   {@link MAX_PAGES_PER_POLL} pages per poll, the next poll continues the pass. Ids are strings.
 * - First poll (no cursor): only the newest page is read and emitted (recent search reaches 7 days
 *   back and every post read is billed), and its `newest_id` becomes `since_id`.
 * - Rate limits (✅): 429 → {@link RateLimitedError} until `x-rate-limit-reset` (unix seconds),
 *   else `Retry-After`, else 15 minutes; 503 likewise when it has a Retry-After (else a failure). `x-rate-limit-remaining: 0` on a good
 *   answer → the page is delivered, then the poll stops with a RateLimitedError until the reset
 *   (the runner records the wait).
 * - 400 (usually the query), 401/403 (token) and other errors fail without quoting the body.
 *
 * Mapping (choices where platforms.md is unconfirmed (◐/❓) or silent):
 * - kind: repost (`referenced_tweets` retweeted) or quote → `share`; reply (replied_to) → `reply`;
 *   anything else → `mention` (a post found by the brand's query mentions the brand).
 *   `thread.parentId` is the referenced post, `thread.conversationId` the `conversation_id` (◐).
 * - Edits (❓): a post whose `edit_history_tweet_ids` starts with another id is an edit of that
 *   original: `edited` keyed by the original id (an edit of an engagement never seen is routed as
 *   new). Otherwise `created`, keyed by the post id — the same id the webhook adapter uses.
 * - text: `note_tweet.text` (long posts) else `text`, with `&amp;`/`&lt;`/`&gt;` undone (◐: the
 *   v1.1 escaping, assumed to carry over to v2); author from `includes.users` (`username`, `name`,
 *   `public_metrics.followers_count`, `verified`), id only when the user is missing; url
 *   `https://x.com/{username}/status/{id}` (❓ convention, as in the adapter); createdAt
 *   `created_at`, or the poll time when absent.
 * - The company's own posts (`accountId`, `ownUserIds`) are dropped; account is `accountId`.
 */
export const xSearchPoller: Poller = {
  platform: 'x',
  secretKeys: ['bearerToken'],
  async *poll(target: PollTarget, state: PollState, { fetch, now, secret, signal }): AsyncGenerator<PollPage> {
    const settings = XSearchTargetSchema.parse(target);
    const token = requireSecret(secret, 'x', 'bearerToken');
    const own = new Set([settings.accountId, ...settings.ownUserIds].filter((id): id is string => id !== undefined));
    // A bare since-id (an older cursor format) is all digits: test that first, since JSON.parse reads it as a number.
    let cursor: Cursor = /^\d{1,20}$/.test(state.cursor ?? '') ? { sinceId: state.cursor } : (readCursor(CursorSchema, state.cursor, LABEL) ?? {});
    // A since_id beyond recent search's 7 days is refused (400) forever: start again as a first poll.
    if (tooOld(cursor.sinceId, now)) cursor = {};
    const tokensUsed = new Set<string>();
    const delivered = new Set<string>();
    let restarted = false;
    for (let pageNo = 0; pageNo < MAX_PAGES_PER_POLL; pageNo++) {
      const firstPoll = cursor.sinceId === undefined && cursor.pending === undefined;
      if (cursor.pending) tokensUsed.add(cursor.pending.nextToken);
      const url = apiUrl(settings.apiBaseUrl, '/2/tweets/search/recent', [
        ['query', settings.query],
        ['max_results', String(settings.maxResults)],
        ['since_id', cursor.sinceId],
        ['next_token', cursor.pending?.nextToken],
        ['tweet.fields', TWEET_FIELDS],
        ['expansions', 'author_id'],
        ['user.fields', USER_FIELDS],
      ]);
      const res = await request(fetch, url, { authorization: `Bearer ${token}` }, LABEL, signal);
      // 503 is a rate limit only with Retry-After; without it, it is a failure like any 5xx.
      if (res.status === 429 || (res.status === 503 && res.headers.get('retry-after'))) {
        await res.body?.cancel().catch(() => undefined);
        const wait = resetWaitMs(res.headers.get('x-rate-limit-reset'), now) ?? retryAfterMs(res.headers.get('retry-after'), now, RATE_LIMIT_FALLBACK_MS);
        throw new RateLimitedError(clampWaitMs(wait, RATE_LIMIT_FALLBACK_MS), `x answered ${res.status}`);
      }
      if (res.status === 400) {
        const text = await res.text().catch(() => '');
        if (!restarted && cursor.sinceId !== undefined && /since_id/.test(text)) {
          // The since_id fell out of recent search's window: read the newest page as a first poll does.
          restarted = true;
          cursor = {};
          continue;
        }
        throw new Error("x answered 400: the request was refused, check the target's query");
      }
      if (res.status === 401 || res.status === 403) throw new Error(`x answered ${res.status}: the bearerToken is invalid or the app's access level does not include recent search`);
      if (!res.ok) throw new Error(`x answered ${res.status}`);
      const body = parseBody(SearchSchema, await readJson(res, LABEL), LABEL);
      const tweets = validItems(TweetSchema, body.data ?? [], `${LABEL} posts`).items;
      const users = new Map(validItems(UserSchema, body.includes?.users ?? [], `${LABEL} users`).items.map((u) => [u.id, u]));
      const sinceId = cursor.sinceId;
      // Posts at or below since_id, or already delivered by this poll, are never emitted again.
      const fresh = tweets.filter((t) => (sinceId === undefined || compareDecimalIds(t.id, sinceId) > 0) && !delivered.has(t.id));
      for (const t of fresh) delivered.add(t.id);
      const events = [...fresh].reverse().flatMap((t) => tweetEvents(t, users.get(t.author_id), own, settings.accountId, now));
      const newestOfPage = tweets.reduce<string | undefined>((max, t) => (max === undefined || compareDecimalIds(t.id, max) > 0 ? t.id : max), undefined);
      const bodyNewest = body.meta.newest_id ?? newestOfPage;
      let newest = cursor.pending?.newestId ?? bodyNewest ?? sinceId;
      if (newest !== undefined && sinceId !== undefined && compareDecimalIds(newest, sinceId) < 0) newest = sinceId;
      const nextToken = body.meta.next_token;
      const pages = (cursor.pending?.pages ?? 0) + 1;
      // The pass ends at the last page, and also when a page is empty, repeats a token, brings nothing new, or the pass is too long.
      const stalled = (body.data ?? []).length === 0 || (tweets.length > 0 && fresh.length === 0) || (nextToken !== undefined && tokensUsed.has(nextToken)) || pages >= MAX_PAGES_PER_PASS;
      const next: Cursor =
        !firstPoll && nextToken && newest && !stalled ? { ...(sinceId && { sinceId }), pending: { newestId: newest, nextToken, pages } } : newest ? { sinceId: newest } : {};
      yield { events, state: { ...state, cursor: JSON.stringify(next) } };
      const remaining = res.headers.get('x-rate-limit-remaining');
      if (remaining !== null && remaining.trim() !== '' && Number(remaining) <= 0) {
        throw new RateLimitedError(clampWaitMs(resetWaitMs(res.headers.get('x-rate-limit-reset'), now), RATE_LIMIT_FALLBACK_MS), 'x rate limit reached (x-rate-limit-remaining: 0)');
      }
      if (!next.pending) return;
      cursor = next;
    }
  },
};

function kindOf(tweet: Tweet): { kind: EngagementKind; parentId?: string } {
  const refs = tweet.referenced_tweets ?? [];
  const ref = (type: string) => refs.find((r) => r.type === type)?.id;
  const retweeted = ref('retweeted');
  if (retweeted) return { kind: 'share', parentId: retweeted };
  const repliedTo = ref('replied_to');
  if (repliedTo) return { kind: 'reply', parentId: repliedTo };
  const quoted = ref('quoted');
  if (quoted) return { kind: 'share', parentId: quoted };
  return { kind: 'mention' };
}

/** X escapes exactly these three in post text; one pass so "&amp;lt;" stays "&lt;". */
const unescapeText = (text: string) => text.replace(/&(amp|lt|gt);/g, (_, name: string) => (name === 'amp' ? '&' : name === 'lt' ? '<' : '>'));

function tweetEvents(tweet: Tweet, user: User | undefined, own: ReadonlySet<string>, accountId: string | undefined, now: Date): NormalizedEvent[] {
  if (own.has(tweet.author_id)) return [];
  const { kind, parentId } = kindOf(tweet);
  const original = tweet.edit_history_tweet_ids?.[0];
  const edited = original !== undefined && original !== tweet.id;
  const conversationId = tweet.conversation_id;
  const thread = parentId || conversationId ? { ...(parentId && { parentId }), ...(conversationId && { conversationId }) } : undefined;
  const draft: EngagementDraft = {
    platform: 'x',
    kind,
    externalId: edited ? original : tweet.id,
    url: user?.username ? `https://x.com/${encodeURIComponent(user.username)}/status/${tweet.id}` : `https://x.com/i/status/${tweet.id}`,
    text: unescapeText(tweet.note_tweet?.text ?? tweet.text),
    createdAt: tweet.created_at ? new Date(tweet.created_at).toISOString() : now.toISOString(),
    author: {
      id: tweet.author_id,
      handle: user?.username ?? '',
      name: user?.name ?? '',
      ...(user?.public_metrics?.followers_count != null && { followers: user.public_metrics.followers_count }),
      ...(user?.verified != null && { verified: user.verified }),
    },
    ...(accountId && { account: { id: accountId } }),
    ...(thread && { thread }),
  };
  return [{ change: edited ? 'edited' : 'created', draft }];
}
