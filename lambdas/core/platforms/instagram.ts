import * as z from 'zod/mini';
import type { EngagementDraft } from '../engagement/engagement.schema.js';
import type { ChangeType, NormalizedEvent, PlatformAdapter } from './adapter.js';
import { META_SECRET_KEYS, metaHandshake, verifyMetaSignature } from './meta.js';
import { epochTimeSchema, isoFromMillis, parseJsonBody, parsePayload } from './payload.js';

const EXPECTED = 'a Meta Instagram webhook delivery: a JSON object {"object": "instagram", "entry": [...]}';

/** Author id of notifications that do not say who acted (the `mentions` field). */
export const UNKNOWN_AUTHOR_ID = 'unknown';

/**
 * `entry.time`: when Meta sent the notification, in seconds or (messaging) milliseconds.
 * Values from 10^12 on are read as milliseconds (10^12 seconds is past the year 33000). Only a
 * fallback for createdAt, so an unreadable value is ignored rather than refusing the batch.
 */
const EntryTimeSchema = z.catch(
  z.optional(
    z.pipe(
      z.union([z.number(), z.string().check(z.regex(/^\d+$/))]),
      z.transform((value: number | string, ctx) => {
        const n = Number(value);
        const iso = isoFromMillis(n >= 1e12 ? n : n * 1000);
        if (iso === undefined) {
          ctx.issues.push({ code: 'custom', message: 'expected unix time', input: value });
          return z.NEVER;
        }
        return iso;
      }),
    ),
  ),
  undefined,
);

const ChangeSchema = z.object({ field: z.string(), value: z.unknown() });

const EntrySchema = z.object({
  id: z.string().check(z.minLength(1)),
  time: EntryTimeSchema,
  changes: z.optional(z.array(ChangeSchema)),
  /** Business Login's documented sample puts one change directly on the entry (❓ likely a doc typo). */
  field: z.optional(z.string()),
  value: z.optional(z.unknown()),
  messaging: z.optional(z.array(z.looseObject({}))),
  standby: z.optional(z.array(z.looseObject({}))),
});
type Entry = z.output<typeof EntrySchema>;

const DeliverySchema = z.object({ object: z.literal('instagram'), entry: z.array(EntrySchema) });

const CommentSchema = z
  .object({
    id: z.optional(z.string().check(z.minLength(1))),
    comment_id: z.optional(z.string().check(z.minLength(1))),
    text: z.optional(z.string()),
    parent_id: z.optional(z.string().check(z.minLength(1))),
    from: z.object({ id: z.string().check(z.minLength(1)), username: z.optional(z.string()) }),
    media: z.optional(z.object({ id: z.optional(z.string().check(z.minLength(1))) })),
  })
  .check(
    z.refine((value) => value.id !== undefined || value.comment_id !== undefined, {
      message: 'expected the comment id in "id" (or "comment_id")',
      path: ['id'],
    }),
  );

const MentionSchema = z.object({
  media_id: z.string().check(z.minLength(1)),
  comment_id: z.optional(z.string().check(z.minLength(1))),
});

const SenderSchema = z.object({ id: z.string().check(z.minLength(1)) });

const MessageEventSchema = z.object({
  sender: SenderSchema,
  timestamp: epochTimeSchema('milliseconds'),
  message: z.object({
    mid: z.string().check(z.minLength(1)),
    text: z.optional(z.string()),
    is_echo: z.optional(z.boolean()),
    is_deleted: z.optional(z.boolean()),
    /** Only read to spot story mentions; an unexpected shape must not sink the batch. */
    attachments: z.catch(z.optional(z.array(z.looseObject({ type: z.optional(z.string()) }))), undefined),
    reply_to: z.optional(
      z.object({
        mid: z.optional(z.string().check(z.minLength(1))),
        story: z.optional(z.object({ id: z.optional(z.string().check(z.minLength(1))) })),
      }),
    ),
  }),
});

const MessageEditSchema = z.object({
  sender: SenderSchema,
  timestamp: epochTimeSchema('milliseconds'),
  message_edit: z.object({ mid: z.string().check(z.minLength(1)), text: z.optional(z.string()) }),
});

interface Scope {
  accountId: string;
  /** entry.time, else the time Switchboard accepted the delivery. */
  fallbackTime: string;
  /** JSON path of the value being read, for 400 messages. */
  path: string;
}

const base = (scope: Scope, author: { id: string; handle?: string | undefined }) => ({
  platform: 'instagram' as const,
  author: { id: author.id, handle: author.handle ?? '', name: '' },
  account: { id: scope.accountId },
});

function commentEvent(value: unknown, scope: Scope): NormalizedEvent[] {
  const c = parsePayload(CommentSchema, value, EXPECTED, scope.path);
  if (c.from.id === scope.accountId) return [];
  const draft: EngagementDraft = {
    ...base(scope, { id: c.from.id, handle: c.from.username }),
    kind: c.parent_id ? 'reply' : 'comment',
    externalId: (c.id ?? c.comment_id)!,
    text: c.text ?? '',
    createdAt: scope.fallbackTime,
    thread: { ...(c.parent_id && { parentId: c.parent_id }), ...(c.media?.id && { conversationId: c.media.id }) },
  };
  return [{ change: 'created', draft }];
}

function mentionEvent(value: unknown, scope: Scope): NormalizedEvent[] {
  const m = parsePayload(MentionSchema, value, EXPECTED, scope.path);
  const draft: EngagementDraft = {
    ...base(scope, { id: UNKNOWN_AUTHOR_ID }),
    kind: 'mention',
    externalId: m.comment_id ?? m.media_id,
    text: '',
    createdAt: scope.fallbackTime,
    thread: { conversationId: m.media_id },
  };
  return [{ change: 'created', draft }];
}

function messagingEvent(item: Record<string, unknown>, scope: Scope): NormalizedEvent[] {
  if (item.message !== undefined) {
    const e = parsePayload(MessageEventSchema, item, EXPECTED, scope.path);
    if (e.message.is_echo === true || e.sender.id === scope.accountId) return [];
    const storyMention = e.message.attachments?.some((a) => a.type === 'story_mention') ?? false;
    const parentId = e.message.reply_to?.mid ?? e.message.reply_to?.story?.id;
    const change: ChangeType = e.message.is_deleted === true ? 'deleted' : 'created';
    return [
      {
        change,
        draft: messageDraft(
          scope,
          e.sender.id,
          e.message.mid,
          e.message.text,
          e.timestamp,
          storyMention ? 'mention' : 'direct_message',
          parentId,
        ),
      },
    ];
  }
  if (item.message_edit !== undefined) {
    const e = parsePayload(MessageEditSchema, item, EXPECTED, scope.path);
    if (e.sender.id === scope.accountId) return [];
    return [
      {
        change: 'edited',
        draft: messageDraft(scope, e.sender.id, e.message_edit.mid, e.message_edit.text, e.timestamp, 'direct_message'),
      },
    ];
  }
  return [];
}

function messageDraft(
  scope: Scope,
  senderId: string,
  mid: string,
  text: string | undefined,
  createdAt: string,
  kind: 'direct_message' | 'mention',
  parentId?: string,
): EngagementDraft {
  return {
    ...base(scope, { id: senderId }),
    kind,
    externalId: mid,
    text: text ?? '',
    createdAt,
    thread: { conversationId: `${scope.accountId}-${senderId}`, ...(parentId && { parentId }) },
  };
}

function changeEvents(field: string, value: unknown, scope: Scope): NormalizedEvent[] {
  if (field === 'comments' || field === 'live_comments') return commentEvent(value, scope);
  if (field === 'mentions') return mentionEvent(value, scope);
  return [];
}

function entryEvents(entry: Entry, path: string, receivedAt: string): NormalizedEvent[] {
  const at = (suffix: string): Scope => ({
    accountId: entry.id,
    fallbackTime: entry.time ?? receivedAt,
    path: `${path}${suffix}`,
  });
  const flat = entry.field !== undefined ? changeEvents(entry.field, entry.value, at('.value')) : [];
  const changes = (entry.changes ?? []).flatMap((change, i) =>
    changeEvents(change.field, change.value, at(`.changes[${i}].value`)),
  );
  const messages = (entry.messaging ?? []).flatMap((item, i) => messagingEvent(item, at(`.messaging[${i}]`)));
  const standby = (entry.standby ?? []).flatMap((item, i) => messagingEvent(item, at(`.standby[${i}]`)));
  return [...flat, ...changes, ...messages, ...standby];
}

/**
 * Instagram professional accounts (docs/platforms/instagram.md): `comments`, `live_comments`,
 * `mentions` and Instagram Direct messages; secret `{ appSecret, verifyToken }`.
 *
 * - Handshake and signature are Meta's shared scheme (`meta.ts`, ✅): `hub.*` echo with
 *   `verifyToken`; `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(appSecret, raw body)>`. With
 *   Instagram (Business) Login the signing secret is the Instagram app secret, with Facebook Login
 *   the Meta app secret (◐): configure `appSecret` with the secret of the app the webhook belongs to.
 * - Every entry, change and messaging item of a batch is read; `object` must be `"instagram"` (✅).
 *   The account engaged is `entry.id` (the reference says to route by entry id, not by `object`).
 *   Another `object` (some docs describe Facebook-Login Instagram deliveries as the Page ◐) is
 *   refused with 400 rather than guessed at: a Messenger delivery sent here by mistake must not
 *   be filed as Instagram direct messages.
 *
 * Choices where the platform's documentation is unconfirmed (◐/❓; legend in docs/platforms/README.md) or silent:
 * - Comments (`comments`, `live_comments`; fields ✅ for Facebook Login): the id is `value.id`, or
 *   `value.comment_id` as one guide's sample has it (❓); a change directly on the entry
 *   (`entry.field`/`entry.value`, Business-Login sample ❓) is read like one in `changes[]`. A
 *   comment with `parent_id` is a `reply` (parentId = `parent_id`), else a `comment`;
 *   conversationId is `media.id`. Author handle `from.username`, name '' (not in the payload).
 *   Comments whose `from.id` is the account (entry id) are dropped. Instagram sends no comment
 *   edits or deletions, so every comment is `created`. No url (the payload has no permalink ❓).
 * - createdAt of comments and mentions is not in the payload: `entry.time` (when Meta sent the
 *   notification; seconds, or milliseconds from 10^12 on), else the accept time.
 * - `mentions` (Facebook Login, ◐): `{ media_id }` for a caption mention, `{ media_id, comment_id }`
 *   for a comment mention; externalId is `comment_id`, else `media_id`; conversationId `media_id`.
 *   The payload has neither text nor author: text is '' and author id is `"unknown"` (the
 *   mentioned_media / mentioned_comment edges can supply both ✅; not fetched here). With Business
 *   Login, mentions arrive as ordinary `comments` notifications (◐).
 * - Direct messages (`messaging[]`, ◐ same structure as Messenger): `message` → direct_message
 *   (externalId `mid`, text '' for attachment-only messages), or `mention` when it carries a
 *   `story_mention` attachment (story mentions only arrive this way ✅). `is_deleted` → `deleted`
 *   of the same `mid`; `message_edit` (Messenger's documented shape; for Instagram ❓) → `edited`.
 *   Echoes (`is_echo`) and anything sent by the account are dropped; reactions, seen, postbacks and
 *   referrals carry no engagement and are dropped. `standby[]` (handover ◐) is read like
 *   `messaging[]`. parentId is `reply_to.mid` or the replied-to story's id; conversationId is
 *   `"<account id>-<sender IGSID>"` (the webhook has no conversation id); author handle and name
 *   are '' (the IGSID is all the webhook gives).
 * - Fields the mapped items rely on (`from.id`, ids, a DM's `timestamp`) are required: a batch
 *   missing them is refused with 400 naming the path, so a payload change surfaces instead of
 *   silently dropping data. Unknown fields are ignored.
 */
export const instagramAdapter: PlatformAdapter = {
  id: 'instagram',
  secretKeys: META_SECRET_KEYS,

  handshake: metaHandshake,

  verify: verifyMetaSignature,

  normalize(rawBody, context) {
    const delivery = parsePayload(DeliverySchema, parseJsonBody(rawBody, EXPECTED), EXPECTED);
    return delivery.entry.flatMap((entry, i) => entryEvents(entry, `body.entry[${i}]`, context.receivedAt));
  },
};
