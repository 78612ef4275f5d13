import * as z from 'zod';
import type { EngagementDraft, EngagementKind } from '../engagement/engagement.schema.js';
import type { NormalizedEvent } from '../platforms/adapter.js';
import { XId, XSearchTargetSchema } from '../config/poll-targets.schema.js';
import {
  credentialedPoller,
  apiUrl,
  getJson,
  parseBody,
  quotaSpent,
  readJson,
  readStoredCursor,
  throwIfRateLimited,
  validItems,
  type RateLimits,
} from './http.js';
import { compareDecimalIds, newestDecimalId } from './decimal-ids.js';
import { MAX_PAGES_PER_POLL, passGuard, walkPages, type PageStep } from './page-walk.js';
import type { Poller } from './poller.js';

const LABEL = 'x';
const LIMITS: RateLimits = {
  fallbackMs: 15 * 60_000,
  reset: ['x-rate-limit-reset'],
  remaining: ['x-rate-limit-remaining'],
};
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
const TWEET_FIELDS =
  'created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,lang,note_tweet,edit_history_tweet_ids';
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
  pending: z
    .object({ newestId: XId, nextToken: z.string().min(1), pages: z.number().int().nonnegative().optional() })
    .optional(),
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
 * - First poll (no cursor, or a stored one that no longer reads: {@link readStoredCursor}): only
 *   the newest page is read and emitted (recent search reaches 7 days back and every post read
 *   is billed), and its `newest_id` becomes `since_id`.
 * - Rate limits (✅): 429, and 503 with a Retry-After (else a failure), → {@link RateLimitedError}
 *   after `Retry-After`, else `x-rate-limit-reset` (unix seconds), else 15 minutes (the toolkit's
 *   one rule, `http.ts`). `x-rate-limit-remaining: 0` on a good answer → the page is delivered,
 *   then the poll stops until the reset (the runner records the wait).
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
export const xSearchPoller: Poller = credentialedPoller(
  'x',
  XSearchTargetSchema,
  ['bearerToken'],
  async function* (settings, { bearerToken: token }, state, { fetch, now, signal, log }) {
    const own = new Set([settings.accountId, ...settings.ownUserIds].filter((id): id is string => id !== undefined));
    // A bare since-id (an older cursor format) is all digits: test that first, since it also reads as JSON.
    let start: Cursor = /^\d{1,20}$/.test(state.cursor ?? '')
      ? { sinceId: state.cursor }
      : (readStoredCursor(CursorSchema, state.cursor, LABEL, log) ?? {});
    // A since_id beyond recent search's 7 days is refused (400) forever: start again as a first poll.
    if (tooOld(start.sinceId, now)) start = {};
    const guard = passGuard(MAX_PAGES_PER_PASS);
    const delivered = new Set<string>();
    let restarted = false;

    yield* walkPages(start, MAX_PAGES_PER_POLL, async (cursor): Promise<PageStep<Cursor>> => {
      const firstPoll = cursor.sinceId === undefined && cursor.pending === undefined;
      guard.request(cursor.pending?.nextToken);
      const url = apiUrl(settings.apiBaseUrl, '/2/tweets/search/recent', [
        ['query', settings.query],
        ['max_results', String(settings.maxResults)],
        ['since_id', cursor.sinceId],
        ['next_token', cursor.pending?.nextToken],
        ['tweet.fields', TWEET_FIELDS],
        ['expansions', 'author_id'],
        ['user.fields', USER_FIELDS],
      ]);
      const res = await getJson(fetch, url, { authorization: `Bearer ${token}` }, LABEL, signal);
      await throwIfRateLimited(res, now, LIMITS, LABEL);
      if (res.status === 400) {
        const text = await res.text().catch(() => '');
        if (!restarted && cursor.sinceId !== undefined && /since_id/.test(text)) {
          // The since_id fell out of recent search's window: read the newest page as a first poll does.
          restarted = true;
          return { next: {} };
        }
        throw new Error("x answered 400: the request was refused, check the target's query");
      }
      if (res.status === 401 || res.status === 403)
        throw new Error(
          `x answered ${res.status}: the bearerToken is invalid or the app's access level does not include recent search`,
        );
      if (!res.ok) throw new Error(`x answered ${res.status}`);
      const body = parseBody(SearchSchema, await readJson(res, LABEL, { exactIntegers: false }), LABEL);
      const tweets = validItems(TweetSchema, body.data ?? [], `${LABEL} posts`, log);
      const users = new Map(
        validItems(UserSchema, body.includes?.users ?? [], `${LABEL} users`, log).map((u) => [u.id, u]),
      );
      const sinceId = cursor.sinceId;
      // Posts at or below since_id, or already delivered by this poll, are never emitted again.
      const fresh = tweets.filter(
        (t) => (sinceId === undefined || compareDecimalIds(t.id, sinceId) > 0) && !delivered.has(t.id),
      );
      for (const t of fresh) delivered.add(t.id);
      const events = [...fresh]
        .reverse()
        .flatMap((t) => tweetEvents(t, users.get(t.author_id), own, settings.accountId, now));
      const bodyNewest = body.meta.newest_id ?? newestDecimalId(tweets.map((t) => t.id));
      let newest = cursor.pending?.newestId ?? bodyNewest ?? sinceId;
      if (newest !== undefined && sinceId !== undefined && compareDecimalIds(newest, sinceId) < 0) newest = sinceId;
      const nextToken = body.meta.next_token;
      const pages = (cursor.pending?.pages ?? 0) + 1;
      // The pass ends at the last page, and also when a page is empty, repeats a token, brings nothing new, or the pass is too long.
      const stalled =
        guard.ends(nextToken, pages, (body.data ?? []).length === 0) || (tweets.length > 0 && fresh.length === 0);
      const next: Cursor =
        !firstPoll && nextToken && newest && !stalled
          ? { ...(sinceId && { sinceId }), pending: { newestId: newest, nextToken, pages } }
          : newest
            ? { sinceId: newest }
            : {};
      const spent = quotaSpent(res, now, LIMITS, LABEL);
      return {
        page: { events, state: { ...state, cursor: JSON.stringify(next) } },
        ...(next.pending && { next }),
        ...(spent && { rateLimited: spent }),
      };
    });
  },
);

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
const unescapeText = (text: string) =>
  text.replace(/&(amp|lt|gt);/g, (_, name: string) => (name === 'amp' ? '&' : name === 'lt' ? '<' : '>'));

function tweetEvents(
  tweet: Tweet,
  user: User | undefined,
  own: ReadonlySet<string>,
  accountId: string | undefined,
  now: Date,
): NormalizedEvent[] {
  if (own.has(tweet.author_id)) return [];
  const { kind, parentId } = kindOf(tweet);
  const original = tweet.edit_history_tweet_ids?.[0];
  const edited = original !== undefined && original !== tweet.id;
  const conversationId = tweet.conversation_id;
  const thread =
    parentId || conversationId
      ? { ...(parentId && { parentId }), ...(conversationId && { conversationId }) }
      : undefined;
  const draft: EngagementDraft = {
    platform: 'x',
    kind,
    externalId: edited ? original : tweet.id,
    url: user?.username
      ? `https://x.com/${encodeURIComponent(user.username)}/status/${tweet.id}`
      : `https://x.com/i/status/${tweet.id}`,
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
