import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import type { EngagementDraft, EngagementKind } from '../engagement/engagement.schema.js';
import { WebhookRejection, type NormalizedEvent, type PlatformAdapter } from './adapter.js';
import { IdSchema } from './payload.js';
import { parseJsonPrecise } from '../shared/precise-json.js';
import { assertSignature, hmac, requireHeader, secretValue, type SignatureFormat } from './signatures.js';
import { isoFromMillis, malformed, parseJsonBody, parsePayload } from './payload.js';

const HEADER = 'TikTok-Signature';
/** The `s=` part: bare hex, no prefix. */
const DIGEST: SignatureFormat = { header: `${HEADER} s=`, prefix: '', encoding: 'hex' };
/** TikTok leaves the window to the receiver (docs/platforms/tiktok.md); 5 minutes either way, as for generic. */
export const TIKTOK_TOLERANCE_SECONDS = 300;

const EXPECTED =
  'a TikTok webhook event: a JSON object {"client_key", "event", "create_time", "user_openid", "content": "<JSON string>"}';

/** Unix seconds, or milliseconds when the value is too large to be seconds (a test event was seen in ms ❓). */
const CreateTimeSchema = z.pipe(
  z.union([z.int().check(z.nonnegative()), z.string().check(z.regex(/^\d+$/))]),
  z.transform((value: number | string, ctx) => {
    const n = Number(value);
    const iso = isoFromMillis(n >= 1e12 ? n : n * 1000);
    if (iso === undefined) {
      ctx.issues.push({ code: 'custom', message: 'expected unix time in seconds', input: value });
      return z.NEVER;
    }
    return { raw: String(value), iso };
  }),
);

const EnvelopeSchema = z.object({
  client_key: z.optional(z.string()),
  event: z.string().check(z.minLength(1)),
  create_time: CreateTimeSchema,
  user_openid: z.optional(z.string()),
  /** Documented as a JSON string; an object is read as the same thing. */
  content: z.optional(z.union([z.string(), z.record(z.string(), z.unknown())])),
});
type Envelope = z.output<typeof EnvelopeSchema>;

/** Business API comment / mention content (❓ field names): every field optional, ids exact. */
const ContentSchema = z.object({
  text: z.optional(z.string()),
  comment_text: z.optional(z.string()),
  user_id: z.optional(IdSchema),
  comment_user_id: z.optional(IdSchema),
  open_id: z.optional(IdSchema),
  username: z.optional(z.string()),
  unique_id: z.optional(z.string()),
  display_name: z.optional(z.string()),
  nickname: z.optional(z.string()),
  video_id: z.optional(IdSchema),
  item_id: z.optional(IdSchema),
  parent_comment_id: z.optional(IdSchema),
});
type Content = z.output<typeof ContentSchema>;

/** Event families (the part before the first dot) that carry an engagement, and their kind. */
const FAMILY_KINDS: ReadonlyMap<string, EngagementKind> = new Map([
  ['comment', 'comment'],
  ['mention', 'mention'],
]);
/** Actions that retract something: the content-hash id cannot reach the original engagement. */
const RETRACTING_ACTION = /(^|[._])(delete|deleted|remove|removed|hide|hidden)($|[._])/;

/**
 * The external id: hex sha256 of `JSON.stringify([event, user_openid ?? "", String(create_time), content])`
 * with `content` the string exactly as sent — the dedup key in docs/platforms/tiktok.md. A redelivery of the same
 * event gets the same id however TikTok orders or spaces the envelope.
 */
function tiktokEventId(envelope: Envelope): string {
  const content = typeof envelope.content === 'string' ? envelope.content : JSON.stringify(envelope.content ?? null);
  const identity = JSON.stringify([envelope.event, envelope.user_openid ?? '', envelope.create_time.raw, content]);
  return createHash('sha256').update(identity, 'utf8').digest('hex');
}

function checkTimestamp(text: string, now: Date): string {
  if (!/^\d{1,15}$/.test(text)) {
    throw new WebhookRejection(403, 'bad_timestamp', `${HEADER} t= must be unix seconds (digits only).`);
  }
  const skew = Math.floor(now.getTime() / 1000) - Number(text);
  if (skew > TIKTOK_TOLERANCE_SECONDS) {
    throw new WebhookRejection(
      401,
      'stale_timestamp',
      `${HEADER} t= is ${skew} s old; at most ${TIKTOK_TOLERANCE_SECONDS} s is accepted.`,
    );
  }
  if (-skew > TIKTOK_TOLERANCE_SECONDS) {
    throw new WebhookRejection(
      401,
      'stale_timestamp',
      `${HEADER} t= is ${-skew} s in the future; at most ${TIKTOK_TOLERANCE_SECONDS} s of clock skew is accepted.`,
    );
  }
  return text;
}

/** `t=<ts>,s=<hex>`: split on commas, then on the first `=`; the first `t` and `s` count, other keys are ignored. */
function parseSignatureHeader(value: string): { t: string; s: string } {
  const parts = new Map<string, string>();
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    if (!parts.has(key)) parts.set(key, part.slice(eq + 1).trim());
  }
  const t = parts.get('t');
  const s = parts.get('s');
  if (!t || !s) {
    throw new WebhookRejection(
      403,
      'bad_signature',
      `${HEADER} is malformed: expected "t=<unix seconds>,s=<hex HMAC-SHA256>".`,
    );
  }
  return { t, s };
}

function readContent(envelope: Envelope): Content {
  const raw = envelope.content;
  if (raw === undefined) return {};
  const value = typeof raw === 'string' ? parseJsonPrecise(raw) : raw;
  if (value === undefined) throw malformed(`Expected ${EXPECTED}. body.content: is not a valid JSON string.`);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw malformed(`Expected ${EXPECTED}. body.content: expected a JSON object inside the string.`);
  }
  return parsePayload(ContentSchema, value, EXPECTED, 'body.content');
}

function engagementEvent(envelope: Envelope, kind: EngagementKind): NormalizedEvent[] {
  const content = readContent(envelope);
  const authorId = content.user_id ?? content.comment_user_id ?? content.open_id;
  // The account's own comments and mentions (its open id as the author) are not engagement.
  if (authorId !== undefined && authorId === envelope.user_openid) return [];
  const parentId =
    content.parent_comment_id && content.parent_comment_id !== '0' ? content.parent_comment_id : undefined;
  const videoId = content.video_id ?? content.item_id;
  const draft: EngagementDraft = {
    platform: 'tiktok',
    kind: kind === 'comment' && parentId ? 'reply' : kind,
    externalId: tiktokEventId(envelope),
    text: content.text ?? content.comment_text ?? '',
    createdAt: envelope.create_time.iso,
    author: {
      id: authorId ?? 'unknown',
      handle: content.username ?? content.unique_id ?? '',
      name: content.display_name ?? content.nickname ?? '',
    },
    ...(envelope.user_openid && { account: { id: envelope.user_openid } }),
    ...((videoId ?? parentId) && {
      thread: { ...(parentId && { parentId }), ...(videoId && { conversationId: videoId }) },
    }),
  };
  return [{ change: 'created', draft }];
}

/**
 * TikTok webhooks (docs/platforms/tiktok.md), secret `{ clientSecret }`. No handshake.
 *
 * - Signature (✅): `TikTok-Signature: t=<unix seconds>,s=<hex HMAC-SHA256(clientSecret, "<t>.<raw body>")>`,
 *   split on `,` then on the first `=`. Missing header → 401 `missing_signature`; no `t`/`s` →
 *   403 `bad_signature`; non-numeric `t` → 403 `bad_timestamp`; `t` more than 5 minutes old or
 *   ahead → 401 `stale_timestamp` (TikTok leaves the window to the receiver); wrong digest → 403.
 *   Hex is per the documented 64-character example (◐); both cases are accepted.
 * - One event per delivery (✅); `content` is a JSON string parsed a second time (✅).
 * - No event id exists (✅): the engagement's externalId is the hex sha256 of
 *   `JSON.stringify([event, user_openid, String(create_time), content string])` (the dedup key in docs/platforms/tiktok.md, ◐), so a
 *   redelivery (TikTok retries for 72 h) maps to the same engagement.
 *
 * Choices where the platform's documentation is unconfirmed (◐/❓; legend in docs/platforms/README.md) or silent:
 * - The developer-platform events (✅: `authorization.removed`, `video.upload.failed`,
 *   `video.publish.completed`, data-portability, test pings) carry no engagement: nothing.
 * - Business API (❓ event names and content fields): events whose family (the part before the
 *   first `.`) is `comment` become `comment` (`reply` when the content names a
 *   `parent_comment_id`), family `mention` becomes `mention`; every other family (publishing,
 *   messaging, ad account, service status) yields nothing. Events whose action says delete,
 *   remove or hide are dropped: a content-hash id cannot name the engagement they retract, and
 *   routing them would create a bogus new one. For the same reason edits arrive as new
 *   engagements (`change: 'created'`); there is no `edited`/`deleted` for TikTok.
 * - Content fields read when present: text `text`|`comment_text`; author id
 *   `user_id`|`comment_user_id`|`open_id` (`'unknown'` when none), handle `username`|`unique_id`,
 *   name `display_name`|`nickname`; `video_id`|`item_id` → thread.conversationId;
 *   `parent_comment_id` → thread.parentId. Numeric ids keep every digit. An author equal to
 *   `user_openid` (the account the app is authorised for) is the company itself and is dropped.
 *   `account.id` is `user_openid`. No url (none is documented).
 * - createdAt is the envelope's `create_time` (seconds; a value ≥ 10^12 is read as milliseconds,
 *   as one unofficial test-event capture shows ❓).
 * - A `content` that is not a JSON string of an object, on an engagement event, is a 400.
 */
export const tiktokAdapter: PlatformAdapter = {
  id: 'tiktok',
  secretKeys: ['clientSecret'],

  verify(request, secret, now) {
    const { t, s } = parseSignatureHeader(requireHeader(request.headers, HEADER));
    const timestamp = checkTimestamp(t, now);
    assertSignature(DIGEST, s, hmac('sha256', secretValue(secret, 'clientSecret'), `${timestamp}.`, request.rawBody));
  },

  normalize(rawBody) {
    const envelope = parsePayload(EnvelopeSchema, parseJsonBody(rawBody, EXPECTED), EXPECTED);
    const family = envelope.event.split('.')[0] ?? '';
    const kind = FAMILY_KINDS.get(family);
    if (!kind || RETRACTING_ACTION.test(envelope.event.slice(family.length))) return [];
    return engagementEvent(envelope, kind);
  },
};
