import * as z from 'zod/mini';
import { ENGAGEMENT_KINDS, type EngagementDraft } from '../engagement/engagement.schema.js';
import { WebhookRejection, type NormalizedEvent, type PlatformAdapter } from './adapter.js';
import { assertSignature, hmac, requireHeader, secretValue, type SignatureFormat } from './signatures.js';
import { parseJsonBody, parsePayload } from './payload.js';

const SIGNATURE: SignatureFormat = { header: 'X-Switchboard-Signature', prefix: 'sha256=', encoding: 'hex' };
const TIMESTAMP_HEADER = 'X-Switchboard-Timestamp';
/** docs/design.md: older than 5 minutes is refused; the same tolerance applies ahead, for clock skew. */
export const GENERIC_TOLERANCE_SECONDS = 300;

const EXPECTED =
  'an engagement draft object or a JSON array of them: { id, text, author: { id, handle?, name?, followers? }, kind?, createdAt?, url?, account?, thread?, language? }';

const nonEmpty = z.string().check(z.minLength(1));

/** The docs/design.md contract for senders; unknown keys are ignored. */
const GenericDraftSchema = z.object({
  id: nonEmpty,
  text: z.string(),
  author: z.object({
    id: nonEmpty,
    handle: z.optional(z.string()),
    name: z.optional(z.string()),
    followers: z.optional(z.int().check(z.nonnegative())),
  }),
  kind: z._default(z.enum(ENGAGEMENT_KINDS), 'post'),
  createdAt: z.optional(z.iso.datetime({ offset: true })),
  url: z.optional(z.url({ protocol: /^https?$/ })),
  account: z.optional(z.object({ id: nonEmpty, handle: z.optional(z.string()) })),
  thread: z.optional(z.object({ parentId: z.optional(z.string()), conversationId: z.optional(z.string()) })),
  language: z.optional(z.string().check(z.regex(/^([a-z]{2}|und)$/, 'expected an ISO 639-1 code or "und"'))),
});
type GenericDraft = z.output<typeof GenericDraftSchema>;

function toDraft(input: GenericDraft, receivedAt: string): EngagementDraft {
  const { id, author, createdAt, ...rest } = input;
  return {
    ...rest,
    platform: 'generic',
    externalId: id,
    createdAt: createdAt ?? receivedAt,
    author: { ...author, handle: author.handle ?? '', name: author.name ?? '' },
  };
}

function checkTimestamp(text: string, now: Date): string {
  if (!/^\d{1,15}$/.test(text)) {
    throw new WebhookRejection(403, 'bad_timestamp', `${TIMESTAMP_HEADER} must be unix seconds (digits only).`);
  }
  const skew = Math.floor(now.getTime() / 1000) - Number(text);
  if (skew > GENERIC_TOLERANCE_SECONDS) {
    throw new WebhookRejection(
      401,
      'stale_timestamp',
      `${TIMESTAMP_HEADER} is ${skew} s old; at most ${GENERIC_TOLERANCE_SECONDS} s is accepted.`,
    );
  }
  if (-skew > GENERIC_TOLERANCE_SECONDS) {
    throw new WebhookRejection(
      401,
      'stale_timestamp',
      `${TIMESTAMP_HEADER} is ${-skew} s in the future; at most ${GENERIC_TOLERANCE_SECONDS} s of clock skew is accepted (is it in milliseconds?).`,
    );
  }
  return text;
}

/**
 * `generic`: any system that signs its JSON with the Switchboard scheme (docs/design.md), secret
 * `{ signingSecret }`. No handshake.
 *
 * - Signature: `X-Switchboard-Signature: sha256=<hex HMAC-SHA256(signingSecret, "<timestamp>.<raw body>")>`
 *   with `X-Switchboard-Timestamp` in unix seconds. Missing headers → 401 (`missing_signature`,
 *   `missing_timestamp`); a non-numeric timestamp → 403 `bad_timestamp`; more than 5 minutes
 *   old or ahead → 401 `stale_timestamp`; a wrong or malformed signature → 403 `bad_signature`.
 *   The timestamp is checked before the HMAC: it is cheap and either failure refuses the request.
 * - Body: one draft or an array of drafts; `kind` defaults to `post`, author handle/name to '',
 *   `createdAt` to the time Switchboard accepted the delivery. Any invalid draft refuses the whole
 *   delivery with 400 naming the index and field (`drafts[1].author.id: …`), so a sender never
 *   gets a partial success. An empty array is accepted and yields nothing.
 * - `url` must be http(s); `language`, when sent, must already be ISO 639-1 or "und".
 */
export const genericAdapter: PlatformAdapter = {
  id: 'generic',
  secretKeys: ['signingSecret'],

  verify(request, secret, now) {
    const received = requireHeader(request.headers, SIGNATURE.header);
    const timestamp = checkTimestamp(requireHeader(request.headers, TIMESTAMP_HEADER, 'missing_timestamp'), now);
    const expected = hmac('sha256', secretValue(secret, 'signingSecret'), `${timestamp}.`, request.rawBody);
    assertSignature(SIGNATURE, received, expected);
  },

  normalize(rawBody, context): NormalizedEvent[] {
    const body = parseJsonBody(rawBody, EXPECTED);
    const drafts = Array.isArray(body)
      ? parsePayload(z.array(GenericDraftSchema), body, EXPECTED, 'drafts')
      : [parsePayload(GenericDraftSchema, body, EXPECTED, 'draft')];
    return drafts.map((draft) => ({ change: 'created', draft: toDraft(draft, context.receivedAt) }));
  },
};
