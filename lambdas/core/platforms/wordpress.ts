import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import type { EngagementDraft, EngagementKind } from '../engagement/engagement.schema.js';
import type { ChangeType, NormalizedEvent, PlatformAdapter } from './adapter.js';
import { IdSchema, parseKeyValueBody } from './payload.js';
import { assertQueryToken } from './shared-secret.js';
import { malformed, parsePayload } from './payload.js';

const EXPECTED =
  'a WordPress.com webhook delivery: form-encoded (or JSON) fields with "hook" (e.g. comment_post) and the comment fields ticked for it, including comment_ID';

/** What each comment action means for the engagement; other hooks (publish_post…) carry none. */
const CHANGE_BY_HOOK: ReadonlyMap<string, ChangeType | 'status'> = new Map([
  ['comment_post', 'created'],
  ['edit_comment', 'edited'],
  ['untrashed_comment', 'edited'],
  ['unspammed_comment', 'edited'],
  ['wp_set_comment_status', 'status'],
  ['delete_comment', 'deleted'],
  ['deleted_comment', 'deleted'],
  ['trash_comment', 'deleted'],
  ['trashed_comment', 'deleted'],
  ['spam_comment', 'deleted'],
  ['spammed_comment', 'deleted'],
]);

/** `wp_set_comment_status` statuses: visible or held → edited; gone from the site → deleted. */
const CHANGE_BY_STATUS: ReadonlyMap<string, ChangeType> = new Map([
  ['approve', 'edited'],
  ['1', 'edited'],
  ['hold', 'edited'],
  ['0', 'edited'],
  ['spam', 'deleted'],
  ['trash', 'deleted'],
  ['delete', 'deleted'],
]);

/** comment_type → kind; other types (WooCommerce order notes, plugin logs…) are not engagement. */
const KIND_BY_TYPE: ReadonlyMap<string, EngagementKind> = new Map([
  ['', 'comment'],
  ['comment', 'comment'],
  ['pingback', 'mention'],
  ['trackback', 'mention'],
  ['review', 'review'],
]);

/** `comment_date_gmt` is "YYYY-MM-DD HH:MM:SS" in UTC; WordPress writes zeros when it has none. */
const GmtDateSchema = z.pipe(
  z.string(),
  z.transform((text: string, ctx) => {
    if (text === '' || text.startsWith('0000-00-00')) return undefined;
    const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})$/.exec(text);
    const iso = m ? `${m[1]}T${m[2]}Z` : undefined;
    if (iso === undefined || Number.isNaN(Date.parse(iso))) {
      ctx.issues.push({ code: 'custom', message: 'expected "YYYY-MM-DD HH:MM:SS" (UTC)', input: text });
      return z.NEVER;
    }
    return new Date(iso).toISOString();
  }),
);

const Text = z.pipe(z.union([z.string(), z.number()]), z.transform(String));

const CommentSchema = z.object({
  comment_ID: IdSchema,
  comment_post_ID: z.optional(IdSchema),
  comment_parent: z.optional(Text),
  comment_author: z.optional(z.string()),
  comment_author_email: z.optional(z.string()),
  comment_content: z.optional(z.string()),
  comment_date_gmt: z.optional(GmtDateSchema),
  comment_approved: z.optional(Text),
  comment_type: z.optional(z.string()),
  user_id: z.optional(Text),
  status: z.optional(Text),
});
type Comment = z.output<typeof CommentSchema>;

const HookSchema = z.object({ hook: z.string().check(z.minLength(1)) });

const isSet = (id: string | undefined): id is string => id !== undefined && id !== '' && id !== '0';

/** user_id for registered users; else a hash of the e-mail (never the address itself); else 'anonymous'. */
function authorId(comment: Comment): string {
  if (isSet(comment.user_id)) return comment.user_id;
  const email = comment.comment_author_email?.trim().toLowerCase();
  if (email) return `email-sha256:${createHash('sha256').update(email, 'utf8').digest('hex')}`;
  return 'anonymous';
}

function toDraft(comment: Comment, kind: EngagementKind, receivedAt: string): EngagementDraft {
  const parentId = isSet(comment.comment_parent) ? comment.comment_parent : undefined;
  const postId = comment.comment_post_ID;
  return {
    platform: 'wordpress',
    kind: kind === 'comment' && parentId ? 'reply' : kind,
    externalId: comment.comment_ID,
    text: comment.comment_content ?? '',
    createdAt: comment.comment_date_gmt ?? receivedAt,
    author: { id: authorId(comment), handle: '', name: comment.comment_author ?? '' },
    ...((postId ?? parentId) && {
      thread: { ...(parentId && { parentId }), ...(postId && { conversationId: postId }) },
    }),
  };
}

/**
 * WordPress.com native webhooks (docs/platforms/wordpress.md), secret `{ signingSecret }`. No handshake.
 *
 * - Authentication: WordPress.com signs nothing and sends no secret (◐: the docs describe none),
 *   so the webhook URL registered in Settings → Webhooks must carry a token,
 *   `https://…/webhooks/wordpress?token=<signingSecret>`, compared in constant time. Missing → 401
 *   `missing_signature`, wrong → 403 `bad_signature`. The token does not cover the body: anyone
 *   who learns the URL can post; treat the body as a hint (docs/platforms/wordpress.md) and keep the URL secret.
 * - Body: form-encoded (◐) with the fields ticked for the action plus `hook` (✅); a JSON object
 *   of the same fields is also read (told apart by a leading `{`). One event per delivery.
 *
 * Choices where the platform's documentation is unconfirmed (◐/❓; legend in docs/platforms/README.md) or silent:
 * - Hooks: `comment_post` (✅) → created. WordPress.com's UI documents only comment_post,
 *   publish_post and publish_page; the system is HookPress-based, which also offers comment
 *   actions with the same fields (◐): `edit_comment`, `untrashed_comment`, `unspammed_comment`
 *   → edited; `delete_comment`, `deleted_comment`, `trash(ed)_comment`, `spam(med)_comment` →
 *   deleted; `wp_set_comment_status` by its `status`: approve/1/hold/0 → edited (same text;
 *   an approval of a comment never seen is routed as new), spam/trash/delete → deleted.
 *   `publish_post`/`publish_page` (the site's own content) and any other hook yield nothing.
 * - A `comment_post` whose `comment_approved` is `spam` or `trash` is dropped (WordPress already
 *   judged it; it is not shown on the site). Held comments (`0`) are engagements.
 * - Kind by `comment_type`: ''/comment → comment, or reply when `comment_parent` ≠ 0;
 *   pingback/trackback (another site linking to a post) → mention; review → review (no rating
 *   field is sent). Other types (order notes, plugin logs) yield nothing.
 * - externalId is `comment_ID` (✅ field). The payload names no site and the adapter does not see
 *   the query, so one WordPress.com site per deployment is assumed (❓: a second site would need
 *   its id in the engagement id; the dedup key in docs/platforms/wordpress.md is site + comment id).
 * - author.id is `user_id` when non-zero, else `email-sha256:<hex sha256 of the lower-cased
 *   e-mail>` (❓ convention; the address itself never leaves the adapter), else `anonymous`;
 *   name `comment_author`; handle ''. The site's own staff cannot be told from the payload, so
 *   their comments are not dropped (❓).
 * - createdAt `comment_date_gmt` (UTC), else the time Switchboard accepted the delivery.
 *   thread: conversationId `comment_post_ID`, parentId `comment_parent` when ≠ 0. No url
 *   (`post_url` is not among the comment fields).
 * - Only `comment_ID` is required of a comment hook (the admin chooses which fields are sent);
 *   a comment hook without it is a 400 saying to tick it.
 */
export const wordpressAdapter: PlatformAdapter = {
  id: 'wordpress',
  secretKeys: ['signingSecret'],

  verify(request, secret) {
    assertQueryToken(request, secret, 'signingSecret', 'WordPress.com');
  },

  normalize(rawBody, context): NormalizedEvent[] {
    const fields = parseKeyValueBody(rawBody, EXPECTED);
    const { hook } = parsePayload(HookSchema, fields, EXPECTED);
    const action = CHANGE_BY_HOOK.get(hook);
    if (!action) return [];
    if (fields.comment_ID === undefined) {
      throw malformed(`Expected ${EXPECTED}. body.comment_ID is missing: tick comment_ID in the webhook's fields.`);
    }
    const comment = parsePayload(CommentSchema, fields, EXPECTED);
    const kind = KIND_BY_TYPE.get(comment.comment_type ?? '');
    if (!kind) return [];
    const change = action === 'status' ? CHANGE_BY_STATUS.get(comment.status ?? '') : action;
    if (!change) return [];
    if (change === 'created' && (comment.comment_approved === 'spam' || comment.comment_approved === 'trash'))
      return [];
    return [{ change, draft: toDraft(comment, kind, context.receivedAt) }];
  },
};
