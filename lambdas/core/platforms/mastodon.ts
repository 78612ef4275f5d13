import * as z from 'zod/mini';
import type { EngagementDraft, EngagementKind } from '../engagement/engagement.schema.js';
import type { ChangeType, NormalizedEvent, PlatformAdapter } from './adapter.js';
import { HttpUrl, MastodonStatusSchema, type MastodonAccount } from './mastodon-entities.js';
import { assertSignature, hmac, requireHeader, secretValue, type SignatureFormat } from './signatures.js';
import { parseJsonBody, parsePayload } from './payload.js';

const SIGNATURE: SignatureFormat = { header: 'X-Hub-Signature', prefix: 'sha256=', encoding: 'hex' };
const EXPECTED =
  'a Mastodon admin webhook delivery: a JSON object {"event": "status.created", "created_at": "…", "object": {…}}';

/** Status events and what they do to the engagement; every other event (account.*, report.*) yields nothing. */
const STATUS_EVENTS: ReadonlyMap<string, ChangeType> = new Map([
  ['status.created', 'created'],
  ['status.updated', 'edited'],
]);

/** Visibilities that are routed; followers-only and direct statuses are dropped (see the adapter's TSDoc). */
const ROUTED_VISIBILITIES = new Set(['public', 'unlisted']);

type Account = MastodonAccount;

const StatusSchema = z.extend(MastodonStatusSchema, {
  mentions: z.nullish(z.array(z.object({ id: z.string() }))),
  reblog: z.nullish(z.object({ uri: HttpUrl })),
  quote: z.optional(z.unknown()),
});
type Status = z.output<typeof StatusSchema>;

const DeliverySchema = z.object({
  event: z.string().check(z.minLength(1)),
  created_at: z.optional(z.string()),
  object: z.unknown(),
});

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#')) {
      const code =
        name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/**
 * Plain text of a status's HTML `content`, as Mastodon's formatter writes it (`<p>`, `<br />`,
 * links split into `<span>`s): paragraphs become blank lines, `<br>` a newline, every other tag
 * is dropped with its text kept (so a link's hidden `https://` part reads as a whole URL), and
 * character references are decoded once, after the tags are gone.
 */
export function htmlToText(html: string): string {
  let out = '';
  let i = 0;
  while (i < html.length) {
    const open = html.indexOf('<', i);
    if (open < 0) {
      out += html.slice(i);
      break;
    }
    out += html.slice(i, open);
    const close = html.indexOf('>', open);
    if (close < 0) {
      out += html.slice(open); // a stray "<" is text
      break;
    }
    const name = /^<\/?\s*([a-z0-9]+)/i.exec(html.slice(open, close + 1))?.[1]?.toLowerCase();
    if (name === 'br') out += '\n';
    else if (name === 'p' && html[open + 1] === '/') out += '\n\n';
    i = close + 1;
  }
  return decodeEntities(out).trim();
}

function statusKind(status: Status): EngagementKind {
  if (status.reblog) return 'share';
  if (status.in_reply_to_id) return 'reply';
  if (status.mentions && status.mentions.length > 0) return 'mention';
  if (status.quote != null) return 'share';
  return 'post';
}

/** `acct` is bare (`alice`) for the instance's own accounts: qualify it with the instance host. */
function qualifiedHandle(account: Account, host: string): string {
  return account.acct.includes('@') ? account.acct : `${account.acct}@${host}`;
}

function statusEvent(status: Status, change: ChangeType): NormalizedEvent[] {
  if (!ROUTED_VISIBILITIES.has(status.visibility)) return [];
  const host = new URL(status.uri).host;
  const kind = statusKind(status);
  const body = kind === 'share' && status.reblog ? '' : htmlToText(status.content);
  const spoiler = status.spoiler_text?.trim();
  const parentId = status.reblog?.uri ?? status.in_reply_to_id ?? undefined;
  const { account } = status;
  const draft: EngagementDraft = {
    platform: 'mastodon',
    kind,
    externalId: status.uri,
    url: status.url ?? status.uri,
    text: spoiler ? (body ? `${spoiler}\n\n${body}` : spoiler) : body,
    ...(status.language && { language: status.language }),
    createdAt: new Date(status.created_at).toISOString(),
    author: {
      id: account.uri ?? account.url ?? `${host}:${account.id}`,
      handle: qualifiedHandle(account, host),
      name: account.display_name ?? '',
      ...(account.followers_count != null && { followers: account.followers_count }),
    },
    account: { id: host },
    ...(parentId && { thread: { parentId } }),
  };
  return [{ change, draft }];
}

/**
 * Mastodon admin webhooks (docs/platforms/mastodon.md, ✅ docs and source), secret `{ signingSecret }` (the
 * webhook's secret shown in Administration → Webhooks). No handshake: GET is refused.
 *
 * - Signature (✅): `X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`; no timestamp is
 *   signed. Bad signatures get 403, which Mastodon does not retry (◐ for older versions).
 * - Body (✅): `{ event, created_at, object }`, one event per delivery. Leave the webhook's payload
 *   template empty: a templated body is not the Status entity and is refused with 400.
 *
 * Choices where the platform's documentation is unconfirmed (◐/❓; legend in docs/platforms/README.md) or silent:
 * - Engagements: `status.created` → new, `status.updated` → `edited` of the same status. Account
 *   and report events (`account.approved|created|updated`, `report.created|updated`) are moderation
 *   and sign-up signals, not engagements, and yield nothing, as do unknown events. Mastodon has no
 *   status-deleted webhook, so deletions never arrive here.
 * - Mastodon fires status webhooks for every local account of the instance. Followers-only
 *   (`private`) and `direct` statuses are dropped: the admin webhook would otherwise route other
 *   people's private messages that never involved the company. DMs to the company's account belong
 *   to notification polling (docs/platforms/mastodon.md), where the company is a recipient by construction.
 * - The company's own statuses: the delivery names no "subscribed" account and the adapter has no
 *   configuration, so they cannot be recognised here (❓ needs per-platform account config).
 * - kind: reblog → share (empty text: the reblogged words may be the company's; `thread.parentId`
 *   is the reblogged status's URI); reply (`in_reply_to_id`, kept as the instance-local id ❓) →
 *   reply; any mention → mention; a quote → share; else post.
 * - Ids: the status `uri` (global ActivityPub id), so an edit updates the same engagement; author id
 *   is the account `uri` (else its `url`); handle is `acct` qualified with the instance host; name
 *   is `display_name`; followers `followers_count`. account is the instance host.
 * - text: the HTML `content` as plain text (see {@link htmlToText}), preceded by the content
 *   warning (`spoiler_text`) when there is one. createdAt is the status's `created_at` (also for
 *   edits), url its `url` (else `uri`), language its `language` as sent.
 */
export const mastodonAdapter: PlatformAdapter = {
  id: 'mastodon',
  secretKeys: ['signingSecret'],

  verify(request, secret) {
    const received = requireHeader(request.headers, SIGNATURE.header);
    assertSignature(SIGNATURE, received, hmac('sha256', secretValue(secret, 'signingSecret'), request.rawBody));
  },

  normalize(rawBody) {
    const delivery = parsePayload(DeliverySchema, parseJsonBody(rawBody, EXPECTED), EXPECTED);
    const change = STATUS_EVENTS.get(delivery.event);
    if (!change) return [];
    return statusEvent(parsePayload(StatusSchema, delivery.object, EXPECTED, 'body.object'), change);
  },
};
