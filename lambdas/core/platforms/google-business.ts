import * as z from 'zod/mini';
import type { EngagementDraft } from '../engagement/engagement.schema.js';
import type { ChangeType, NormalizedEvent, PlatformAdapter } from './adapter.js';
import { assertQueryToken } from './shared-secret.js';
import { parseJsonPrecise } from '../shared/precise-json.js';
import { malformed, parseJsonBody, parsePayload } from './payload.js';

const EXPECTED =
  'a Cloud Pub/Sub push request (wrapped format): {"message": {"data": "<base64 JSON notification>", "messageId", "publishTime"}, "subscription"}';
const DATA_EXPECTED =
  'a Google Business Profile notification: base64 of a JSON object naming the notification type and the review';

const Timestamp = z.iso.datetime({ offset: true });

/** Pub/Sub writes both spellings of the message fields in push requests. */
const PushSchema = z.object({
  message: z.object({
    data: z.optional(z.string()),
    attributes: z.nullish(z.record(z.string(), z.string())),
    messageId: z.optional(z.string()),
    message_id: z.optional(z.string()),
    publishTime: z.optional(Timestamp),
    publish_time: z.optional(Timestamp),
  }),
  subscription: z.optional(z.string()),
});

const STARS = { ONE: 1, TWO: 2, THREE: 3, FOUR: 4, FIVE: 5 } as const;

/** The v4 Review resource, when a notification carries it (◐). */
const ReviewSchema = z.object({
  name: z.optional(z.string().check(z.minLength(1))),
  reviewer: z.optional(z.object({ displayName: z.optional(z.string()), isAnonymous: z.optional(z.boolean()) })),
  starRating: z.optional(z.enum(['STAR_RATING_UNSPECIFIED', 'ONE', 'TWO', 'THREE', 'FOUR', 'FIVE'])),
  comment: z.optional(z.string()),
  createTime: z.optional(Timestamp),
  updateTime: z.optional(Timestamp),
});
type Review = z.output<typeof ReviewSchema>;

/** Key names are unconfirmed (❓): each value is read under every spelling seen in Google's docs and public code. */
const NotificationSchema = z.object({
  type: z.optional(z.string()),
  notificationType: z.optional(z.string()),
  notification_type: z.optional(z.string()),
  reviewName: z.optional(z.string().check(z.minLength(1))),
  review_name: z.optional(z.string().check(z.minLength(1))),
  review: z.optional(z.union([z.string().check(z.minLength(1)), ReviewSchema])),
  locationName: z.optional(z.string().check(z.minLength(1))),
  location_name: z.optional(z.string().check(z.minLength(1))),
  location: z.optional(z.string().check(z.minLength(1))),
});

const CHANGE_BY_TYPE: ReadonlyMap<string, ChangeType> = new Map([
  ['NEW_REVIEW', 'created'],
  ['UPDATED_REVIEW', 'edited'],
  ['DELETED_REVIEW', 'deleted'],
  ['REVIEW_DELETED', 'deleted'],
]);

/** Strict standard base64 (Pub/Sub's encoding); Buffer.from alone would skip bad characters. */
function decodeBase64(text: string): Buffer | undefined {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function readNotification(data: string | undefined): z.output<typeof NotificationSchema> {
  if (data === undefined || data === '') throw malformed(`Expected ${EXPECTED}. body.message.data is missing.`);
  const bytes = decodeBase64(data);
  if (bytes === undefined) throw malformed(`Expected ${EXPECTED}. body.message.data: is not valid base64.`);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw malformed(`Expected ${DATA_EXPECTED}. body.message.data: decodes to invalid UTF-8.`);
  }
  const value = parseJsonPrecise(text);
  if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw malformed(`Expected ${DATA_EXPECTED}. body.message.data: does not decode to a JSON object.`);
  }
  return parsePayload(NotificationSchema, value, DATA_EXPECTED, 'body.message.data');
}

function reviewDraft(
  name: string,
  location: string | undefined,
  review: Review | undefined,
  fallbackTime: string,
): EngagementDraft {
  const stars =
    review?.starRating && review.starRating !== 'STAR_RATING_UNSPECIFIED' ? STARS[review.starRating] : undefined;
  const reviewer = review?.reviewer;
  return {
    platform: 'google-business',
    kind: 'review',
    externalId: name,
    text: review?.comment ?? '',
    createdAt: review?.createTime ?? fallbackTime,
    author: {
      id: reviewer === undefined ? 'unknown' : reviewer.isAnonymous ? 'anonymous' : reviewer.displayName || 'unknown',
      handle: '',
      name: reviewer?.isAnonymous ? '' : (reviewer?.displayName ?? ''),
    },
    ...(location && { account: { id: location } }),
    ...(stars !== undefined && { rating: stars }),
  };
}

/**
 * Google Business Profile reviews through Cloud Pub/Sub push (docs/platforms/google-business.md), secret
 * `{ pushToken }` (key chosen here; docs/design.md lists none for this platform). No handshake.
 *
 * - Authentication: the push subscription's endpoint must be
 *   `https://…/webhooks/google-business?token=<pushToken>`; the token is compared in constant
 *   time. Missing → 401 `missing_signature`, wrong → 403 `bad_signature`.
 *   Future work: Google's recommended check is the OIDC JWT in `Authorization: Bearer` (signature
 *   against Google's published certs, `iss` accounts.google.com, `aud` = the configured audience,
 *   `email` = the push service account with `email_verified`, `exp`). Verifying it needs Google's
 *   public keys fetched (and cached) at run time, which a pure adapter cannot do; when the webhook
 *   function gains a key source, `audience` and `serviceAccountEmail` (kept in the local secret
 *   for that purpose) become the claims to check. Until then the header is ignored.
 * - Body: the wrapped push format (✅), one message per request; `message.data` is base64 of a
 *   JSON notification. Payload unwrapping must be off on the subscription (an unwrapped body is
 *   refused with 400). Bad base64, UTF-8 or JSON in `data` → 400 naming `body.message.data`.
 *
 * Choices where the platform's documentation is unconfirmed (◐/❓; legend in docs/platforms/README.md) or silent:
 * - Notification keys (❓): the type is read from `type`|`notificationType`|`notification_type`,
 *   the review name from `reviewName`|`review_name`|`review` (a name, or a v4 Review object with
 *   `name`), the location from `locationName`|`location_name`|`location`, else from the review
 *   name's `accounts/…/locations/…` prefix.
 * - Types: NEW_REVIEW → created; UPDATED_REVIEW → edited (same engagement id; Google may also send
 *   it when the owner replies, which then re-applies the same text); DELETED_REVIEW or
 *   REVIEW_DELETED → deleted (Google documents no deletion notification ❓; accepted if one
 *   arrives). Every other type (GOOGLE_UPDATE, media, Q&A, VOICE_OF_MERCHANT_UPDATED…) yields
 *   nothing. A review type without a review name is a 400.
 * - externalId is the review resource name `accounts/{a}/locations/{l}/reviews/{r}` (✅ form).
 * - Google's notification names the review but carries no content (◐): text is empty, rating and
 *   author unknown, unless the data carries a v4 Review object (◐: `comment`, `starRating`
 *   ONE..FIVE → rating 1..5, `reviewer.displayName`, `createTime`). Fetching the review is
 *   enrichment's job (❓, not an adapter's: no I/O here).
 * - author: reviewers have no id in the API, so author.id is the display name, `anonymous` for
 *   anonymous reviewers, or `unknown` when the notification names no reviewer (❓ convention).
 * - account.id is the location name (the company's own listing). No url (no public review
 *   permalink in the API ❓). createdAt: the review's `createTime`, else the message's
 *   `publishTime`, else the time Switchboard accepted the delivery.
 */
export const googleBusinessAdapter: PlatformAdapter = {
  id: 'google-business',
  secretKeys: ['pushToken'],

  verify(request, secret) {
    assertQueryToken(request, secret, 'pushToken', 'the Pub/Sub push subscription');
  },

  normalize(rawBody, context): NormalizedEvent[] {
    const push = parsePayload(PushSchema, parseJsonBody(rawBody, EXPECTED), EXPECTED);
    const { message } = push;
    const notification = readNotification(message.data);
    const type = notification.type ?? notification.notificationType ?? notification.notification_type;
    if (type === undefined) throw malformed(`Expected ${DATA_EXPECTED}. body.message.data.type is missing.`);
    const change = CHANGE_BY_TYPE.get(type);
    if (!change) return [];
    const review = typeof notification.review === 'object' ? notification.review : undefined;
    const name =
      notification.reviewName ??
      notification.review_name ??
      (typeof notification.review === 'string' ? notification.review : review?.name);
    if (name === undefined)
      throw malformed(
        `Expected ${DATA_EXPECTED}. body.message.data.reviewName is missing (review notifications name their review).`,
      );
    const location =
      notification.locationName ??
      notification.location_name ??
      notification.location ??
      /^(.*\/locations\/[^/]+)\/reviews\//.exec(name)?.[1];
    const publishTime = message.publishTime ?? message.publish_time ?? context.receivedAt;
    return [{ change, draft: reviewDraft(name, location, review, publishTime) }];
  },
};
