import * as z from 'zod/mini';
import type { EngagementDraft, EngagementKind } from '../engagement/engagement.schema.js';
import { WebhookRejection, type ChangeType, type NormalizedEvent, type PlatformAdapter } from './adapter.js';
import { assertSignature, hmac, requireHeader, secretValue, type SignatureFormat } from './signatures.js';
import { epochTimeSchema, malformed, parseJsonBody, parsePayload } from './payload.js';

const SIGNATURE: SignatureFormat = { header: 'X-LI-Signature', prefix: '', encoding: 'hex' };
/** LinkedIn MACs this literal followed by the raw body (docs/platforms/linkedin.md). */
export const LINKEDIN_SIGNED_PREFIX = 'hmacsha256=';
const EVENT_TYPE = 'ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS';
/**
 * The shape a challengeCode must have before it is answered: LinkedIn sends a type-4 UUID
 * (docs/platforms/linkedin.md). The answer is HMAC-SHA256(clientSecret, challengeCode) and a delivery's
 * signature is HMAC-SHA256(clientSecret, "hmacsha256=" + body), so answering a code of
 * `hmacsha256=<json>` would sign a forged delivery; this alphabet has no `=` (nor `{`), so no
 * answered code can ever be such a string.
 */
const CHALLENGE_CODE = /^[A-Za-z0-9-]{8,128}$/;
const EXPECTED = `a LinkedIn webhook delivery: a JSON object {"type": "${EVENT_TYPE}", "notifications": [...]}`;

/** What each action becomes; actions absent here (ADMIN_COMMENT, unknown ones) yield nothing. */
const ACTIONS: ReadonlyMap<string, { kind: EngagementKind; change: ChangeType }> = new Map([
  ['COMMENT', { kind: 'comment', change: 'created' }],
  ['COMMENT_EDIT', { kind: 'comment', change: 'edited' }],
  ['COMMENT_DELETE', { kind: 'comment', change: 'deleted' }],
  ['SHARE', { kind: 'share', change: 'created' }],
  ['SHARE_MENTION', { kind: 'mention', change: 'created' }],
  ['LIKE', { kind: 'reaction', change: 'created' }],
]);

const Urn = z.string().check(z.minLength(1));
const MessageSchema = z.object({ text: z.optional(z.string()) });

const CommentSchema = z.object({
  entity: z.optional(Urn),
  owner: z.optional(Urn),
  object: z.optional(Urn),
  parentComment: z.optional(Urn),
  text: z.optional(z.string()),
  message: z.optional(MessageSchema),
});

const ShareSchema = z.object({
  entity: z.optional(Urn),
  owner: z.optional(Urn),
  text: z.optional(z.string()),
  commentary: z.optional(z.string()),
});

const NotificationSchema = z.object({
  notificationId: z.pipe(
    z.union([z.string().check(z.regex(/^\d+$/, 'expected digits')), z.int().check(z.nonnegative())]),
    z.transform(String),
  ),
  action: z.string().check(z.minLength(1)),
  organizationalEntity: Urn,
  sourcePost: z.optional(Urn),
  generatedActivity: z.optional(Urn),
  decoratedGeneratedActivity: z.optional(
    z.object({ comment: z.optional(CommentSchema), share: z.optional(ShareSchema) }),
  ),
  actor: z.optional(Urn),
  lastModifiedAt: z.optional(epochTimeSchema('milliseconds')),
});
type Notification = z.output<typeof NotificationSchema>;

/** Read first, so another event type delivered to the same app webhook is skipped whatever its shape. */
const HeadSchema = z.object({ type: z.optional(z.string()) });
const DeliverySchema = z.object({
  notifications: z.array(z.looseObject({ action: z.string().check(z.minLength(1)) })),
});

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * JSON with `notificationId` kept as its exact source digits: it is a JSON number, and one
 * beyond 2^53 would lose digits in `JSON.parse`. Needs JSON.parse source access (Node ≥ 21);
 * without it the parsed number is used.
 */
function parseDelivery(rawBody: Buffer): unknown {
  parseJsonBody(rawBody, EXPECTED); // refuses invalid UTF-8 / JSON with a message that never quotes the body
  const exactIds = (key: string, value: unknown, context?: { source?: string }): unknown =>
    key === 'notificationId' && typeof value === 'number' && context?.source !== undefined ? context.source : value;
  try {
    return JSON.parse(utf8.decode(rawBody), exactIds);
  } catch (err) {
    // A reviver recurses: a body nested thousands of levels deep (valid JSON, parsed above)
    // overflows the stack here. It is the sender's error, not ours: 400, so it is not retried.
    if (err instanceof RangeError) throw malformed(`Body nests too deeply; expected ${EXPECTED}.`);
    throw err;
  }
}

/**
 * Comment URNs arrive in two spellings for the same comment — `decoratedGeneratedActivity.comment.entity`
 * is `urn:li:comment:(urn:li:activity:1,2)` while `generatedActivity` has been seen as
 * `urn:li:comment:(activity:1,2)` — so the inner object is written with its `urn:li:` prefix,
 * keeping one engagement id for a comment, its edits and its deletion.
 */
export function canonicalCommentUrn(urn: string): string {
  const prefix = 'urn:li:comment:(';
  if (!urn.startsWith(prefix) || !urn.endsWith(')')) return urn;
  const inner = urn.slice(prefix.length, -1);
  return inner.startsWith('urn:li:') ? urn : `${prefix}urn:li:${inner})`;
}

/** Permalink of a post URN (❓ convention); only simple `urn:li:<type>:<digits>` URNs are linked. */
function postUrl(urn: string | undefined): string | undefined {
  return urn && /^urn:li:[A-Za-z]+:\d+$/.test(urn) ? `https://www.linkedin.com/feed/update/${urn}/` : undefined;
}

/** The URN that identifies the engagement an action created, or undefined when the notification has none. */
function activityUrn(n: Notification, kind: EngagementKind): string | undefined {
  const decorated = n.decoratedGeneratedActivity;
  if (kind === 'comment') {
    const urn = decorated?.comment?.entity ?? n.generatedActivity;
    return urn === undefined ? undefined : canonicalCommentUrn(urn);
  }
  if (kind === 'reaction') return n.generatedActivity;
  return decorated?.share?.entity ?? n.generatedActivity;
}

function notificationEvents(n: Notification, receivedAt: string): NormalizedEvent[] {
  const mapping = ACTIONS.get(n.action);
  if (!mapping) return [];
  const urn = activityUrn(n, mapping.kind);
  // An edit or deletion must name the comment it changes: keyed by the notification instead, it
  // would create a new engagement rather than change the existing one.
  if (mapping.change !== 'created' && urn === undefined) return [];
  const { comment, share } = n.decoratedGeneratedActivity ?? {};
  const isComment = mapping.kind === 'comment';
  const authorId = (isComment ? comment?.owner : share?.owner) ?? n.actor;
  if (authorId === n.organizationalEntity) return [];

  const parentComment = isComment ? comment?.parentComment : undefined;
  const text =
    mapping.kind === 'reaction'
      ? ''
      : isComment
        ? (comment?.text ?? comment?.message?.text ?? '')
        : (share?.text ?? share?.commentary ?? '');
  // Replies point at their parent comment; shares and likes at the organization's post.
  const parentId =
    parentComment ?? (mapping.kind === 'share' || mapping.kind === 'reaction' ? n.sourcePost : undefined);
  const url = postUrl(n.sourcePost);
  const draft: EngagementDraft = {
    platform: 'linkedin',
    kind: parentComment ? 'reply' : mapping.kind,
    externalId: urn ?? `notification:${n.notificationId}`,
    ...(url && { url }),
    text,
    createdAt: n.lastModifiedAt ?? receivedAt,
    author: { id: authorId ?? 'unknown', handle: '', name: '' },
    account: { id: n.organizationalEntity },
    ...((parentId || n.sourcePost) && {
      thread: { ...(parentId && { parentId }), ...(n.sourcePost && { conversationId: n.sourcePost }) },
    }),
  };
  return [{ change: mapping.change, draft }];
}

/**
 * LinkedIn Organization Social Action Notifications (docs/platforms/linkedin.md), secret `{ clientSecret }`.
 *
 * - Handshake (✅ formula): `GET ?challengeCode=<uuid>` → 200 JSON
 *   `{"challengeCode": "<same>", "challengeResponse": "<lowercase hex HMAC-SHA256(clientSecret, challengeCode)>"}`,
 *   only for a code of 8–128 characters from `A-Z a-z 0-9 -` (LinkedIn sends a UUID); anything else
 *   → 400 `bad_challenge_code`. The answer for `hmacsha256=<body>` would be a valid `X-LI-Signature`
 *   for that body, so a code that could be one (it has `=`) must never be answered.
 *   `applicationId` (parent/child apps only) is ignored: one app, one client secret.
 * - Signature (◐, recipe from LinkedIn's page as quoted in public copies): `X-LI-Signature` is the
 *   hex HMAC-SHA256 with the client secret of `"hmacsha256=" + raw body`. A header value that
 *   itself starts with `hmacsha256=` is also read (the wording is ambiguous about where the prefix
 *   goes; the MAC input is the same). No timestamp is signed, so there is no staleness check:
 *   duplicates are caught by the engagement id.
 * - Every notification of a delivery (up to 10, ◐) is read; a delivery whose `type` is another
 *   event type (e.g. lead notifications on the same app) yields nothing.
 *
 * Choices where the platform's documentation is unconfirmed (◐/❓; legend in docs/platforms/README.md) or silent:
 * - Actions: COMMENT → comment (reply when the comment names a `parentComment` ❓); COMMENT_EDIT →
 *   `edited`, COMMENT_DELETE → `deleted` of the same comment; SHARE → share; SHARE_MENTION →
 *   mention; LIKE → reaction with empty text. ADMIN_COMMENT (the organization's own comment) and
 *   unknown actions are dropped, as is anything whose author is the `organizationalEntity`.
 * - Ids: a comment is keyed by its comment URN (canonical spelling, see {@link canonicalCommentUrn})
 *   so edits and deletions update the same engagement; shares and mentions by the share URN; likes
 *   by `generatedActivity`. When a notification carries no such URN the id is
 *   `notification:<notificationId>` (stable across LinkedIn's redeliveries). `notificationId` keeps
 *   its exact digits. A COMMENT_EDIT or COMMENT_DELETE without a comment URN (neither
 *   `decoratedGeneratedActivity.comment.entity` nor `generatedActivity`) yields nothing: keyed by
 *   its notification id it would create a new engagement instead of editing or deleting the
 *   comment it is about, which cannot be identified.
 * - Comment text is `comment.text`, else `comment.message.text` (both spellings seen ❓); share and
 *   mention text is `share.text`, else `share.commentary` (❓); empty when absent.
 * - Author: `owner` of the generated comment/share, else `actor`; `"unknown"` when neither is sent
 *   (❓ e.g. deletions). Handle and name are empty: the payload has none, and resolving members
 *   is usually not permitted.
 * - createdAt is `lastModifiedAt` (ms), else the time Switchboard accepted the delivery.
 * - url is `https://www.linkedin.com/feed/update/<sourcePost>/` (❓ convention), only for plain
 *   `urn:li:<type>:<digits>` post URNs. `thread.conversationId` is `sourcePost`; `thread.parentId`
 *   is the parent comment for replies and `sourcePost` for shares and likes (the organization's
 *   post that was reshared or liked); top-level comments and mentions have no parent.
 * - Bodies need `notifications[]` with `notificationId`, `action` and `organizationalEntity` on each
 *   notification of a mapped action; anything else missing is tolerated, so an unconfirmed detail
 *   never makes LinkedIn drop a whole batch after its retries.
 */
export const linkedinAdapter: PlatformAdapter = {
  id: 'linkedin',
  secretKeys: ['clientSecret'],

  handshake(request, secret) {
    const challengeCode = request.query.challengeCode;
    if (!challengeCode) {
      throw new WebhookRejection(
        400,
        'missing_challenge_code',
        'Missing challengeCode query parameter (LinkedIn endpoint validation).',
      );
    }
    if (!CHALLENGE_CODE.test(challengeCode)) {
      // Never quoted back: the value is attacker-chosen.
      throw new WebhookRejection(
        400,
        'bad_challenge_code',
        'challengeCode must be 8-128 characters from A-Z a-z 0-9 - (LinkedIn sends a UUID).',
      );
    }
    const challengeResponse = hmac('sha256', secretValue(secret, 'clientSecret'), challengeCode).toString('hex');
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ challengeCode, challengeResponse }),
    };
  },

  verify(request, secret) {
    const header = requireHeader(request.headers, SIGNATURE.header);
    const received = header.startsWith(LINKEDIN_SIGNED_PREFIX) ? header.slice(LINKEDIN_SIGNED_PREFIX.length) : header;
    assertSignature(
      SIGNATURE,
      received,
      hmac('sha256', secretValue(secret, 'clientSecret'), LINKEDIN_SIGNED_PREFIX, request.rawBody),
    );
  },

  normalize(rawBody, context) {
    const body = parseDelivery(rawBody);
    const { type } = parsePayload(HeadSchema, body, EXPECTED);
    if (type !== undefined && type !== EVENT_TYPE) return [];
    return parsePayload(DeliverySchema, body, EXPECTED).notifications.flatMap((item, i) => {
      if (!ACTIONS.has(item.action)) return [];
      const notification = parsePayload(NotificationSchema, item, EXPECTED, `body.notifications[${i}]`);
      return notificationEvents(notification, context.receivedAt);
    });
  },
};
