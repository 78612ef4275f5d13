import * as z from 'zod/mini';
import type { EngagementDraft, EngagementKind } from '../engagement/engagement.schema.js';
import { WebhookRejection, type NormalizedEvent, type PlatformAdapter } from './adapter.js';
import { assertSignature, hmac, requireHeader, secretValue, type SignatureFormat } from './signatures.js';
import { epochTimeSchema, isoFromMillis, malformed, parseJsonBody, parsePayload } from './payload.js';

const SIGNATURE: SignatureFormat = { header: 'X-Twitter-Webhooks-Signature', prefix: 'sha256=', encoding: 'base64' };
const EXPECTED =
  'an X Account Activity delivery: a JSON object with "for_user_id" and event arrays such as "tweet_create_events"';

/**
 * The shape a CRC token must have before it is answered. The CRC answer is
 * `base64(HMAC-SHA256(consumerSecret, crc_token))`, byte for byte the POST signature of a body equal
 * to the token, so answering any token would let anyone obtain a valid signature for a body of
 * their choosing. X's tokens are random base64/base64url-style strings (docs/platforms/x.md); this
 * alphabet has no `{`, `[`, `"`, whitespace or `,`, so no token it admits is a JSON object, array or
 * string. The few admitted strings that are JSON numbers are refused separately (see
 * {@link isCrcTokenShape}).
 */
const CRC_TOKEN = /^[A-Za-z0-9+/=_.~-]{8,256}$/;

/**
 * Whether `token` may be answered: it has {@link CRC_TOKEN}'s shape and is not JSON at all (a token
 * like `12345678` or `1e100000` would be a parsable body, even if not a delivery X's `normalize` accepts).
 */
export function isCrcTokenShape(token: string): boolean {
  if (!CRC_TOKEN.test(token)) return false;
  try {
    JSON.parse(token);
    return false;
  } catch {
    return true;
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const V1_DATE = /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) (\d{2}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2}) (\d{4})$/;

/** v1.1 dates ("Tue Jun 03 09:15:00 +0000 2025") parsed by hand: Date.parse of that form is engine-specific. */
function isoFromV1Date(text: string): string | undefined {
  const m = V1_DATE.exec(text);
  if (!m) return undefined;
  const [, mon, day, hh, mi, ss, sign, oh, om, year] = m;
  const month = MONTHS.indexOf(mon ?? '');
  if (month < 0) return undefined;
  const offsetMin = (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  const utc = Date.UTC(Number(year), month, Number(day), Number(hh), Number(mi), Number(ss));
  return isoFromMillis(utc - offsetMin * 60_000);
}

const V1DateSchema = z.pipe(
  z.string(),
  z.transform((text: string, ctx) => {
    const iso = isoFromV1Date(text);
    if (iso === undefined) {
      ctx.issues.push({
        code: 'custom',
        message: 'expected a date like "Tue Jun 03 09:15:00 +0000 2025"',
        input: text,
      });
      return z.NEVER;
    }
    return iso;
  }),
);

const UserSchema = z.object({
  id_str: z.string().check(z.minLength(1)),
  screen_name: z.optional(z.string()),
  name: z.optional(z.string()),
  followers_count: z.nullish(z.int().check(z.nonnegative())),
  verified: z.nullish(z.boolean()),
});

const EntitiesSchema = z.object({ user_mentions: z.optional(z.array(z.object({ id_str: z.string() }))) });

const TweetSchema = z.object({
  id_str: z.string().check(z.regex(/^\d+$/)),
  created_at: V1DateSchema,
  text: z.string(),
  truncated: z.optional(z.boolean()),
  extended_tweet: z.optional(z.object({ full_text: z.string(), entities: z.optional(EntitiesSchema) })),
  in_reply_to_status_id_str: z.nullish(z.string()),
  user: UserSchema,
  entities: z.optional(EntitiesSchema),
  is_quote_status: z.optional(z.boolean()),
  quoted_status: z.optional(z.unknown()),
  retweeted_status: z.optional(z.unknown()),
});
type Tweet = z.output<typeof TweetSchema>;

const DmEventSchema = z
  .object({
    type: z.string(),
    id: z.string().check(z.minLength(1)),
    created_timestamp: epochTimeSchema('milliseconds'),
    message_create: z.optional(
      z.object({
        sender_id: z.string().check(z.minLength(1)),
        target: z.object({ recipient_id: z.string().check(z.minLength(1)) }),
        message_data: z.object({ text: z._default(z.string(), '') }),
      }),
    ),
  })
  .check(
    z.refine((event) => event.type !== 'message_create' || event.message_create !== undefined, {
      message: 'required when type is "message_create"',
      path: ['message_create'],
    }),
  );
type DmEvent = z.output<typeof DmEventSchema>;

const DmUserSchema = z.omit(UserSchema, { id_str: true });
type DmUser = z.output<typeof DmUserSchema>;

const FavoriteSchema = z.object({
  id: z.string().check(z.minLength(1)),
  created_at: z.optional(V1DateSchema),
  timestamp_ms: z.optional(epochTimeSchema('milliseconds')),
  favorited_status: z.object({
    id_str: z.string().check(z.minLength(1)),
    user: z.object({ id_str: z.string(), screen_name: z.optional(z.string()) }),
  }),
  user: UserSchema,
});
type Favorite = z.output<typeof FavoriteSchema>;

const DeleteSchema = z.object({
  status: z.object({ id: z.string().check(z.minLength(1)), user_id: z.string().check(z.minLength(1)) }),
  timestamp_ms: z.optional(epochTimeSchema('milliseconds')),
});
type Delete = z.output<typeof DeleteSchema>;

/** Only the arrays that can carry engagements are validated; other event types pass through unread. */
const DeliverySchema = z.object({
  for_user_id: z.optional(z.string().check(z.minLength(1))),
  tweet_create_events: z.optional(z.array(TweetSchema)),
  favorite_events: z.optional(z.array(FavoriteSchema)),
  direct_message_events: z.optional(z.array(DmEventSchema)),
  users: z.optional(z.record(z.string(), DmUserSchema)),
  tweet_delete_events: z.optional(z.array(DeleteSchema)),
  replay_job_status: z.optional(z.unknown()),
});

interface Scope {
  forUserId: string;
  receivedAt: string;
}

function author(id: string, user: DmUser | undefined): EngagementDraft['author'] {
  return {
    id,
    handle: user?.screen_name ?? '',
    name: user?.name ?? '',
    ...(user?.followers_count != null && { followers: user.followers_count }),
    ...(user?.verified != null && { verified: user.verified }),
  };
}

function statusUrl(screenName: string | undefined, id: string): string {
  return screenName ? `https://x.com/${encodeURIComponent(screenName)}/status/${id}` : `https://x.com/i/status/${id}`;
}

/** v1.1 tweet text escapes exactly these three; one pass so "&amp;lt;" stays "&lt;". */
function unescapeTweetText(text: string): string {
  return text.replace(/&(amp|lt|gt);/g, (_, name: string) => (name === 'amp' ? '&' : name === 'lt' ? '<' : '>'));
}

function mentions(tweet: Tweet, userId: string): boolean {
  const lists = [tweet.entities?.user_mentions, tweet.extended_tweet?.entities?.user_mentions];
  return lists.some((list) => list?.some((mention) => mention.id_str === userId) ?? false);
}

/** Reply outranks mention: replies to the account also @-mention it, and the parent id is the richer fact. */
function tweetKind(tweet: Tweet, forUserId: string): EngagementKind {
  if (tweet.in_reply_to_status_id_str) return 'reply';
  if (mentions(tweet, forUserId)) return 'mention';
  if (tweet.retweeted_status != null || tweet.is_quote_status === true || tweet.quoted_status != null) return 'share';
  return 'post';
}

function tweetEvent(tweet: Tweet, scope: Scope): NormalizedEvent[] {
  if (tweet.user.id_str === scope.forUserId) return [];
  const text = tweet.truncated && tweet.extended_tweet ? tweet.extended_tweet.full_text : tweet.text;
  const parentId = tweet.in_reply_to_status_id_str ?? undefined;
  const draft: EngagementDraft = {
    platform: 'x',
    kind: tweetKind(tweet, scope.forUserId),
    externalId: tweet.id_str,
    url: statusUrl(tweet.user.screen_name, tweet.id_str),
    text: unescapeTweetText(text),
    createdAt: tweet.created_at,
    author: author(tweet.user.id_str, tweet.user),
    account: { id: scope.forUserId },
    ...(parentId && { thread: { parentId } }),
  };
  return [{ change: 'created', draft }];
}

/** Sorted by numeric value (ids have no leading zeros, so length first, then digits). */
function dmConversationId(a: string, b: string): string {
  const [low, high] = a.length < b.length || (a.length === b.length && a <= b) ? [a, b] : [b, a];
  return `${low}-${high}`;
}

function dmEvent(event: DmEvent, users: Record<string, DmUser>, scope: Scope): NormalizedEvent[] {
  const message = event.message_create;
  if (event.type !== 'message_create' || !message || message.sender_id === scope.forUserId) return [];
  const draft: EngagementDraft = {
    platform: 'x',
    kind: 'direct_message',
    externalId: event.id,
    text: message.message_data.text,
    createdAt: event.created_timestamp,
    author: author(message.sender_id, users[message.sender_id]),
    account: { id: scope.forUserId },
    thread: { conversationId: dmConversationId(message.sender_id, message.target.recipient_id) },
  };
  return [{ change: 'created', draft }];
}

function favoriteEvent(like: Favorite, scope: Scope): NormalizedEvent[] {
  if (like.user.id_str === scope.forUserId) return [];
  const liked = like.favorited_status;
  const draft: EngagementDraft = {
    platform: 'x',
    kind: 'reaction',
    externalId: like.id,
    url: statusUrl(liked.user.screen_name, liked.id_str),
    text: '',
    createdAt: like.created_at ?? like.timestamp_ms ?? scope.receivedAt,
    author: author(like.user.id_str, like.user),
    account: { id: scope.forUserId },
    thread: { parentId: liked.id_str },
  };
  return [{ change: 'created', draft }];
}

function deleteEvent(deletion: Delete, scope: Scope): NormalizedEvent[] {
  if (deletion.status.user_id === scope.forUserId) return [];
  const draft: EngagementDraft = {
    platform: 'x',
    kind: 'post',
    externalId: deletion.status.id,
    text: '',
    createdAt: deletion.timestamp_ms ?? scope.receivedAt,
    author: { id: deletion.status.user_id, handle: '', name: '' },
    account: { id: scope.forUserId },
  };
  return [{ change: 'deleted', draft }];
}

/**
 * X Account Activity API (v1.1-style objects, docs/platforms/x.md), secret `{ consumerSecret }`.
 *
 * - Handshake: CRC, `response_token = "sha256=" + base64(HMAC-SHA256(consumerSecret, crc_token))`,
 *   only for a token of 8–256 characters from `A-Z a-z 0-9 + / = _ . ~ -` that is not itself JSON
 *   (else 400 `bad_crc_token`). The answer is the POST signature of a body equal to the token, so
 *   a token that could be a delivery body (`{"for_user_id": …}`) must never be answered: that
 *   would sign a forged delivery. Real X tokens are random base64-style strings and pass.
 * - Signature: `x-twitter-webhooks-signature: sha256=<base64>` over the raw body.
 * - Every array of a delivery is read (the docs show one key per delivery; code defensively).
 *
 * Choices where the platform's documentation is unconfirmed (◐/❓; legend in docs/platforms/README.md) or silent:
 * - kind: reply (has `in_reply_to_status_id_str`) › mention (`for_user_id` in user mentions,
 *   including `extended_tweet.entities`) › share (repost or quote) › post. Anything authored by
 *   `for_user_id` is dropped (the account's own posts, replies, likes, deletions, DMs).
 * - url: `https://x.com/{screen_name}/status/{id_str}` (❓ convention; `/i/status/{id}` without a name).
 * - No conversation id exists in v1.1 objects (❓): tweets carry only `thread.parentId`; DMs get a
 *   derived `thread.conversationId` of the two user ids sorted, `"<low>-<high>"` (❓ convention).
 * - Likes (`favorite_events`) become `reaction` engagements with empty text (the liked post's text
 *   is the account's own words and would mislead enrichment); `thread.parentId` is the liked post.
 * - `tweet_delete_events` become `change: 'deleted'` with a minimal draft (kind `post`, empty text,
 *   createdAt = deletion time): consumers match the tombstone by id, not by kind.
 * - Tweet text has v1.1's HTML escapes (`&amp;`, `&lt;`, `&gt;`) undone.
 * - Follows, blocks, mutes, typing and read indicators, revokes and unknown keys carry no
 *   engagement and yield nothing; a replay-job status delivery (no `for_user_id`) yields nothing.
 * - X Activity API (`data` envelope) deliveries are refused with 400 rather than silently dropped.
 */
export const xAdapter: PlatformAdapter = {
  id: 'x',
  secretKeys: ['consumerSecret'],

  handshake(request, secret) {
    const token = request.query.crc_token;
    if (!token) {
      throw new WebhookRejection(400, 'missing_crc_token', 'Missing crc_token query parameter (X CRC check).');
    }
    if (!isCrcTokenShape(token)) {
      // Never quoted back: the value is attacker-chosen.
      throw new WebhookRejection(
        400,
        'bad_crc_token',
        'crc_token must be 8-256 characters from A-Z a-z 0-9 + / = _ . ~ - and not JSON (X CRC tokens are random base64-style strings).',
      );
    }
    const digest = hmac('sha256', secretValue(secret, 'consumerSecret'), token).toString('base64');
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_token: `sha256=${digest}` }),
    };
  },

  verify(request, secret) {
    const received = requireHeader(request.headers, SIGNATURE.header);
    assertSignature(SIGNATURE, received, hmac('sha256', secretValue(secret, 'consumerSecret'), request.rawBody));
  },

  normalize(rawBody, context) {
    const delivery = parsePayload(DeliverySchema, parseJsonBody(rawBody, EXPECTED), EXPECTED);
    const forUserId = delivery.for_user_id;
    if (forUserId === undefined) {
      if (delivery.replay_job_status !== undefined) return [];
      throw malformed(`Expected ${EXPECTED}. body.for_user_id is missing.`);
    }
    const scope: Scope = { forUserId, receivedAt: context.receivedAt };
    const users = delivery.users ?? {};
    return [
      ...(delivery.tweet_create_events ?? []).flatMap((tweet) => tweetEvent(tweet, scope)),
      ...(delivery.direct_message_events ?? []).flatMap((event) => dmEvent(event, users, scope)),
      ...(delivery.favorite_events ?? []).flatMap((like) => favoriteEvent(like, scope)),
      ...(delivery.tweet_delete_events ?? []).flatMap((deletion) => deleteEvent(deletion, scope)),
    ];
  },
};
