import * as z from 'zod/mini';
import type { EngagementDraft, EngagementKind } from '../engagement/engagement.schema.js';
import type { ChangeType, NormalizedEvent, PlatformAdapter } from './adapter.js';
import { META_SECRET_KEYS, metaHandshake, verifyMetaSignature } from './meta.js';
import { epochTimeSchema, parseJsonBody, parsePayload } from './payload.js';

const EXPECTED = 'a Meta Page webhook delivery: a JSON object {"object": "page", "entry": [...]}';

const CHANGE_BY_VERB: ReadonlyMap<string, ChangeType> = new Map([
  ['add', 'created'],
  ['edit', 'edited'],
  ['edited', 'edited'],
  ['remove', 'deleted'],
]);

const POST_KINDS: ReadonlyMap<string, EngagementKind> = new Map([
  ['post', 'post'],
  ['status', 'post'],
  ['photo', 'post'],
  ['video', 'post'],
  ['share', 'share'],
]);

const SecondsSchema = z.optional(epochTimeSchema('seconds'));
/** A bad permalink must not sink a whole batch: it is dropped, not rejected. */
const PermalinkSchema = z.catch(z.optional(z.url({ protocol: /^https?$/ })), undefined);
const FromSchema = z.object({ id: z.string().check(z.minLength(1)), name: z.optional(z.string()) });

const EntrySchema = z.object({
  id: z.string().check(z.minLength(1)),
  changes: z.optional(z.array(z.object({ field: z.string(), value: z.unknown() }))),
  messaging: z.optional(z.array(z.looseObject({ message: z.optional(z.unknown()) }))),
  standby: z.optional(z.array(z.looseObject({ message: z.optional(z.unknown()) }))),
});

const DeliverySchema = z.object({ object: z.literal('page'), entry: z.array(EntrySchema) });

const FeedHeadSchema = z.object({ item: z.string(), verb: z.string() });

const FeedCommentSchema = z.object({
  comment_id: z.string().check(z.minLength(1)),
  post_id: z.string().check(z.minLength(1)),
  parent_id: z.optional(z.string()),
  from: FromSchema,
  message: z.optional(z.string()),
  created_time: SecondsSchema,
  post: z.optional(z.object({ permalink_url: PermalinkSchema })),
});

const FeedPostSchema = z.object({
  post_id: z.string().check(z.minLength(1)),
  from: FromSchema,
  message: z.optional(z.string()),
  created_time: SecondsSchema,
  post: z.optional(z.object({ permalink_url: PermalinkSchema })),
});

const FeedReactionSchema = z.object({
  post_id: z.string().check(z.minLength(1)),
  comment_id: z.optional(z.string()),
  from: FromSchema,
  created_time: SecondsSchema,
});

const MentionSchema = z
  .object({
    item: z.string(),
    verb: z.string(),
    post_id: z.string().check(z.minLength(1)),
    comment_id: z.optional(z.string()),
    sender_id: z.string().check(z.minLength(1)),
    sender_name: z.optional(z.string()),
    message: z.optional(z.string()),
    created_time: SecondsSchema,
  })
  .check(
    z.refine((value) => value.item !== 'comment' || Boolean(value.comment_id), {
      message: 'required when item is "comment"',
      path: ['comment_id'],
    }),
  );

const MessageEventSchema = z.object({
  sender: z.object({ id: z.string().check(z.minLength(1)) }),
  timestamp: epochTimeSchema('milliseconds'),
  message: z.object({
    mid: z.string().check(z.minLength(1)),
    text: z.optional(z.string()),
    is_echo: z.optional(z.boolean()),
    reply_to: z.optional(z.object({ mid: z.string() })),
  }),
});

interface Scope {
  pageId: string;
  receivedAt: string;
  /** JSON path of the value being read, for 400 messages. */
  path: string;
}

function base(scope: Scope, from: { id: string; name?: string | undefined }) {
  return {
    platform: 'facebook' as const,
    author: { id: from.id, handle: '', name: from.name ?? '' },
    account: { id: scope.pageId },
  };
}

function feedEvent(value: unknown, scope: Scope): NormalizedEvent[] {
  const head = parsePayload(FeedHeadSchema, value, EXPECTED, scope.path);
  const change = CHANGE_BY_VERB.get(head.verb);
  if (!change) return [];
  const draft = feedDraft(head.item, value, scope);
  return draft ? [{ change, draft }] : [];
}

function feedDraft(item: string, value: unknown, scope: Scope): EngagementDraft | undefined {
  if (item === 'comment') {
    const c = parsePayload(FeedCommentSchema, value, EXPECTED, scope.path);
    if (c.from.id === scope.pageId) return undefined;
    const isReply = c.parent_id !== undefined && c.parent_id !== c.post_id;
    return {
      ...base(scope, c.from),
      kind: isReply ? 'reply' : 'comment',
      externalId: c.comment_id,
      ...(c.post?.permalink_url && { url: c.post.permalink_url }),
      text: c.message ?? '',
      createdAt: c.created_time ?? scope.receivedAt,
      thread: { conversationId: c.post_id, ...(isReply && { parentId: c.parent_id }) },
    };
  }
  const postKind = POST_KINDS.get(item);
  if (postKind) {
    const p = parsePayload(FeedPostSchema, value, EXPECTED, scope.path);
    if (p.from.id === scope.pageId) return undefined;
    return {
      ...base(scope, p.from),
      kind: postKind,
      externalId: p.post_id,
      ...(p.post?.permalink_url && { url: p.post.permalink_url }),
      text: p.message ?? '',
      createdAt: p.created_time ?? scope.receivedAt,
      thread: { conversationId: p.post_id },
    };
  }
  if (item === 'reaction' || item === 'like') {
    const r = parsePayload(FeedReactionSchema, value, EXPECTED, scope.path);
    if (r.from.id === scope.pageId) return undefined;
    const target = r.comment_id ?? r.post_id;
    return {
      ...base(scope, r.from),
      kind: 'reaction',
      externalId: `reaction:${target}:${r.from.id}`,
      text: '',
      createdAt: r.created_time ?? scope.receivedAt,
      thread: { parentId: target, conversationId: r.post_id },
    };
  }
  return undefined;
}

function mentionEvent(value: unknown, scope: Scope): NormalizedEvent[] {
  const m = parsePayload(MentionSchema, value, EXPECTED, scope.path);
  const change = CHANGE_BY_VERB.get(m.verb);
  if (!change || m.sender_id === scope.pageId) return [];
  const draft: EngagementDraft = {
    ...base(scope, { id: m.sender_id, name: m.sender_name }),
    kind: 'mention',
    externalId: m.item === 'comment' && m.comment_id ? m.comment_id : m.post_id,
    text: m.message ?? '',
    createdAt: m.created_time ?? scope.receivedAt,
    thread: { conversationId: m.post_id },
  };
  return [{ change, draft }];
}

function messagingEvent(item: { message?: unknown }, scope: Scope): NormalizedEvent[] {
  if (item.message === undefined) return [];
  const e = parsePayload(MessageEventSchema, item, EXPECTED, scope.path);
  if (e.message.is_echo === true || e.sender.id === scope.pageId) return [];
  const draft: EngagementDraft = {
    ...base(scope, e.sender),
    kind: 'direct_message',
    externalId: e.message.mid,
    text: e.message.text ?? '',
    createdAt: e.timestamp,
    thread: {
      conversationId: `${scope.pageId}-${e.sender.id}`,
      ...(e.message.reply_to && { parentId: e.message.reply_to.mid }),
    },
  };
  return [{ change: 'created', draft }];
}

function entryEvents(entry: z.output<typeof EntrySchema>, path: string, receivedAt: string): NormalizedEvent[] {
  const at = (suffix: string): Scope => ({ pageId: entry.id, receivedAt, path: `${path}${suffix}` });
  const changes = (entry.changes ?? []).flatMap((change, i) => {
    if (change.field === 'feed') return feedEvent(change.value, at(`.changes[${i}].value`));
    if (change.field === 'mention') return mentionEvent(change.value, at(`.changes[${i}].value`));
    return [];
  });
  const messages = (entry.messaging ?? []).flatMap((item, i) => messagingEvent(item, at(`.messaging[${i}]`)));
  const standby = (entry.standby ?? []).flatMap((item, i) => messagingEvent(item, at(`.standby[${i}]`)));
  return [...changes, ...messages, ...standby];
}

/**
 * Facebook Pages (`feed`, `mention`) and Messenger (docs/platforms/facebook.md), secret `{ appSecret, verifyToken }`.
 *
 * - Handshake and signature are Meta's shared scheme (`meta.ts`): `hub.mode=subscribe` and
 *   `hub.verify_token` equal to `verifyToken` → 200 with the raw `hub.challenge` as text/plain,
 *   anything else → 403; `X-Hub-Signature-256: sha256=<hex>` over the raw bytes with `appSecret`
 *   (Meta signs its `\uXXXX`-escaped form, so re-serialised JSON would not verify). Legacy sha1
 *   is ignored.
 * - Every entry, change and messaging item of a batch is read; `object` must be `"page"`.
 *
 * Choices where the platform's documentation is unconfirmed (◐/❓; legend in docs/platforms/README.md) or silent:
 * - `feed` field names come from client code (◐). Items: comment → comment, or reply when
 *   `parent_id` ≠ `post_id`; post/status/photo/video → post; share → share; reaction/like →
 *   reaction; other items (event, album…) are dropped. Verbs: add → created, edit/edited →
 *   edited, remove → deleted; hide/unhide/block/mute and unknown verbs are dropped (moderation,
 *   not engagement). Anything whose `from.id` is the Page (entry id) is dropped.
 * - Fields the mapped items rely on (`from`, ids) are required: a batch missing them is refused
 *   with 400 naming the path, so a payload change surfaces instead of silently dropping data.
 * - Reactions have no id of their own: externalId is `reaction:<comment_id|post_id>:<from.id>`,
 *   so a later edit or remove of the same person's reaction updates the same engagement. Text is
 *   empty (the schema has no field for the reaction type).
 * - url is `post.permalink_url` when present (for comments it is the parent post's permalink);
 *   otherwise omitted rather than guessed. An invalid URL is dropped.
 * - `mention` (◐) carries no text in the observed payloads: text is `message` when present, else
 *   empty (a later enrichment step may fetch it ❓). externalId is `comment_id` for comment
 *   mentions, else `post_id`.
 * - createdAt is `created_time` (unix seconds) or, when absent, the time Switchboard accepted the
 *   delivery (`entry.time` is when Meta sent it and its unit varies).
 * - Messenger: `message` events → direct_message (text empty for attachment-only messages);
 *   echoes and messages sent by the Page are dropped; read, delivery, postback, reaction, referral
 *   and optin events are dropped. `standby` items (another app owns the thread, ◐) are read like
 *   `messaging`, so handover does not hide customer messages. `thread.conversationId` is
 *   `"<page id>-<PSID>"` (❓ no conversation id in the webhook); author name is empty (needs the
 *   User Profile API ❓).
 */
export const facebookAdapter: PlatformAdapter = {
  id: 'facebook',
  secretKeys: META_SECRET_KEYS,

  handshake: metaHandshake,

  verify: verifyMetaSignature,

  normalize(rawBody, context) {
    const delivery = parsePayload(DeliverySchema, parseJsonBody(rawBody, EXPECTED), EXPECTED);
    return delivery.entry.flatMap((entry, i) => entryEvents(entry, `body.entry[${i}]`, context.receivedAt));
  },
};
