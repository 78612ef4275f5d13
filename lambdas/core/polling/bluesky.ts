import * as z from 'zod';
import type { EngagementDraft, EngagementKind } from '../engagement/engagement.schema.js';
import { BLUESKY_REASONS, BlueskyTargetSchema } from '../config/poll-targets.schema.js';
import {
  credentialedPoller,
  digest,
  discard,
  failUnlessOk,
  parseBody,
  pollFetch,
  quotaSpent,
  readJson,
  validItems,
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

const PAGE_SIZE = 100;
const SEEN_LIMIT = 1000;
/** The PDS window is five minutes. */
const LIMITS: RateLimits = { fallbackMs: 5 * 60_000, reset: ['RateLimit-Reset'], remaining: ['RateLimit-Remaining'] };
const SESSION_MARGIN_MS = 60_000;
/** How long an access token is trusted when its `exp` cannot be read. */
const UNKNOWN_EXPIRY_MS = 15 * 60_000;

const SessionSchema = z.object({
  accessJwt: z.string().min(1),
  refreshJwt: z.string().min(1),
  did: z.string().startsWith('did:'),
  handle: z.string(),
});
const ProfileSchema = z.object({
  did: z.string().startsWith('did:'),
  handle: z.string(),
  displayName: z.string().nullish(),
});
const NotificationSchema = z.object({
  uri: z.string().startsWith('at://'),
  author: ProfileSchema,
  reason: z.string(),
  reasonSubject: z.string().nullish(),
  record: z.unknown().optional(),
  indexedAt: z.string().refine((s) => Number.isFinite(Date.parse(s))),
});
const PostViewSchema = z.object({
  uri: z.string().startsWith('at://'),
  author: ProfileSchema,
  record: z.unknown().optional(),
  indexedAt: z.string().refine((s) => Number.isFinite(Date.parse(s))),
});
const NotificationsSchema = z.object({ cursor: z.string().nullish(), notifications: z.array(z.unknown()) });
const SearchSchema = z.object({ cursor: z.string().nullish(), posts: z.array(z.unknown()) });
const ErrorNameSchema = z.object({ error: z.string().regex(/^[A-Za-z]{1,64}$/) });

/** The parts of an `app.bsky.feed.post` record the mapping reads; anything else is tolerated. */
const PostRecordSchema = z.object({
  text: z.string().catch(''),
  createdAt: z.string().optional().catch(undefined),
  reply: z
    .object({ root: z.object({ uri: z.string() }), parent: z.object({ uri: z.string() }) })
    .optional()
    .catch(undefined),
  langs: z.array(z.string()).optional().catch(undefined),
  facets: z
    .array(
      z
        .object({
          features: z.array(z.object({ $type: z.string().optional(), did: z.string().optional() }).catch({})).catch([]),
        })
        .catch({ features: [] }),
    )
    .optional()
    .catch(undefined),
  embed: z.object({ $type: z.string().optional() }).optional().catch(undefined),
});
type PostRecord = z.infer<typeof PostRecordSchema>;
type Profile = z.infer<typeof ProfileSchema>;

interface Session {
  accessJwt: string;
  refreshJwt: string;
  did: string;
  handle: string;
  expiresAt: number;
}

/** `at://<did>/app.bsky.feed.post/<rkey>` → its bsky.app page (❓ URL convention; DIDs are accepted there). */
function postUrl(uri: string | null | undefined): string | undefined {
  const m = uri ? /^at:\/\/(did:[^/]+)\/app\.bsky\.feed\.post\/([A-Za-z0-9._~:-]+)$/.exec(uri) : null;
  return m ? `https://bsky.app/profile/${m[1]}/post/${m[2]}` : undefined;
}

/** The repository (author) DID of an AT-URI. */
const didOf = (uri: string | undefined) => (uri ? /^at:\/\/(did:[^/]+)\//.exec(uri)?.[1] : undefined);

/** Seconds of a JWT's `exp`, read without verifying (the token is only handed back to its issuer). */
function jwtExpiry(jwt: string, now: Date): number {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    if (typeof payload.exp === 'number' && Number.isFinite(payload.exp)) return payload.exp * 1000;
  } catch {
    // not a readable JWT: trust it briefly
  }
  return now.getTime() + UNKNOWN_EXPIRY_MS;
}

const iso = (text: string | undefined, fallback: string): string => {
  const ms = text === undefined ? NaN : Date.parse(text);
  return new Date(Number.isFinite(ms) ? ms : Date.parse(fallback)).toISOString();
};

const language = (record: PostRecord) => {
  const m = /^([a-z]{2})(?:-|$)/i.exec(record.langs?.[0] ?? '');
  return m ? { language: m[1]!.toLowerCase() } : {};
};

const author = (p: Profile) => ({ id: p.did, handle: p.handle, name: p.displayName ?? '' });

/**
 * Bluesky (platforms.md §10, AT Protocol), secret `{ identifier, appPassword }` (the company
 * account's handle or DID and an app password). Logs in with `com.atproto.server.createSession`
 * at the target's `serviceUrl` and keeps the session in memory (per account): the access JWT is
 * used until a minute before its `exp`, then renewed with `refreshSession` (falling back to a new
 * login), and renewed once when a request answers 401 or `ExpiredToken`/`InvalidToken` — so
 * createSession's 30 / 5 min and 300 / day per account (✅) are not spent by polling.
 *
 * - `mode: notifications` (✅ lexicon): `GET /xrpc/app.bsky.notification.listNotifications`,
 *   `limit=100`, `cursor`; newest first by `indexedAt`.
 * - `mode: search` (✅ lexicon): `GET /xrpc/app.bsky.feed.searchPosts?q=…&sort=latest&limit=100`,
 *   `cursor`, through the PDS with the session (searchPosts may refuse anonymous callers ✅).
 * Items are emitted once by {@link walkNewestFirst}; the first poll emits the newest page only.
 *
 * Rate limits (✅ docs; header format ✅ atproto source): 429 → {@link RateLimitedError} after
 * Retry-After, else `RateLimit-Reset` (a Unix time in seconds), else five minutes; 503 with
 * Retry-After likewise. `RateLimit-Remaining` below 1 → the page is delivered, then the poll
 * stops with {@link RateLimitedError} until `RateLimit-Reset`.
 *
 * Choices where platforms.md is unconfirmed (◐/❓) or silent:
 * - Order and stop: notifications by `indexedAt`; search results by the earlier of
 *   `record.createdAt` and `indexedAt` (the AppView's sort time ◐), walking fifteen minutes below
 *   the last poll's newest time because posts are indexed late; repeats are told apart by AT-URI.
 *   `since` is not sent (its time base is ◐) and `updateSeen` is never called (the account's
 *   read state belongs to the people using it).
 * - Mapping: externalId = the AT-URI of the record (✅ dedup key); author = `did`, `handle`,
 *   `displayName` (no follower count: it costs a getProfile per author ❓); text = `record.text`;
 *   createdAt = `record.createdAt` (client-set), else `indexedAt`; language from `record.langs[0]`
 *   when it is an ISO 639-1 code; url = `https://bsky.app/profile/<did>/post/<rkey>` (❓
 *   convention) for posts, the liked/reposted post's for likes and reposts; `thread.parentId` =
 *   `record.reply.parent.uri`, `thread.conversationId` = `record.reply.root.uri` (else the post's
 *   own AT-URI). account = the session's DID and handle for notifications; for search results
 *   only when the post mentions the account or replies in one of its threads.
 * - Notification kinds: mention → mention, reply → reply, quote → share (with its text, parent =
 *   the quoted post), repost → share and like → reaction (empty text: the words are the
 *   company's own; parent = `reasonSubject`); follows yield nothing. Newer reasons (❓) are
 *   emitted as `post` when their record is a post with text (reason `other`), else passed over.
 * - Search kinds: reply (has `record.reply`) › mention (a mention facet names the account's DID
 *   ❓ facet shape) › share (embeds a record) › post.
 * - The company's own activity: anything authored by the session's DID or by `ownAccounts`
 *   (DIDs, or handles case-insensitively) is not emitted.
 * - Redirects are not followed (the JWT stays with `serviceUrl`); no conditional requests (the
 *   XRPC endpoints document none).
 */
export function createBlueskyPoller(): Poller {
  const sessions = new Map<string, Promise<Session>>();

  return credentialedPoller(
    'bluesky',
    BlueskyTargetSchema,
    ['identifier', 'appPassword'],
    async function* (t, { identifier, appPassword }, state, { fetch, now, signal, log }) {
      const service = t.serviceUrl;
      const cacheKey = `${service}\u0000${identifier}\u0000${digest(appPassword)}`;

      const sessionFrom = async (res: Response, what: string): Promise<Session> => {
        const body = parseBody(SessionSchema, await readJson(res, what), what);
        return {
          accessJwt: body.accessJwt,
          refreshJwt: body.refreshJwt,
          did: body.did,
          handle: body.handle,
          expiresAt: jwtExpiry(body.accessJwt, now),
        };
      };

      const login = async (): Promise<Session> => {
        const res = await pollFetch(
          fetch,
          `${service}/xrpc/com.atproto.server.createSession`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/json' },
            body: JSON.stringify({ identifier, password: appPassword }),
          },
          'bluesky createSession',
          signal,
        );
        if (res.status === 400 || res.status === 401) {
          const name = await errorName(res);
          throw new Error(
            `bluesky refused the login (${res.status}${name}); check identifier and appPassword in the bluesky secret`,
          );
        }
        await failUnlessOk(res, now, LIMITS, 'bluesky createSession');
        return sessionFrom(res, 'bluesky createSession');
      };

      /** Renews with the refresh JWT; a refused refresh (expired, revoked) falls back to a login. */
      const renew = async (old: Session | undefined): Promise<Session> => {
        if (!old) return login();
        const res = await pollFetch(
          fetch,
          `${service}/xrpc/com.atproto.server.refreshSession`,
          { method: 'POST', headers: { authorization: `Bearer ${old.refreshJwt}`, accept: 'application/json' } },
          'bluesky refreshSession',
          signal,
        );
        if (res.status === 400 || res.status === 401) {
          await discard(res);
          return login();
        }
        await failUnlessOk(res, now, LIMITS, 'bluesky refreshSession');
        return sessionFrom(res, 'bluesky refreshSession');
      };

      /** The cached session, renewed when it is about to expire or `stale` (an access JWT) was refused. */
      const session = async (stale?: string): Promise<Session> => {
        const cached = sessions.get(cacheKey);
        const current = cached ? await cached.catch(() => undefined) : undefined;
        if (cached && sessions.get(cacheKey) !== cached) return session(stale);
        if (current && current.accessJwt !== stale && current.expiresAt - SESSION_MARGIN_MS > now.getTime())
          return current;
        const pending = renew(current);
        sessions.set(cacheKey, pending);
        pending.catch(() => sessions.get(cacheKey) === pending && sessions.delete(cacheKey));
        return pending;
      };

      const method = t.mode === 'search' ? 'app.bsky.feed.searchPosts' : 'app.bsky.notification.listNotifications';
      const source = t.mode === 'search' ? `search:${t.query}` : 'notifications';
      const reasons = new Set<string>(t.reasons ?? BLUESKY_REASONS);
      const ownDids = new Set(t.ownAccounts.filter((a) => a.startsWith('did:')));
      const ownHandles = new Set(t.ownAccounts.filter((a) => !a.startsWith('did:')).map((a) => a.toLowerCase()));
      let me: Session | undefined;
      const isOwn = (p: Profile) => p.did === me?.did || ownDids.has(p.did) || ownHandles.has(p.handle.toLowerCase());

      const call = (url: URL, s: Session) =>
        pollFetch(
          fetch,
          url,
          { headers: { authorization: `Bearer ${s.accessJwt}`, accept: 'application/json' } },
          `bluesky ${method}`,
          signal,
        );
      const refused = async (res: Response): Promise<boolean> => {
        if (res.status === 401) return true;
        if (res.status !== 400) return false;
        const name = ErrorNameSchema.safeParse(
          await res
            .clone()
            .json()
            .catch(() => undefined),
        );
        return name.success && (name.data.error === 'ExpiredToken' || name.data.error === 'InvalidToken');
      };

      const fetchPage = async (cursor: string | undefined): Promise<WalkPage> => {
        const url = new URL(`${service}/xrpc/${method}`);
        if (t.mode === 'search') {
          url.searchParams.set('q', t.query!);
          url.searchParams.set('sort', 'latest');
        }
        url.searchParams.set('limit', String(PAGE_SIZE));
        if (cursor) url.searchParams.set('cursor', cursor);
        me = await session();
        let res = await call(url, me);
        if (await refused(res)) {
          await discard(res);
          me = await session(me.accessJwt);
          res = await call(url, me);
          if (await refused(res)) {
            const name = await errorName(res);
            throw new Error(`bluesky refused a renewed session for ${method} (${res.status}${name})`);
          }
        }
        const name = res.ok ? '' : await errorName(res.clone());
        await failUnlessOk(res, now, LIMITS, `bluesky ${method}`, name && ` (${name.slice(1)})`);
        const body = await readJson(res, `bluesky ${method}`);
        const page = t.mode === 'search' ? searchPage(body) : notificationsPage(body);
        const spent = quotaSpent(res, now, LIMITS, `bluesky ${method}`);
        return { ...page, ...(spent && { rateLimited: spent }) };
      };

      const notificationsPage = (body: unknown): Omit<WalkPage, 'rateLimited'> => {
        const page = parseBody(NotificationsSchema, body, `bluesky ${method}`);
        const items = validItems(NotificationSchema, page.notifications, `bluesky ${method}`, log).map(
          (n): WalkItem => {
            const at = Date.parse(n.indexedAt);
            const draft = isOwn(n.author) ? undefined : notificationDraft(n, me!);
            return { key: n.uri, at, ...(draft && { event: { change: 'created', draft } }) };
          },
        );
        return { items, ...(page.cursor && { next: page.cursor }) };
      };

      const notificationDraft = (n: z.infer<typeof NotificationSchema>, s: Session): EngagementDraft | undefined => {
        const record = PostRecordSchema.safeParse(n.record ?? {});
        const post: PostRecord = record.success ? record.data : { text: '' };
        const isPost = (n.record as { $type?: unknown } | null)?.$type === 'app.bsky.feed.post';
        const base = {
          createdAt: iso(post.createdAt, n.indexedAt),
          author: author(n.author),
          account: { id: s.did, handle: s.handle },
        };
        const wanted = (reason: (typeof BLUESKY_REASONS)[number]) => reasons.has(reason);
        switch (n.reason) {
          case 'follow':
            return undefined;
          case 'like':
          case 'repost': {
            if (!wanted(n.reason)) return undefined;
            const url = postUrl(n.reasonSubject);
            return {
              platform: 'bluesky',
              kind: n.reason === 'like' ? 'reaction' : 'share',
              externalId: n.uri,
              ...(url && { url }),
              text: '',
              ...base,
              ...(n.reasonSubject && { thread: { parentId: n.reasonSubject } }),
            };
          }
          case 'mention':
          case 'reply':
          case 'quote': {
            if (!wanted(n.reason)) return undefined;
            const kind: EngagementKind = n.reason === 'quote' ? 'share' : n.reason;
            const parentId =
              post.reply?.parent.uri ?? (n.reason === 'quote' ? (n.reasonSubject ?? undefined) : undefined);
            return postDraft(n.uri, kind, post, base, parentId);
          }
          default:
            if (!wanted('other') || !isPost || !post.text) return undefined;
            return postDraft(n.uri, 'post', post, base, post.reply?.parent.uri);
        }
      };

      const postDraft = (
        uri: string,
        kind: EngagementKind,
        post: PostRecord,
        base: Pick<EngagementDraft, 'createdAt' | 'author' | 'account'>,
        parentId: string | undefined,
      ): EngagementDraft => {
        const url = postUrl(uri);
        return {
          platform: 'bluesky',
          kind,
          externalId: uri,
          ...(url && { url }),
          text: post.text,
          ...language(post),
          ...base,
          thread: { ...(parentId && { parentId }), conversationId: post.reply?.root.uri ?? uri },
        };
      };

      const searchPage = (body: unknown): Omit<WalkPage, 'rateLimited'> => {
        const page = parseBody(SearchSchema, body, `bluesky ${method}`);
        const items = validItems(PostViewSchema, page.posts, `bluesky ${method}`, log).map((p): WalkItem => {
          const record = PostRecordSchema.safeParse(p.record ?? {});
          const post: PostRecord = record.success ? record.data : { text: '' };
          const indexed = Date.parse(p.indexedAt);
          const created = post.createdAt === undefined ? NaN : Date.parse(post.createdAt);
          const at = Number.isFinite(created) ? Math.min(created, indexed) : indexed;
          if (isOwn(p.author)) return { key: p.uri, at };
          const mentionsMe =
            post.facets?.some((f) =>
              f.features.some((x) => x.$type === 'app.bsky.richtext.facet#mention' && x.did === me!.did),
            ) ?? false;
          const quotes =
            post.embed?.$type === 'app.bsky.embed.record' || post.embed?.$type === 'app.bsky.embed.recordWithMedia';
          const kind: EngagementKind = post.reply ? 'reply' : mentionsMe ? 'mention' : quotes ? 'share' : 'post';
          // The account is engaged when the post mentions it or answers in one of its threads.
          const engaged =
            mentionsMe || didOf(post.reply?.parent.uri) === me!.did || didOf(post.reply?.root.uri) === me!.did;
          const base = {
            createdAt: iso(post.createdAt, p.indexedAt),
            author: author(p.author),
            ...(engaged && { account: { id: me!.did, handle: me!.handle } }),
          };
          return {
            key: p.uri,
            at,
            event: { change: 'created', draft: postDraft(p.uri, kind, post, base, post.reply?.parent.uri) },
          };
        });
        return { items, ...(page.cursor && { next: page.cursor }) };
      };

      yield* walkNewestFirst({
        source,
        state,
        now,
        slackMs: t.mode === 'search' ? SEARCH_SLACK_MS : LISTING_SLACK_MS,
        seenLimit: SEEN_LIMIT,
        log,
        fetchPage,
      });
    },
  );
}

/** The XRPC error name of a failed answer (`ExpiredToken`), as ` ExpiredToken`, or ''; the body is consumed. */
async function errorName(res: Response): Promise<string> {
  const parsed = ErrorNameSchema.safeParse(await res.json().catch(() => undefined));
  return parsed.success ? ` ${parsed.data.error}` : '';
}

/** The registered Bluesky poller (one session cache per Lambda container). */
export const blueskyPoller: Poller = createBlueskyPoller();
