import * as z from 'zod';
import type { EngagementDraft } from '../engagement/engagement.schema.js';
import { RedditTargetSchema, type RedditTarget } from '../config/poll-targets.schema.js';
import {
  credentialedPoller,
  digest,
  discard,
  failUnlessOk,
  parseBody,
  pollFetch,
  quotaSpent,
  readJson,
  reportSkipped,
  type RateLimits,
} from './http.js';
import {
  LISTING_SLACK_MS,
  SEARCH_SLACK_MS,
  walkNewestFirst,
  type WalkItem,
  type WalkPage,
} from './newest-first-walk.js';
import type { Poller } from './poller.js';

const DEFAULT_USER_AGENT =
  'server:switchboard:0.1.0 (engagement listening; set userAgent to name your app and Reddit account)';
const PAGE_SIZE = 100;
const SEEN_LIMIT = 2000;
/** Reddit's window is ten minutes: the longest a spent quota can last. */
const LIMITS: RateLimits = {
  fallbackMs: 10 * 60_000,
  reset: ['X-Ratelimit-Reset'],
  remaining: ['X-Ratelimit-Remaining'],
};
const TOKEN_MARGIN_MS = 60_000;

const TokenSchema = z.object({ access_token: z.string().min(1), expires_in: z.number().positive().optional() });

const ThingBase = z.object({
  name: z.string().regex(/^t[0-9]_[0-9a-z]+$/),
  author: z.string(),
  author_fullname: z.string().nullish(),
  created_utc: z.number(),
  permalink: z.string().startsWith('/'),
  subreddit: z.string(),
});
const PostSchema = ThingBase.extend({ title: z.string(), selftext: z.string().nullish() });
const CommentSchema = ThingBase.extend({ body: z.string(), link_id: z.string(), parent_id: z.string() });
const ListingSchema = z.object({
  kind: z.literal('Listing'),
  data: z.object({
    after: z.string().nullish(),
    children: z.array(z.object({ kind: z.string(), data: z.record(z.string(), z.unknown()) })),
  }),
});

interface Token {
  value: string;
  expiresAt: number;
}

/** The API path and query of a target, and a name for it in messages and the cursor. */
function listingOf(t: RedditTarget): { source: string; path: string; params: Record<string, string>; search: boolean } {
  if (t.query) {
    const params = { q: t.query, sort: 'new', type: 'link', ...(t.subreddit && { restrict_sr: '1' }) };
    return {
      source: `search:${t.subreddit ? `r/${t.subreddit}:` : ''}${t.query}`,
      path: t.subreddit ? `/r/${t.subreddit}/search` : '/search',
      params,
      search: true,
    };
  }
  const path = `/r/${t.subreddit}/${t.listing === 'comments' ? 'comments' : 'new'}`;
  return { source: path.slice(1), path, params: {}, search: false };
}

/**
 * Reddit (platforms.md §8, polling only), secret `{ clientId, clientSecret }` of a "script" or
 * "web" app. Application-only OAuth: `POST {authBaseUrl}/api/v1/access_token` with
 * `grant_type=client_credentials` and HTTP Basic `clientId:clientSecret`; the bearer token is kept
 * in memory (per credentials) until a minute before `expires_in` and renewed once on a 401.
 * Every request carries the target's `userAgent` (✅ required).
 *
 * Sources: `GET /r/{sub}/new` (posts), `GET /r/{sub}/comments` (comments), `GET /search` or
 * `GET /r/{sub}/search?restrict_sr=1` (`sort=new`, `type=link`: posts only), `limit=100`,
 * `raw_json=1` (text without HTML entity escaping). Items are emitted once, newest page first,
 * by {@link walkNewestFirst} on `after` fullnames; the first poll emits the newest page only.
 *
 * Rate limits (✅ headers): 429 → {@link RateLimitedError} after Retry-After, else
 * `X-Ratelimit-Reset` (seconds), else ten minutes; 503 with Retry-After likewise.
 * `X-Ratelimit-Remaining` below 1 → the page is delivered, then the poll stops with
 * {@link RateLimitedError} until `X-Ratelimit-Reset`.
 *
 * Choices where platforms.md is unconfirmed (◐/❓) or silent:
 * - Endpoints, listing envelope and thing fields are ◐: a body that does not match is an Error
 *   (nothing emitted); children of other kinds (`t5`, `more`) are passed over.
 * - `before=` is not used (❓ breaks when the anchor is removed): the walk goes down with `after`
 *   from the newest page to the last poll's newest time (less two minutes for listings, fifteen
 *   for search, whose index may lag), telling repeats apart by fullname. A resumed `after` whose
 *   page comes back empty (anchor removed) restarts from the newest page.
 * - Redirects are not followed (Reddit redirects unknown subreddits to a search page; the token
 *   stays with the configured host): a redirect is an Error.
 * - Mapping: externalId = fullname (`t3_…`, `t1_…`, base-36 strings kept as they are); posts are
 *   `post` with text `title` + blank line + `selftext` and `thread.conversationId` = fullname;
 *   comments are `comment` (parent `t3_`) or `reply` (parent `t1_`) with text `body`,
 *   `thread.parentId` = `parent_id`, `thread.conversationId` = `link_id`. author id =
 *   `author_fullname` (else the name, e.g. `[deleted]`), handle and name = `author` (no follower
 *   count: listings carry none). url = `https://www.reddit.com` + `permalink`; createdAt =
 *   `created_utc`. account = `r/<subreddit>` for subreddit listings, none for searches.
 * - Edits and deletions of items already emitted are not reported (listings show new items).
 * - Posts and comments by `ownAccounts` (case-insensitive) are not emitted.
 * - No conditional requests: Reddit documents no ETag/Last-Modified for listings.
 */
export function createRedditPoller(): Poller {
  const tokens = new Map<string, Promise<Token>>();

  return credentialedPoller(
    'reddit',
    RedditTargetSchema,
    ['clientId', 'clientSecret'],
    async function* (t, { clientId, clientSecret }, state, { fetch, now, signal, log }) {
      const userAgent = t.userAgent ?? DEFAULT_USER_AGENT;
      const cacheKey = `${t.authBaseUrl}\u0000${clientId}\u0000${digest(clientSecret)}`;

      const requestToken = async (): Promise<Token> => {
        const res = await pollFetch(
          fetch,
          `${t.authBaseUrl}/api/v1/access_token`,
          {
            method: 'POST',
            headers: {
              authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
              'content-type': 'application/x-www-form-urlencoded',
              accept: 'application/json',
              'user-agent': userAgent,
            },
            body: 'grant_type=client_credentials',
          },
          'reddit token endpoint',
          signal,
        );
        if (res.status === 401 || res.status === 403) {
          await discard(res);
          throw new Error(
            `reddit refused the app credentials (${res.status}); check clientId and clientSecret in the reddit secret`,
          );
        }
        await failUnlessOk(res, now, LIMITS, 'reddit token endpoint');
        const body = parseBody(TokenSchema, await readJson(res, 'reddit token endpoint'), 'reddit token endpoint');
        return {
          value: body.access_token,
          expiresAt: now.getTime() + (body.expires_in ?? 3600) * 1000 - TOKEN_MARGIN_MS,
        };
      };

      /** The cached token, or a new one when it has expired or `stale` was refused. */
      const token = async (stale?: string): Promise<string> => {
        const cached = tokens.get(cacheKey);
        if (cached) {
          const current = await cached.catch(() => undefined);
          if (current && current.value !== stale && current.expiresAt > now.getTime()) return current.value;
          if (tokens.get(cacheKey) !== cached) return token(stale);
        }
        const pending = requestToken();
        tokens.set(cacheKey, pending);
        pending.catch(() => tokens.get(cacheKey) === pending && tokens.delete(cacheKey));
        return (await pending).value;
      };

      const { source, path, params, search } = listingOf(t);
      const own = new Set(t.ownAccounts.map((a) => a.toLowerCase()));
      const listingAccount = !search;

      const get = async (url: URL, bearer: string) =>
        pollFetch(
          fetch,
          url,
          { headers: { authorization: `bearer ${bearer}`, accept: 'application/json', 'user-agent': userAgent } },
          `reddit ${source}`,
          signal,
        );

      const fetchPage = async (after: string | undefined): Promise<WalkPage> => {
        const url = new URL(`${t.apiBaseUrl}${path}`);
        for (const [k, v] of Object.entries({
          ...params,
          limit: String(PAGE_SIZE),
          raw_json: '1',
          ...(after && { after }),
        }))
          url.searchParams.set(k, v);
        const first = await token();
        let res = await get(url, first);
        if (res.status === 401) {
          await discard(res);
          res = await get(url, await token(first));
          if (res.status === 401) {
            await discard(res);
            throw new Error(`reddit refused a new app-only token for ${source} (401)`);
          }
        }
        await failUnlessOk(res, now, LIMITS, `reddit ${source}`);
        const listing = parseBody(ListingSchema, await readJson(res, `reddit ${source}`), `reddit ${source}`);
        const results = listing.data.children.map((child) => thing(child.kind, child.data));
        const items = results.flatMap((r) => r ?? []);
        const invalid = results.filter((r) => r === undefined).length;
        if (invalid > 0) reportSkipped(log, `reddit ${source}`, invalid);
        const spent = quotaSpent(res, now, LIMITS, `reddit ${source}`);
        return { items, ...(listing.data.after && { next: listing.data.after }), ...(spent && { rateLimited: spent }) };
      };

      /** The walk items of a child; undefined when it is malformed (it is skipped, the walk goes on past it). */
      const thing = (kind: string, data: unknown): WalkItem[] | undefined => {
        if (kind === 't3') {
          const parsed = PostSchema.safeParse(data);
          if (!parsed.success) return undefined;
          const post = parsed.data;
          const text = post.selftext ? `${post.title}\n\n${post.selftext}` : post.title;
          return [item(post, { kind: 'post', text, thread: { conversationId: post.name } })];
        }
        if (kind === 't1') {
          const parsed = CommentSchema.safeParse(data);
          if (!parsed.success) return undefined;
          const comment = parsed.data;
          const kindOf = comment.parent_id.startsWith('t1_') ? 'reply' : 'comment';
          return [
            item(comment, {
              kind: kindOf,
              text: comment.body,
              thread: { parentId: comment.parent_id, conversationId: comment.link_id },
            }),
          ];
        }
        return [];
      };

      const item = (
        thing: z.infer<typeof ThingBase>,
        parts: Pick<EngagementDraft, 'kind' | 'text' | 'thread'>,
      ): WalkItem => {
        const at = Math.round(thing.created_utc * 1000);
        if (own.has(thing.author.toLowerCase())) return { key: thing.name, at };
        const draft: EngagementDraft = {
          platform: 'reddit',
          kind: parts.kind,
          externalId: thing.name,
          url: `https://www.reddit.com${thing.permalink}`,
          text: parts.text,
          createdAt: new Date(at).toISOString(),
          author: { id: thing.author_fullname || thing.author || 'unknown', handle: thing.author, name: thing.author },
          ...(listingAccount && { account: { id: `r/${thing.subreddit}` } }),
          ...(parts.thread && { thread: parts.thread }),
        };
        return { key: thing.name, at, event: { change: 'created', draft } };
      };

      yield* walkNewestFirst({
        source,
        state,
        now,
        slackMs: search ? SEARCH_SLACK_MS : LISTING_SLACK_MS,
        seenLimit: SEEN_LIMIT,
        log,
        fetchPage,
      });
    },
  );
}

/** The registered Reddit poller (one token cache per Lambda container). */
export const redditPoller: Poller = createRedditPoller();
