import { createHash } from 'node:crypto';
import * as z from 'zod';
import { parseDurationMs } from '../config/duration.js';
import { WordpressTargetSchema, type WordpressTarget } from '../config/poll-targets.schema.js';
import type { EngagementDraft } from '../engagement/engagement.schema.js';
import type { NormalizedEvent, PlatformSecret } from '../platforms/adapter.js';
import {
  answeredErrorCode,
  parseBody,
  pollFetch,
  quotaSpent,
  readJson,
  readStoredCursor,
  throwIfRateLimited,
  validItems,
  type RateLimits,
} from './http.js';
import { walkPages, type PageStep } from './page-walk.js';
import type { Poller, PollPage, PollState, PollTarget } from './poller.js';

const PER_PAGE = 100;
/** Pages one poll fetches at most; the cursor keeps the page, so the next poll goes on from there. */
const MAX_PAGES_PER_POLL = 50;
/** Seen entries kept at most (those older than the next poll's window are dropped first). */
const SEEN_LIMIT = 3000;
/** WordPress core sends no rate-limit headers; hosts and security plugins may. */
const LIMITS: RateLimits = {
  fallbackMs: 15 * 60_000,
  reset: ['X-RateLimit-Reset', 'RateLimit-Reset'],
  remaining: ['X-RateLimit-Remaining', 'RateLimit-Remaining'],
};
const USER_AGENT = 'Switchboard/0.1 (wordpress comments poller; +https://github.com/switchboard)';

/** A whole number as sent (numbers while exact; digit strings past 2^53, as the precise JSON reader leaves them). */
const WpId = z
  .union([
    z.number().int().nonnegative().refine(Number.isSafeInteger, 'a number beyond 2^53 that lost digits'),
    z.string().regex(/^\d+$/, 'expected a whole number'),
  ])
  .transform(String);

/** `date_gmt` is "YYYY-MM-DDTHH:MM:SS" in UTC without an offset. */
const GmtDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/, 'expected "YYYY-MM-DDTHH:MM:SS" (UTC)')
  .transform((v, ctx) => {
    const ms = Date.parse(`${v}Z`);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: 'expected a valid date' });
      return z.NEVER;
    }
    return new Date(ms).toISOString();
  });

const CommentSchema = z.object({
  id: WpId,
  post: WpId.default('0'),
  parent: WpId.default('0'),
  author: WpId.default('0'),
  author_name: z.string().default(''),
  author_avatar_urls: z.record(z.string(), z.string()).optional(),
  date_gmt: GmtDate,
  /** Not in core's comment schema (✅ source); honoured when a plugin or host adds it. */
  modified_gmt: GmtDate.nullish(),
  content: z.object({ rendered: z.string() }),
  link: z.string().optional(),
  type: z.string().default('comment'),
  status: z.string().optional(),
});
type Comment = z.output<typeof CommentSchema>;

/** Where a poll stands: the newest comment date delivered, and the page to fetch next while a poll is under way. */
const CursorSchema = z.object({
  newest: z.string().optional(),
  /** The `after` of the last complete poll: later polls never reach further back. */
  floor: z.string().optional(),
  poll: z.object({ after: z.string(), page: z.number().int().positive() }).optional(),
});
type Cursor = z.output<typeof CursorSchema>;

/**
 * Comments of a self-hosted WordPress (or Jetpack) site through the core REST API
 * (platforms.md §13.2): `GET <apiBaseUrl>/wp/v2/comments?after=…&orderby=date&order=asc&per_page=100&page=N`,
 * paged by `X-WP-TotalPages`. Secret keys `username` and `applicationPassword` (an Application
 * Password) are optional: without them the poller reads the public, approved comments
 * anonymously; with them it sends `Authorization: Basic` (needed when the site restricts the
 * REST API, and for `includeHeld`). Both or neither must be set.
 *
 * Cursor: `newest` is the newest `date_gmt` delivered; each poll asks for comments `after`
 * newest − `lookback` (never further back than the previous poll; first poll: now − `backfill`),
 * oldest first, and keeps the next page in
 * the cursor after every page so a poll that fails part-way resumes there. `seen` holds
 * `<id>@<version>@<date>` of the comments in the window, so a comment is emitted once; its
 * version is `modified_gmt` when the site sends one, else a hash of the rendered content, and a
 * new version of a seen comment is an edit.
 *
 * Rate limits: 429, and 503 with Retry-After → {@link RateLimitedError}. WordPress core sends no
 * rate-limit headers; hosts and security plugins that send `X-RateLimit-Remaining: 0` (or
 * `RateLimit-Remaining: 0`) get the current page delivered, then a RateLimitedError until the
 * reset (`X-RateLimit-Reset` / `RateLimit-Reset`, unix seconds or seconds from now; 15 minutes
 * when absent). No conditional requests (core sends no ETag for collections).
 *
 * Choices where the documentation is unconfirmed or silent:
 * - Core comments have no modification date (✅ source: the schema has `date`/`date_gmt` only),
 *   so edits are found by content hash, and only for comments still inside the lookback window.
 *   A plugin that changes how comments render makes seen comments look edited once.
 * - Comments removed (trashed, spammed, deleted, unapproved) between polls cannot be seen: the
 *   list only returns what exists, so no `deleted` event is ever emitted.
 * - `after` compares with the comment's publication date, so a comment approved after sitting in
 *   moderation longer than `lookback` is missed unless `includeHeld` is on.
 * - Only `type=comment` (the API's default) is fetched; pingbacks/trackbacks need authorisation.
 *   kind: `comment`, or `reply` when `parent` ≠ 0 (a type of pingback/trackback → mention,
 *   review → review, should a site's filter return them). text: `content.rendered` as plain text
 *   (paragraphs and line breaks kept, tags dropped, entities decoded); url `link`; createdAt
 *   `date_gmt` (UTC).
 * - externalId is `<site host+path>:<comment id>` (platforms.md's dedup key is site + id; the
 *   WordPress.com webhook adapter uses the bare `comment_ID`, so the two transports do not share
 *   ids). thread.parentId is the parent's externalId, conversationId `<site>:post:<post id>`.
 * - author.id is the WordPress user id when non-zero, else `gravatar:<hash>` from the avatar URL
 *   (a public hash of the e-mail), else `anonymous`; name `author_name`; handle ''.
 * - Comments by `staffUserIds` are dropped (the company's own replies).
 * - A 400 for a page past the end (some versions and plugins answer so) ends the poll.
 */
export const wordpressPoller: Poller = {
  platform: 'wordpress',
  secretKeys: ['username', 'applicationPassword'],
  async *poll(target: PollTarget, state: PollState, { fetch, now, secret, signal, log }): AsyncGenerator<PollPage> {
    const settings = WordpressTargetSchema.parse(target);
    const auth = basicAuth(secret);
    if (settings.includeHeld && !auth)
      throw new Error(
        'wordpress target sets includeHeld, which needs username and applicationPassword in the wordpress secret',
      );
    const site = siteKey(settings.site);
    const cursor: Cursor = readStoredCursor(CursorSchema, state.cursor, 'WordPress', log) ?? {};
    const lookbackMs = parseDurationMs(settings.lookback) ?? 0;
    const after =
      cursor.poll?.after ??
      nextAfter(cursor, lookbackMs) ??
      iso(now.getTime() - (parseDurationMs(settings.backfill) ?? 0));
    let newest = cursor.newest;
    const seen = new Map((state.seen ?? []).map((entry) => [entry.slice(0, entry.indexOf('@')), entry] as const));
    const staff = new Set(settings.staffUserIds);

    yield* walkPages(cursor.poll?.page ?? 1, MAX_PAGES_PER_POLL, async (page): Promise<PageStep<number>> => {
      // With an application password, redirects are not followed (the credentials stay with the configured host).
      const res = await pollFetch(
        fetch,
        commentsUrl(settings, after, page),
        { headers: { accept: 'application/json', 'user-agent': USER_AGENT, ...(auth && { authorization: auth }) } },
        'WordPress',
        signal,
        !auth,
      );
      await throwIfRateLimited(res, now, LIMITS, 'WordPress');
      if (res.status === 400 && page > 1) {
        const code = await answeredErrorCode(res, 'code');
        if (code.includes('invalid_page_number'))
          return { page: { events: [], state: finish(state, newest, seen, after, lookbackMs) } };
        throw new Error(`WordPress answered 400${code}`);
      }
      if (res.status === 401 || res.status === 403) {
        const code = await answeredErrorCode(res, 'code');
        throw new Error(
          auth
            ? `WordPress refused the application password (${res.status}${code}): check username/applicationPassword in the wordpress secret${settings.includeHeld ? ' and that the user can moderate comments' : ''}`
            : `WordPress refused anonymous access (${res.status}${code}): the site restricts its REST API; put username/applicationPassword in the wordpress secret`,
        );
      }
      if (!res.ok) throw new Error(`WordPress answered ${res.status}`);
      // The envelope (an array) is checked strictly, comments one by one: a malformed one is skipped, the page goes on.
      const raw = parseBody(z.array(z.unknown()), await readJson(res, 'WordPress'), 'WordPress');
      const comments = validItems(CommentSchema, raw, 'WordPress comments', log);

      const events: NormalizedEvent[] = [];
      for (const comment of comments) {
        if (!newest || comment.date_gmt > newest) newest = comment.date_gmt;
        const version = comment.modified_gmt ?? contentHash(comment.content.rendered);
        const previous = seen.get(comment.id);
        if (previous?.split('@')[1] === version) continue;
        seen.delete(comment.id);
        seen.set(comment.id, `${comment.id}@${version}@${comment.date_gmt}`);
        if (staff.has(comment.author)) continue;
        events.push({ change: previous ? 'edited' : 'created', draft: toDraft(comment, site) });
      }

      const totalPages = Number(res.headers.get('x-wp-totalpages') ?? Number.NaN);
      // An empty page ends the poll whatever X-WP-TotalPages says.
      const more = raw.length > 0 && (Number.isFinite(totalPages) ? page < totalPages : raw.length >= PER_PAGE);
      const spent = quotaSpent(res, now, LIMITS, 'WordPress');
      const next = { ...(spent && { rateLimited: spent }) };
      if (!more) return { page: { events, state: finish(state, newest, seen, after, lookbackMs) }, ...next };
      const cursor: Cursor = { ...(newest && { newest }), poll: { after, page: page + 1 } };
      return {
        page: {
          events,
          state: { ...state, cursor: JSON.stringify(cursor), seen: [...seen.values()].slice(-SEEN_LIMIT) },
        },
        next: page + 1,
        ...next,
      };
    });
  },
};

/** The next poll's `after`: `lookback` before the newest comment, never before the last poll's own `after`. */
function nextAfter(cursor: Cursor, lookbackMs: number): string | undefined {
  if (!cursor.newest) return cursor.floor;
  const ms = Date.parse(cursor.newest) - lookbackMs;
  return iso(cursor.floor ? Math.max(ms, Date.parse(cursor.floor)) : ms);
}

/** The state after the last page: the newest date kept, the page cursor cleared, and seen entries outside the next window dropped. */
function finish(
  state: PollState,
  newest: string | undefined,
  seen: Map<string, string>,
  after: string,
  lookbackMs: number,
): PollState {
  const cursor: Cursor = { ...(newest && { newest }), floor: after };
  // Comments at or before the next poll's `after` are never returned again (later polls reach
  // no further back), so they need no seen entry.
  const horizon = Date.parse(nextAfter(cursor, lookbackMs) ?? after);
  const kept = [...seen.values()].filter((entry) => Date.parse(entry.slice(entry.lastIndexOf('@') + 1)) > horizon);
  return { ...state, cursor: JSON.stringify(cursor), seen: kept.slice(-SEEN_LIMIT) };
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Application Passwords are sent as HTTP Basic; both keys or neither. Never echoes a value. */
function basicAuth(secret: PlatformSecret | undefined): string | undefined {
  const username = secret?.username ?? '';
  const password = secret?.applicationPassword ?? '';
  if (!username && !password) return undefined;
  if (!username || !password)
    throw new Error(
      `the wordpress secret has ${username ? 'username but no applicationPassword' : 'applicationPassword but no username'}; set both, or neither for public comments`,
    );
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** The site as host plus path, without scheme or trailing slash: `blog.example.com`, `example.com/blog`. */
function siteKey(site: string): string {
  const url = new URL(site);
  return `${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

function commentsUrl(settings: WordpressTarget, after: string, page: number): URL {
  const url = new URL(settings.apiBaseUrl ?? `${settings.site.replace(/\/+$/, '')}/wp-json`);
  const route = url.searchParams.get('rest_route');
  if (route !== null) url.searchParams.set('rest_route', `${route.replace(/\/+$/, '')}/wp/v2/comments`);
  else url.pathname = `${url.pathname.replace(/\/+$/, '')}/wp/v2/comments`;
  url.searchParams.set('after', after);
  url.searchParams.set('orderby', 'date');
  url.searchParams.set('order', 'asc');
  url.searchParams.set('per_page', String(PER_PAGE));
  url.searchParams.set('page', String(page));
  if (settings.includeHeld) url.searchParams.set('status', 'all');
  return url;
}

const contentHash = (html: string) => createHash('sha256').update(html, 'utf8').digest('hex').slice(0, 16);

function authorId(comment: Comment): string {
  if (comment.author !== '0') return comment.author;
  const avatar = Object.values(comment.author_avatar_urls ?? {})[0];
  const hash = avatar ? /\/avatar\/([0-9a-f]{32,64})(?:[?#]|$)/i.exec(avatar)?.[1] : undefined;
  return hash ? `gravatar:${hash.toLowerCase()}` : 'anonymous';
}

function toDraft(comment: Comment, site: string): EngagementDraft {
  const parentId = comment.parent !== '0' ? `${site}:${comment.parent}` : undefined;
  const conversationId = comment.post !== '0' ? `${site}:post:${comment.post}` : undefined;
  const kind =
    comment.type === 'pingback' || comment.type === 'trackback'
      ? 'mention'
      : comment.type === 'review'
        ? 'review'
        : parentId
          ? 'reply'
          : 'comment';
  return {
    platform: 'wordpress',
    kind,
    externalId: `${site}:${comment.id}`,
    ...(comment.link && /^https?:\/\//.test(comment.link) && { url: comment.link }),
    text: htmlToText(comment.content.rendered),
    createdAt: comment.date_gmt,
    author: { id: authorId(comment), handle: '', name: decodeEntities(comment.author_name) },
    account: { id: site },
    ...((parentId ?? conversationId) && {
      thread: { ...(parentId && { parentId }), ...(conversationId && { conversationId }) },
    }),
  };
}

/** HTML 4's Latin-1 entity names, for U+00A0 to U+00FF in order (WordPress and editors write some of them by name). */
const LATIN1 =
  'nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest ' +
  'Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig ' +
  'agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml';

const NAMED: Readonly<Record<string, string>> = {
  ...Object.fromEntries(LATIN1.split(' ').map((name, i) => [name, String.fromCodePoint(0xa0 + i)])),
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  hellip: '…',
  ndash: '–',
  mdash: '—',
  lsquo: '‘',
  rsquo: '’',
  sbquo: '‚',
  ldquo: '“',
  rdquo: '”',
  bdquo: '„',
  bull: '•',
  trade: '™',
  euro: '€',
  OElig: 'Œ',
  oelig: 'œ',
  Scaron: 'Š',
  scaron: 'š',
  Yuml: 'Ÿ',
};

/** Decodes HTML character references in one pass (so `&amp;lt;` stays `&lt;`); unknown names are kept as written. */
export function decodeEntities(text: string): string {
  return text.replace(
    /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z][a-zA-Z0-9]{1,7}));/g,
    (whole, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
      if (name !== undefined) return Object.hasOwn(NAMED, name) ? NAMED[name]! : whole;
      const code = dec !== undefined ? Number(dec) : Number.parseInt(hex ?? '', 16);
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : '\ufffd';
    },
  );
}

/** `content.rendered` is HTML: paragraphs and line breaks become newlines, other tags are dropped, entities decoded. */
export function htmlToText(html: string): string {
  // Raw line breaks in HTML are only whitespace; <br> and block ends are what break lines.
  const withBreaks = html
    .replace(/\s+/g, ' ')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(?:p|div|blockquote|li|h[1-6])>/gi, '\n\n')
    .replace(/<[^>]*>/g, '');
  return decodeEntities(withBreaks)
    .split('\n')
    .map((line) => line.replace(/[ \t\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
