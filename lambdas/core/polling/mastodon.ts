import * as z from 'zod';
import type { EngagementDraft, EngagementKind } from '../engagement/engagement.schema.js';
import type { ChangeType, NormalizedEvent } from '../platforms/adapter.js';
import { htmlToText } from '../platforms/mastodon.js';
import {
  HttpUrl,
  IsoDate,
  MastodonAccountSchema,
  MastodonStatusSchema,
  type MastodonAccount,
} from '../platforms/mastodon-entities.js';
import { MastodonTargetSchema } from '../config/poll-targets.schema.js';
import {
  credentialedPoller,
  apiUrl,
  getJson,
  parseBody,
  quotaSpent,
  readJson,
  readStoredCursor,
  reportSkipped,
  throwIfRateLimited,
  validItems,
  type RateLimits,
} from './http.js';
import { compareDecimalIds, newestDecimalId } from './decimal-ids.js';
import { MAX_PAGES_PER_POLL, walkPages, type PageStep } from './page-walk.js';
import type { Poller } from './poller.js';

/** Notifications per page: Mastodon's maximum (default 40). */
const PAGE_LIMIT = 80;
const LABEL = 'mastodon';
const LIMITS: RateLimits = {
  fallbackMs: 5 * 60_000,
  reset: ['X-RateLimit-Reset'],
  remaining: ['X-RateLimit-Remaining'],
};

const AccountSchema = MastodonAccountSchema;
type Account = MastodonAccount;

const StatusSchema = z.object({
  ...MastodonStatusSchema.shape,
  quote: z
    .object({ quoted_status: z.object({ uri: HttpUrl }).nullish() })
    .nullish()
    .catch(undefined),
});
type Status = z.output<typeof StatusSchema>;

/** Only what every notification has is checked here; the status is checked for the types that route it. */
const NotificationSchema = z.object({
  id: z.string().regex(/^\d+$/, 'expected a numeric id'),
  type: z.string().min(1),
  created_at: IsoDate,
  account: AccountSchema,
  status: z.unknown().optional(),
});
type Notification = z.output<typeof NotificationSchema>;

/** The envelope is an array; notifications are checked one by one (a malformed one is skipped, not fatal). */
const PageSchema = z.array(z.unknown());
const DecimalId = z.string().regex(/^\d{1,30}$/);

/**
 * Mastodon notifications of the company's account (platforms.md §9.2, ✅ docs and source), polled
 * with `GET {instance}/api/v1/notifications?types[]=…&limit=80&min_id=<cursor>` and the account's
 * user token (`read:notifications`): secret key `accessToken`, sent as `Authorization: Bearer`.
 *
 * - Cursor (✅): the newest notification id delivered. Each request asks for the page immediately
 *   newer than it (`min_id`), then moves the cursor to the newest id of that page: the larger of
 *   the `Link rel="prev"` header's `min_id` (it can be newer when the instance filtered some
 *   notifications out of the page) and the page's largest id, compared as decimal strings, never
 *   as numbers — until a page comes back empty. Every page's state holds its own cursor, so a poll
 *   that fails part-way resumes after the last delivered page; at most
 *   {@link MAX_PAGES_PER_POLL} pages are read per poll, the next poll continues.
 * - First poll (no cursor, or a stored one that no longer reads: {@link readStoredCursor}): only
 *   the newest page (80 notifications) is read and emitted, and the cursor starts there — older
 *   history is not backfilled.
 * - Rate limits (✅ headers, instance-configurable): 429 → {@link RateLimitedError} after
 *   `Retry-After`, else `X-RateLimit-Reset` (an ISO time; unix seconds accepted), else 5 minutes;
 *   503 likewise when it has a Retry-After (else a failure). `X-RateLimit-Remaining: 0` on a good answer → the page is delivered, then the
 *   poll stops with a RateLimitedError until `X-RateLimit-Reset`, so the runner records the wait.
 * - 401/403 (token revoked or missing scope) and other errors fail the poll without quoting the body.
 *
 * Mapping (choices where platforms.md is unconfirmed (◐/❓) or silent):
 * - `mention` → `direct_message` when the status's visibility is `direct` (✅), else `reply` when it
 *   replies to a status, else `mention`; `status` (an account the company follows with
 *   notifications on) → `post`/`reply`; `quote` → `share` of the quoting status; `update` (a status
 *   the company interacted with was edited) → `edited` of that status. These are keyed by the
 *   status `uri` (✅ global id), like the admin-webhook adapter, so both routes meet on one engagement.
 * - `reblog` → `share` and `favourite` → `reaction`, with empty text (the status is the company's
 *   own words), `thread.parentId` the company's status `uri`, createdAt the notification's time, and
 *   the id `reblog:<account uri>:<status uri>` / `favourite:<account uri>:<status uri>` (❓
 *   convention: the boost's own id is not in the notification; un-boosting and boosting again
 *   is the same engagement).
 * - text: content warning, blank line, then the HTML `content` as plain text; author: account `uri`
 *   (else `url`, else `<instance host>:<id>`), handle `acct` qualified with the instance host,
 *   name `display_name`, followers `followers_count`; `thread.parentId` is `in_reply_to_id`,
 *   instance-local (❓, as in the adapter) or, for quotes, the quoted status's `uri`.
 * - The company's own activity: notifications from `account` or `ownAccounts` are dropped
 *   (Mastodon does not notify an account of its own actions, but a second company account can
 *   mention the first). account is `account` (qualified) when set, else the instance host.
 * - Unknown or unrequested notification types (follow, poll, admin.*) yield nothing but still
 *   move the cursor.
 */
export const mastodonPoller: Poller = credentialedPoller(
  'mastodon',
  MastodonTargetSchema,
  ['accessToken'],
  async function* (settings, { accessToken: token }, state, { fetch, now, signal, log }) {
    const host = new URL(settings.instance).host;
    const own = new Set(
      [settings.account, ...settings.ownAccounts]
        .filter((h): h is string => h !== undefined)
        .map((h) => qualify(h, host)),
    );
    const scope: Scope = {
      host,
      own,
      types: new Set(settings.types),
      account: settings.account ? qualify(settings.account, host) : undefined,
    };
    const start = readStoredCursor(DecimalId, state.cursor, LABEL, log, 'text');

    yield* walkPages(start, MAX_PAGES_PER_POLL, async (cursor): Promise<PageStep<string | undefined>> => {
      const url = apiUrl(settings.instance, '/api/v1/notifications', [
        ...settings.types.map((t) => ['types[]', t] as const),
        ['limit', String(PAGE_LIMIT)],
        ['min_id', cursor],
      ]);
      const res = await getJson(fetch, url, { authorization: `Bearer ${token}` }, LABEL, signal);
      await throwIfRateLimited(res, now, LIMITS, LABEL);
      if (res.status === 401 || res.status === 403)
        throw new Error(
          `mastodon answered ${res.status}: the accessToken is invalid or lacks the read:notifications scope`,
        );
      if (!res.ok) throw new Error(`mastodon answered ${res.status}`);
      const raw = parseBody(PageSchema, await readJson(res, LABEL), LABEL);
      // Ids of every entry that has one, valid or not: the cursor moves past malformed ones too.
      const ids = raw.flatMap((n) => {
        const id = DecimalId.safeParse((n as { id?: unknown } | null)?.id);
        return id.success ? [id.data] : [];
      });
      const items = validItems(NotificationSchema, raw, `${LABEL} notifications`, log);
      // Already delivered (at or below the cursor): an instance that ignores min_id must not re-emit them.
      const page = items.filter((n) => cursor === undefined || compareDecimalIds(n.id, cursor) > 0);
      const newest = newestDecimalId(ids);
      // The Link header's rel="prev" min_id is the documented resume point; it never moves the cursor behind the page.
      const linked = prevMinId(res.headers.get('link'));
      const candidate =
        newest === undefined
          ? undefined
          : linked !== undefined && compareDecimalIds(linked, newest) > 0
            ? linked
            : newest;
      const advanced = candidate !== undefined && (cursor === undefined || compareDecimalIds(candidate, cursor) > 0);
      const nextCursor = advanced ? candidate : cursor;
      const ordered = [...page].sort((a, b) => compareDecimalIds(a.id, b.id));
      const events: NormalizedEvent[] = [];
      let skipped = 0;
      for (const n of ordered) {
        const result = notificationEvents(n, scope);
        if (result === undefined) skipped++;
        else events.push(...result);
      }
      if (skipped > 0) reportSkipped(log, `${LABEL} notifications`, skipped, 'status');
      const spent = quotaSpent(res, now, LIMITS, LABEL);
      // The first poll reads only the newest page; later polls read forward until a page is empty
      // or brings nothing newer (a cursor that does not move would read the same page again).
      const more = cursor !== undefined && raw.length > 0 && advanced && page.length > 0;
      return {
        page: { events, state: { ...state, ...(nextCursor !== undefined && { cursor: nextCursor }) } },
        ...(more && { next: nextCursor }),
        ...(spent && { rateLimited: spent }),
      };
    });
  },
);

interface Scope {
  host: string;
  own: ReadonlySet<string>;
  types: ReadonlySet<string>;
  account: string | undefined;
}

/** `min_id` of the `Link` header's rel="prev" target (the newest id of this page), if any. */
function prevMinId(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /<([^>]*)>\s*;\s*rel="?prev"?/i.exec(part.trim());
    if (!m?.[1]) continue;
    try {
      const id = new URL(m[1], 'http://link.invalid').searchParams.get('min_id');
      if (id && /^\d+$/.test(id)) return id;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** `acct` is bare (`alice`) for the instance's own accounts: qualify it with the instance host. */
function qualify(handle: string, host: string): string {
  const bare = handle.replace(/^@/, '').toLowerCase();
  return bare.includes('@') ? bare : `${bare}@${host.toLowerCase()}`;
}

function author(account: Account, host: string): EngagementDraft['author'] {
  return {
    id: account.uri ?? account.url ?? `${host}:${account.id}`,
    handle: qualify(account.acct, host),
    name: account.display_name ?? '',
    ...(account.followers_count != null && { followers: account.followers_count }),
  };
}

/** The status of a notification that routes one; undefined when it is missing or malformed. */
function statusOf(n: Notification): Status | undefined {
  const parsed = StatusSchema.safeParse(n.status);
  return parsed.success ? parsed.data : undefined;
}

function statusText(status: Status): string {
  const body = htmlToText(status.content);
  const spoiler = status.spoiler_text?.trim();
  return spoiler ? (body ? `${spoiler}\n\n${body}` : spoiler) : body;
}

function statusKind(n: Notification, status: Status): EngagementKind {
  if (n.type === 'quote') return 'share';
  if (status.visibility === 'direct') return 'direct_message';
  if (status.in_reply_to_id) return 'reply';
  return n.type === 'status' ? 'post' : 'mention';
}

/** The events of a notification; undefined when its status is malformed (the notification is skipped). */
function notificationEvents(n: Notification, scope: Scope): NormalizedEvent[] | undefined {
  if (!scope.types.has(n.type)) return [];
  if (scope.own.has(qualify(n.account.acct, scope.host))) return [];
  const status = statusOf(n);
  if (!status) return undefined;
  const account = scope.account ? { id: scope.account, handle: scope.account } : { id: scope.host };
  if (n.type === 'reblog' || n.type === 'favourite') {
    const who = n.account.uri ?? n.account.url ?? `${scope.host}:${n.account.id}`;
    const draft: EngagementDraft = {
      platform: 'mastodon',
      kind: n.type === 'reblog' ? 'share' : 'reaction',
      externalId: `${n.type}:${who}:${status.uri}`,
      url: status.url ?? status.uri,
      text: '',
      createdAt: new Date(n.created_at).toISOString(),
      author: author(n.account, scope.host),
      account,
      thread: { parentId: status.uri },
    };
    return [{ change: 'created', draft }];
  }
  const change: ChangeType = n.type === 'update' ? 'edited' : 'created';
  const parentId =
    n.type === 'quote'
      ? (status.quote?.quoted_status?.uri ?? status.in_reply_to_id ?? undefined)
      : (status.in_reply_to_id ?? undefined);
  const draft: EngagementDraft = {
    platform: 'mastodon',
    kind: statusKind(n, status),
    externalId: status.uri,
    url: status.url ?? status.uri,
    text: statusText(status),
    ...(status.language && { language: status.language }),
    createdAt: new Date(status.created_at).toISOString(),
    author: author(status.account, scope.host),
    account,
    ...(parentId && { thread: { parentId } }),
  };
  return [{ change, draft }];
}
