import * as z from 'zod/mini';
import type { EngagementDraft } from '../engagement/engagement.schema.js';
import type { NormalizedEvent, PlatformAdapter } from './adapter.js';
import { META_SECRET_KEYS, metaHandshake, verifyMetaSignature } from './meta.js';
import { epochTimeSchema, isoFromMillis, parseJsonBody, parsePayload } from './payload.js';

const EXPECTED =
  'a Threads webhook delivery: a JSON object with "target_id" and "values" ({"field", "value"} or an array of them)';

/** Author id when a notification names nobody (a `delete` without owner or username). */
const UNKNOWN_AUTHOR_ID = 'unknown';

/** Threads writes ISO 8601 with a colon-less offset ("2025-06-03T09:15:00+0000"). */
const THREADS_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}:?\d{2})$/;

/** A Threads timestamp as ISO 8601 (UTC); an unreadable one is ignored (createdAt falls back). */
const TimestampSchema = z.catch(
  z.optional(
    z.pipe(
      z.string(),
      z.transform((text: string, ctx) => {
        const m = THREADS_TIME.exec(text);
        const offset = m?.[2] === 'Z' ? 'Z' : m?.[2]?.replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2');
        const iso = m ? isoFromMillis(Date.parse(`${m[1]}${offset}`)) : undefined;
        if (iso === undefined) {
          ctx.issues.push({ code: 'custom', message: 'expected an ISO 8601 time', input: text });
          return z.NEVER;
        }
        return iso;
      }),
    ),
  ),
  undefined,
);

/** A bad permalink must not sink the delivery: it is dropped, not rejected. */
const PermalinkSchema = z.catch(z.optional(z.url({ protocol: /^https?$/ })), undefined);

const ValueSchema = z.object({ field: z.string(), value: z.unknown() });

const DeliverySchema = z.object({
  target_id: z.optional(z.string().check(z.minLength(1))),
  time: z.catch(z.optional(epochTimeSchema('seconds')), undefined),
  values: z.custom<object>((v) => typeof v === 'object' && v !== null, {
    message: 'expected {"field", "value"} or an array of them',
  }),
});
type Delivery = z.output<typeof DeliverySchema>;

const RefSchema = z.object({ id: z.string().check(z.minLength(1)) });

/** A reply or the media object of a mention (docs/platforms/threads.md ✅; `owner` ◐ from public code). */
const MediaSchema = z
  .object({
    id: z.string().check(z.minLength(1)),
    username: z.optional(z.string().check(z.minLength(1))),
    owner: z.catch(z.optional(z.object({ id: z.string().check(z.minLength(1)) })), undefined),
    text: z.optional(z.string()),
    permalink: PermalinkSchema,
    timestamp: TimestampSchema,
    is_verified: z.catch(z.optional(z.boolean()), undefined),
    replied_to: z.optional(RefSchema),
    root_post: z.optional(z.extend(RefSchema, { owner_id: z.optional(z.string()), username: z.optional(z.string()) })),
  })
  .check(
    z.refine((value) => value.username !== undefined || value.owner !== undefined, {
      message: 'expected the author: "username" (or "owner.id")',
      path: ['username'],
    }),
  );
type Media = z.output<typeof MediaSchema>;

const DeleteSchema = z.object({
  id: z.string().check(z.minLength(1)),
  username: z.optional(z.string().check(z.minLength(1))),
  owner: z.catch(
    z.optional(
      z.object({
        owner_id: z.optional(z.string().check(z.minLength(1))),
        id: z.optional(z.string().check(z.minLength(1))),
      }),
    ),
    undefined,
  ),
  timestamp: TimestampSchema,
});

interface Scope {
  accountId: string | undefined;
  /** `time` of the delivery, else the time Switchboard accepted it. */
  fallbackTime: string;
  path: string;
}

/** Written by the account itself: its own id as the author, or its own handle replying under its own post. */
function isOwn(m: Media, scope: Scope): boolean {
  if (scope.accountId === undefined) return false;
  if (m.owner?.id === scope.accountId) return true;
  return (
    m.root_post?.owner_id === scope.accountId &&
    m.root_post.username !== undefined &&
    m.root_post.username === m.username
  );
}

function mediaEvent(kind: 'reply' | 'mention', value: unknown, scope: Scope): NormalizedEvent[] {
  const m = parsePayload(MediaSchema, value, EXPECTED, scope.path);
  if (isOwn(m, scope)) return [];
  const draft: EngagementDraft = {
    platform: 'threads',
    kind,
    externalId: m.id,
    ...(m.permalink && { url: m.permalink }),
    text: m.text ?? '',
    createdAt: m.timestamp ?? scope.fallbackTime,
    author: {
      id: (m.owner?.id ?? m.username)!,
      handle: m.username ?? '',
      name: '',
      ...(m.is_verified !== undefined && { verified: m.is_verified }),
    },
    ...(scope.accountId && { account: { id: scope.accountId } }),
    thread: {
      ...(m.replied_to && { parentId: m.replied_to.id }),
      ...(m.root_post && { conversationId: m.root_post.id }),
    },
  };
  return [{ change: 'created', draft }];
}

function deleteEvent(value: unknown, scope: Scope): NormalizedEvent[] {
  const d = parsePayload(DeleteSchema, value, EXPECTED, scope.path);
  const draft: EngagementDraft = {
    platform: 'threads',
    kind: 'reply',
    externalId: d.id,
    text: '',
    createdAt: d.timestamp ?? scope.fallbackTime,
    author: {
      id: d.owner?.owner_id ?? d.owner?.id ?? d.username ?? scope.accountId ?? UNKNOWN_AUTHOR_ID,
      handle: d.username ?? '',
      name: '',
    },
    ...(scope.accountId && { account: { id: scope.accountId } }),
  };
  return [{ change: 'deleted', draft }];
}

function valueEvents(item: unknown, delivery: Delivery, path: string, receivedAt: string): NormalizedEvent[] {
  const { field, value } = parsePayload(ValueSchema, item, EXPECTED, path);
  const scope: Scope = {
    accountId: delivery.target_id,
    fallbackTime: delivery.time ?? receivedAt,
    path: `${path}.value`,
  };
  if (field === 'replies') return mediaEvent('reply', value, scope);
  if (field === 'mentions') return mediaEvent('mention', value, scope);
  if (field === 'delete') return deleteEvent(value, scope);
  return []; // publish: the account's own posts; unknown fields: nothing to route
}

/**
 * Threads webhooks (docs/platforms/threads.md), secret `{ appSecret, verifyToken }`.
 *
 * - Envelope ✅: `{ app_id, topic, target_id, time, subscription_id, values: { field, value } }`;
 *   `values` is also accepted as an array (◐ public code) and every item is split out.
 *   account id is `target_id` (its meaning is only partly documented ◐; omitted when absent).
 * - Fields ✅: `replies` → reply; `mentions` → mention; `publish` (the account's own posts) is
 *   dropped; `delete` → `change: deleted` of `value.id`; other fields are ignored.
 *
 * Choices where the platform's documentation is unconfirmed (◐/❓; legend in docs/platforms/README.md) or silent:
 * - Handshake (◐: the Threads page only says a token is sent back): Meta's `hub.*` echo with
 *   `verifyToken` (`meta.ts`).
 * - Signature (❓: not stated on the Threads page): enforced as Meta's `X-Hub-Signature-256:
 *   sha256=<hex HMAC-SHA256(appSecret, raw body)>`, with `appSecret` the Threads app secret.
 *   Unsigned deliveries are refused (401) rather than accepted unverified; if Meta turns out to
 *   sign Threads differently, deliveries fail loudly instead of being trusted blindly.
 * - Replies carry no numeric author id (❓): author id is `owner.id` when present (◐), else
 *   `username`; handle `username`; name ''; `is_verified` → author.verified. A reply or mention
 *   without either is refused with 400 naming the path.
 * - The account's own replies are dropped when `owner.id` is `target_id`, or when `root_post` is
 *   the account's (`root_post.owner_id` = `target_id`) and the reply's `username` is the root
 *   post's. When `target_id` is not the account's user id these checks match nothing and such
 *   replies come through: routing an extra reply is preferred to dropping a customer's.
 * - A reply that also @-mentions the account may come as both `replies` and `mentions` with the
 *   same media id: both map to `threads:<id>`, so the second is a redelivery, not a new engagement.
 * - `delete` (◐ shape: `id`, `owner`, `username`, `deleted_at`, `timestamp`) is "posts deleted by
 *   the authenticated user": a deleted reply the account removed tombstones its engagement; the
 *   account's own posts were never stored, so their deletion changes nothing. Its kind is `reply`
 *   (the only stored kind the account can delete) and it has no text.
 * - createdAt is `timestamp` (ISO with a `+0000` offset, normalised to UTC), else the delivery's
 *   `time` (unix seconds), else the accept time; an unreadable `timestamp` or `permalink` is
 *   ignored rather than refusing the delivery. url is `permalink`; parentId `replied_to.id`;
 *   conversationId `root_post.id`.
 */
export const threadsAdapter: PlatformAdapter = {
  id: 'threads',
  secretKeys: META_SECRET_KEYS,

  handshake: metaHandshake,

  verify: verifyMetaSignature,

  normalize(rawBody, context) {
    const delivery = parsePayload(DeliverySchema, parseJsonBody(rawBody, EXPECTED), EXPECTED);
    const items: unknown[] = Array.isArray(delivery.values) ? delivery.values : [delivery.values];
    const path = (i: number) => (Array.isArray(delivery.values) ? `body.values[${i}]` : 'body.values');
    return items.flatMap((item, i) => valueEvents(item, delivery, path(i), context.receivedAt));
  },
};
