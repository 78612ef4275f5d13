import * as z from 'zod/mini';
import type { EngagementDraft, EngagementKind } from '../engagement/engagement.schema.js';
import type { NormalizedEvent, PlatformAdapter } from './adapter.js';
import { IdSchema, parseFormBody, parseKeyValueBody } from './payload.js';
import { assertSharedSecret } from './shared-secret.js';
import { parseJsonPrecise } from '../shared/precise-json.js';
import { epochTimeSchema, malformed, parsePayload } from './payload.js';
import { secretValue } from './signatures.js';

const EXPECTED =
  'a Foursquare push: form-encoded (or JSON) parameters "secret" and one of "checkin", "tip", "photo", "like" (each a JSON object), optionally "user"';

const UserSchema = z.object({
  id: IdSchema,
  firstName: z.optional(z.string()),
  lastName: z.optional(z.string()),
  /** From the authorised user's view: "self" marks that user's own activity. */
  relationship: z.optional(z.string()),
});
type User = z.output<typeof UserSchema>;

const VenueSchema = z.object({ id: IdSchema, name: z.optional(z.string()) });
const Seconds = z.optional(epochTimeSchema('seconds'));
/** A bad canonical URL must not refuse the push: it is dropped, not rejected. */
const UrlSchema = z.catch(z.optional(z.url({ protocol: /^https?$/ })), undefined);

const ItemSchema = z.object({
  id: z.optional(IdSchema),
  createdAt: Seconds,
  shout: z.optional(z.string()),
  text: z.optional(z.string()),
  canonicalUrl: UrlSchema,
  venue: z.optional(VenueSchema),
  user: z.optional(UserSchema),
});
type Item = z.output<typeof ItemSchema>;

/** The push parameters that carry content, in the order they are read, and what they become. */
const PARAMS: readonly (readonly [param: string, kind: EngagementKind])[] = [
  ['checkin', 'check_in'],
  ['tip', 'comment'],
  ['photo', 'post'],
  ['like', 'reaction'],
];

/** The body parameter that carries the push secret. */
const SECRET_PARAM = 'secret';

/** Whether `parseKeyValueBody` reads the body as JSON: its first non-blank byte is `{`. */
function isJsonBody(rawBody: Buffer): boolean {
  return rawBody.find((byte) => byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) === 0x7b;
}

/** The decoded name of one `key=value` pair of a form body (strictly valid: the body was parsed first). */
function formKey(pair: string): string {
  const eq = pair.indexOf('=');
  return decodeURIComponent((eq < 0 ? pair : pair.slice(0, eq)).replaceAll('+', ' '));
}

/**
 * The push without its `secret` parameter, read by `normalize` exactly as the original. A form body
 * keeps every other pair byte for byte (every pair whose decoded name is `secret` is dropped, so
 * an escaped spelling such as `secre%74` goes too); a JSON body is re-serialised without the key,
 * which `JSON.parse` reads back to the same values. A body without the parameter is returned as
 * is; an unreadable one is a 400, as `normalize` would make it.
 */
function redactSecret(rawBody: Buffer): Buffer {
  if (isJsonBody(rawBody)) {
    const fields = parseKeyValueBody(rawBody, EXPECTED);
    if (!Object.hasOwn(fields, SECRET_PARAM)) return rawBody;
    // fromEntries defines own properties, so a "__proto__" key stays plain data, as JSON.parse made it.
    const rest = Object.fromEntries(Object.entries(fields).filter(([key]) => key !== SECRET_PARAM));
    return Buffer.from(JSON.stringify(rest), 'utf8');
  }
  const fields = parseFormBody(rawBody, EXPECTED); // refuses bad UTF-8 and escapes, so formKey cannot throw
  if (!Object.hasOwn(fields, SECRET_PARAM)) return rawBody;
  const kept = rawBody
    .toString('utf8')
    .split('&')
    .filter((pair) => pair !== '' && formKey(pair) !== SECRET_PARAM);
  return Buffer.from(kept.join('&'), 'utf8');
}

/** A parameter's object: a JSON string (form-encoded pushes) or already an object (JSON pushes). */
function readObject(fields: Record<string, unknown>, param: string): unknown {
  const value = fields[param];
  if (typeof value !== 'string') return value;
  const parsed = parseJsonPrecise(value);
  if (parsed === undefined) throw malformed(`Expected ${EXPECTED}. body.${param}: is not valid JSON.`);
  return parsed;
}

function authorOf(user: User | undefined): EngagementDraft['author'] {
  const name = [user?.firstName, user?.lastName].filter((part) => part !== undefined && part !== '').join(' ');
  return { id: user?.id ?? 'unknown', handle: '', name };
}

function itemEvent(
  param: string,
  kind: EngagementKind,
  item: Item,
  pushUser: User | undefined,
  receivedAt: string,
): NormalizedEvent[] {
  const user = item.user ?? pushUser;
  if (user?.relationship === 'self') return [];
  const venueId = item.venue?.id;
  const id = item.id ?? (kind === 'reaction' && user ? `${venueId ?? 'venue'}:${user.id}` : undefined);
  if (id === undefined) throw malformed(`Expected ${EXPECTED}. body.${param}.id is missing.`);
  const draft: EngagementDraft = {
    platform: 'foursquare',
    kind,
    externalId: `${param}:${id}`,
    ...(item.canonicalUrl && { url: item.canonicalUrl }),
    text: item.shout ?? item.text ?? '',
    createdAt: item.createdAt ?? receivedAt,
    author: authorOf(user),
    ...(venueId && { account: { id: venueId }, thread: { conversationId: venueId } }),
  };
  return [{ change: 'created', draft }];
}

/**
 * Foursquare User and Venue Push API (docs/platforms/foursquare.md, legacy product ❓), secret
 * `{ pushSecret }` (key chosen here; docs/design.md lists none for this platform). No handshake.
 *
 * - Authentication (◐, public client code): each push carries a `secret` parameter equal to the
 *   app's push secret, compared in constant time. Missing (or a body where none can be found) →
 *   401 `missing_signature`, wrong → 403 `bad_signature`. There is no HMAC or timestamp: the
 *   secret does not cover the rest of the body.
 * - Encoding (◐): form-encoded parameters whose values are JSON strings, or a JSON object of the
 *   same keys (told apart by a leading `{`); both are read.
 * - Redaction: the push secret travels in the body, so `redact` removes the `secret` parameter
 *   before the delivery is queued, retained and exported (see {@link redactSecret}); `normalize`
 *   never reads `secret` and gives the same events for the redacted body.
 *
 * Choices where the platform's documentation is unconfirmed (◐/❓; legend in docs/platforms/README.md) or silent:
 * - Parameters read, in this order: `checkin` → check_in, `tip` → comment, `photo` → post
 *   (empty text), `like` → reaction (empty text). Foursquare sends one per push (✅); several are
 *   all read. A push with none of them yields nothing. Foursquare has no edit or delete pushes.
 * - externalId is `<parameter>:<id>` (the dedup key in docs/platforms/foursquare.md `type + id`); a `like` without an
 *   id (compact objects ❓) gets `like:<venue id>:<user id>`. Any other item without an id is a 400.
 * - author: the item's `user`, else the push's `user` parameter (User Push); name
 *   `firstName lastName`; handle ''; `unknown` when neither is given. A user whose
 *   `relationship` is `self` is the authorised account itself (the company's own check-in or
 *   tip) and is dropped (❓ field present only in user-view objects).
 * - text: check-in `shout`, tip `text`. createdAt: `createdAt` (unix seconds), else the time
 *   Switchboard accepted the delivery. account.id and thread.conversationId: the venue id. url:
 *   the item's `canonicalUrl` when present (check-ins have none).
 * - Ids keep every digit: string ids as sent, numeric ones only while exact.
 */
export const foursquareAdapter: PlatformAdapter = {
  id: 'foursquare',
  secretKeys: ['pushSecret'],

  verify(request, secret) {
    let received: unknown;
    try {
      received = parseKeyValueBody(request.rawBody, EXPECTED).secret;
    } catch {
      received = undefined; // an unreadable body has no secret to check: refused as unauthenticated
    }
    assertSharedSecret(
      typeof received === 'string' ? received : undefined,
      secretValue(secret, 'pushSecret'),
      'secret parameter',
      'Foursquare sends the push secret in every push',
    );
  },

  redact(rawBody) {
    return redactSecret(rawBody);
  },

  normalize(rawBody, context): NormalizedEvent[] {
    const fields = parseKeyValueBody(rawBody, EXPECTED);
    const pushUser =
      fields.user === undefined
        ? undefined
        : parsePayload(UserSchema, readObject(fields, 'user'), EXPECTED, 'body.user');
    return PARAMS.flatMap(([param, kind]) => {
      if (fields[param] === undefined) return [];
      const item = parsePayload(ItemSchema, readObject(fields, param), EXPECTED, `body.${param}`);
      return itemEvent(param, kind, item, pushUser, context.receivedAt);
    });
  },
};
