import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { EngagementDraft } from '../engagement/engagement.schema.js';
import { WebhookRejection, type NormalizedEvent, type PlatformAdapter, type WebhookResponse } from './adapter.js';
import { assertQueryToken } from './shared-secret.js';
import { assertSignature, hmac, requireHeader, secretValue, type SignatureFormat } from './signatures.js';
import { malformed } from './payload.js';

const SIGNATURE: SignatureFormat = { header: 'X-Hub-Signature', prefix: 'sha1=', encoding: 'hex' };
const EXPECTED = 'a YouTube WebSub notification: an Atom <feed> of <entry> and <at:deleted-entry> elements';

/**
 * An entry whose `updated` is at most this long after its `published` is a new video; later it
 * is an update (title or description change). Erring towards `edited` is the safe side: the process
 * function stores an edit of a video it has never seen as new, while a `created` for a video it
 * already has is dropped as a redelivery.
 */
export const YOUTUBE_NEW_VIDEO_WINDOW_MS = 5 * 60_000;

const VIDEO_ID = /^[A-Za-z0-9_-]+$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;
const CHANNEL_ID = /^[A-Za-z0-9_-]+$/;
/** What an echoed `hub.challenge` may be (Google's hub sends digits): nothing a browser could read as markup. */
const CHALLENGE = /^[A-Za-z0-9._-]{1,256}$/;
/** A document type declaration, refused outright: Atom needs none, and it is where entity bombs live. */
const DOCTYPE = /<!DOCTYPE/i;
const TOPIC_HOSTS = new Set(['www.youtube.com', 'youtube.com']);
const TOPIC_PATHS = new Set(['/xml/feeds/videos.xml', '/feeds/videos.xml']);

/**
 * Namespace prefixes are dropped (`yt:videoId` → `videoId`, `at:deleted-entry` → `deleted-entry`)
 * so any prefix the hub picks reads the same. Values stay strings (a numeric-looking title or id
 * must not become a number); numeric character references are decoded (`htmlEntities`). Bodies with
 * a DOCTYPE are refused before parsing (no entity declarations ever reach the parser), and any
 * error the validator or parser throws (its nesting and expansion limits) is a 400.
 */
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  htmlEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (name) => name === 'entry' || name === 'deleted-entry' || name === 'link',
});

type XmlNode = Record<string, unknown>;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function isNode(value: unknown): value is XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Text content of an element: a bare string, or `#text` when the element also has attributes. */
function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isNode(value) && typeof value['#text'] === 'string') return value['#text'];
  return undefined;
}

/** The elements of a repeated tag; an empty one (`<entry/>`) reads as an element with no content. */
function nodes(value: unknown): XmlNode[] {
  return Array.isArray(value) ? value.map((item) => (isNode(item) ? item : {})) : [];
}

function parseFeed(rawBody: Buffer): XmlNode {
  let text: string;
  try {
    text = utf8.decode(rawBody);
  } catch {
    throw malformed(`Body is not valid UTF-8; expected ${EXPECTED}.`);
  }
  if (DOCTYPE.test(text))
    throw malformed(`Body has a DOCTYPE declaration, which is not accepted; expected ${EXPECTED}.`);
  let document: unknown;
  try {
    const validation = XMLValidator.validate(text);
    if (validation !== true) {
      // The validator's own message quotes tag names from the body; only the position is kept.
      throw malformed(
        `Body is not well-formed XML (line ${validation.err.line}, column ${validation.err.col}); expected ${EXPECTED}.`,
      );
    }
    document = parser.parse(text);
  } catch (error) {
    if (error instanceof WebhookRejection) throw error;
    // The parser's own limits (nesting depth, entity expansion) throw plain Errors, which would be
    // a 5xx and make the hub retry a body that can never be read. Their message is not repeated:
    // it may quote the body.
    throw malformed(
      `Body could not be parsed as XML (it exceeds the parser's limits or is malformed); expected ${EXPECTED}.`,
    );
  }
  const feed = isNode(document) ? document.feed : undefined;
  if (feed === '') return {}; // <feed/>: nothing in it
  if (!isNode(feed)) throw malformed(`Expected ${EXPECTED}. The root element is not <feed>.`);
  return feed;
}

/** ISO 8601 of an Atom date (RFC 3339, often with nanoseconds); undefined when absent, 400 when unreadable. */
function atomDate(value: unknown, path: string): string | undefined {
  const text = textOf(value)?.trim();
  if (text === undefined || text === '') return undefined;
  // An offset is required: Date.parse would read a date without one in the machine's local time.
  const ms = RFC3339.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw malformed(`Expected ${EXPECTED}. ${path}: expected an RFC 3339 date.`);
  return new Date(ms).toISOString();
}

/** The channel id of a `https://www.youtube.com/channel/<id>` URI. */
function channelFromUri(uri: string | undefined): string | undefined {
  if (!uri) return undefined;
  try {
    const segments = new URL(uri).pathname.split('/');
    const id = segments[1] === 'channel' ? segments[2] : undefined;
    return id && CHANNEL_ID.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/** The channel id of a YouTube channel video feed URL, or undefined when the URL is not one. */
export function channelOfTopic(topic: string | undefined): string | undefined {
  if (!topic) return undefined;
  let url: URL;
  try {
    url = new URL(topic);
  } catch {
    return undefined;
  }
  const channel = url.searchParams.get('channel_id') ?? '';
  const okUrl =
    (url.protocol === 'https:' || url.protocol === 'http:') &&
    TOPIC_HOSTS.has(url.hostname) &&
    TOPIC_PATHS.has(url.pathname);
  return okUrl && CHANNEL_ID.test(channel) ? channel : undefined;
}

function linkHref(links: XmlNode[], rel: string | undefined): string | undefined {
  const link = links.find((l) => (rel === undefined ? true : (l['@rel'] ?? 'alternate') === rel));
  const href = link?.['@href'];
  return typeof href === 'string' ? href : undefined;
}

function watchUrl(href: string | undefined, videoId: string): string {
  if (href) {
    try {
      const url = new URL(href);
      if (url.protocol === 'https:') return url.toString();
    } catch {
      // fall through to the canonical form
    }
  }
  return `https://www.youtube.com/watch?v=${videoId}`;
}

function videoIdOf(entry: XmlNode, path: string): string {
  const fromTag = textOf(entry.videoId)?.trim();
  const fromId = textOf(entry.id)?.trim();
  const id = fromTag || (fromId?.startsWith('yt:video:') ? fromId.slice('yt:video:'.length) : undefined);
  if (!id || !VIDEO_ID.test(id)) throw malformed(`Expected ${EXPECTED}. ${path}.videoId: expected a YouTube video id.`);
  return id;
}

interface Scope {
  /** The channel of the feed (its rel=self link), when the feed says. */
  feedChannel: string | undefined;
  receivedAt: string;
}

function entryEvent(entry: XmlNode, path: string, scope: Scope): NormalizedEvent {
  const videoId = videoIdOf(entry, path);
  const author = isNode(entry.author) ? entry.author : {};
  const channelId = textOf(entry.channelId)?.trim() || channelFromUri(textOf(author.uri)) || scope.feedChannel;
  if (!channelId || !CHANNEL_ID.test(channelId))
    throw malformed(`Expected ${EXPECTED}. ${path}.channelId: expected a YouTube channel id.`);
  const published = atomDate(entry.published, `${path}.published`);
  const updated = atomDate(entry.updated, `${path}.updated`);
  const isUpdate =
    published !== undefined &&
    updated !== undefined &&
    Date.parse(updated) - Date.parse(published) > YOUTUBE_NEW_VIDEO_WINDOW_MS;
  const draft: EngagementDraft = {
    platform: 'youtube',
    kind: 'post',
    externalId: videoId,
    url: watchUrl(linkHref(nodes(entry.link), 'alternate'), videoId),
    text: textOf(entry.title) ?? '',
    createdAt: published ?? updated ?? scope.receivedAt,
    author: { id: channelId, handle: '', name: textOf(author.name) ?? '' },
    account: { id: scope.feedChannel ?? channelId },
  };
  return { change: isUpdate ? 'edited' : 'created', draft };
}

function deletedEvent(tombstone: XmlNode, path: string, scope: Scope): NormalizedEvent {
  const ref = typeof tombstone['@ref'] === 'string' ? tombstone['@ref'].trim() : '';
  const videoId = ref.startsWith('yt:video:') ? ref.slice('yt:video:'.length) : '';
  if (!VIDEO_ID.test(videoId)) throw malformed(`Expected ${EXPECTED}. ${path}@ref: expected "yt:video:<video id>".`);
  const by = isNode(tombstone.by) ? tombstone.by : {};
  const channelId = channelFromUri(textOf(by.uri)) ?? scope.feedChannel;
  const draft: EngagementDraft = {
    platform: 'youtube',
    kind: 'post',
    externalId: videoId,
    url: `https://www.youtube.com/watch?v=${videoId}`,
    text: '',
    createdAt: atomDate(tombstone['@when'], `${path}@when`) ?? scope.receivedAt,
    author: { id: channelId ?? 'unknown', handle: '', name: textOf(by.name) ?? '' },
    ...(scope.feedChannel && { account: { id: scope.feedChannel } }),
  };
  return { change: 'deleted', draft };
}

/**
 * YouTube new and updated videos over WebSub (PubSubHubbub, docs/platforms/youtube.md), secret
 * `{ hubSecret, verifyToken }`: `hubSecret` is the `hub.secret` sent when subscribing, `verifyToken`
 * a per-deployment token (generated at deploy) that the `hub.callback` URL carries as `?token=`.
 *
 * - Handshake (✅ WebSub): `GET ?token=<verifyToken>&hub.mode=subscribe|unsubscribe&hub.topic=…&hub.challenge=…`
 *   → 200 with the raw `hub.challenge` as text/plain (`nosniff`), for both modes. The `token` is
 *   checked first, in constant time, on every GET (missing → 401 `missing_signature`, wrong → 403
 *   `bad_signature`): without it anyone could confirm an `unsubscribe` in our name and silently
 *   cancel the subscription at the hub. The hub keeps the callback's query string when it adds the
 *   `hub.*` parameters (WebSub requires hubs to preserve it), and `hub.verify_token` cannot serve instead (removed in 0.4).
 *   The topic must be a YouTube channel video feed (`https://www.youtube.com/xml/feeds/videos.xml?channel_id=…`,
 *   or `/feeds/videos.xml`) — any other topic was not asked for by Switchboard and gets 404, as
 *   WebSub prescribes. A missing or unknown `hub.mode` → 400 `bad_hub_mode`; a missing challenge →
 *   400 `missing_challenge`; a challenge other than 1–256 characters from `A-Z a-z 0-9 . _ -` → 400
 *   `bad_challenge` (it is echoed). `hub.mode=denied` (the hub refusing a subscription) is
 *   acknowledged with an empty 200.
 * - POST deliveries do not need the token (the hub sends it, but the signature is the proof): an
 *   unsigned or wrongly signed notification, e.g. from a subscription someone else made, is refused.
 * - Signature (✅): `X-Hub-Signature: sha1=<hex HMAC-SHA1(hubSecret, raw body)>` — Google's hub signs
 *   with SHA-1 only. Missing → 401 (so subscribe with `hub.secret`); no timestamp is signed.
 * - Body: Atom XML read with fast-xml-parser (namespace prefixes ignored). Every `<entry>` and every
 *   `<at:deleted-entry>` of the feed is one event; a feed with neither yields nothing. A body with a
 *   `<!DOCTYPE` is refused with 400, as is one the parser gives up on (nesting or expansion limits).
 *
 * Choices where the platform's documentation is unconfirmed (◐/❓; legend in docs/platforms/README.md) or silent:
 * - Entries are `post` engagements keyed by `yt:videoId` (else `id` minus `yt:video:`): text is the
 *   title (the push carries no description), author the channel (`yt:channelId`, name from
 *   `author/name`, handle empty), url the alternate link (else `https://www.youtube.com/watch?v=<id>`),
 *   createdAt `published`, account the feed's channel (its `rel=self` topic).
 * - New or updated: YouTube sends the same entry for an upload and for title/description changes.
 *   An entry updated more than {@link YOUTUBE_NEW_VIDEO_WINDOW_MS} after it was published is
 *   `edited`, otherwise `created` (see the constant for why this errs towards `edited`).
 * - Deletions (❓ format): `<at:deleted-entry ref="yt:video:<id>" when="…">` → `deleted` of that
 *   video; author from `at:by/uri` else the feed's channel, else `"unknown"`.
 * - The company's own channel: a channel feed only carries that channel's own uploads, and the
 *   adapter has no configuration to tell the company's channel apart. Subscribe to channels you
 *   listen to (creators, partners), not to the company's own.
 * - A missing video id or channel id, or an unreadable date, refuses the delivery with 400 naming
 *   the element, so a format change surfaces instead of being dropped silently.
 */
export const youtubeAdapter: PlatformAdapter = {
  id: 'youtube',
  secretKeys: ['hubSecret', 'verifyToken'],

  handshake(request, secret): WebhookResponse {
    assertQueryToken(request, secret, 'verifyToken', 'the WebSub hub');
    const mode = request.query['hub.mode'];
    if (mode === 'denied')
      return { statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: '' };
    if (mode !== 'subscribe' && mode !== 'unsubscribe') {
      throw new WebhookRejection(
        400,
        'bad_hub_mode',
        'hub.mode must be "subscribe" or "unsubscribe" (WebSub verification request).',
      );
    }
    if (channelOfTopic(request.query['hub.topic']) === undefined) {
      throw new WebhookRejection(
        404,
        'unknown_topic',
        'hub.topic is not a YouTube channel video feed (https://www.youtube.com/xml/feeds/videos.xml?channel_id=…).',
      );
    }
    const challenge = request.query['hub.challenge'];
    if (!challenge) throw new WebhookRejection(400, 'missing_challenge', 'Missing hub.challenge query parameter.');
    if (!CHALLENGE.test(challenge)) {
      throw new WebhookRejection(
        400,
        'bad_challenge',
        'hub.challenge must be 1-256 characters from A-Z a-z 0-9 . _ -.',
      );
    }
    return {
      statusCode: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
      body: challenge,
    };
  },

  verify(request, secret) {
    const received = requireHeader(request.headers, SIGNATURE.header);
    assertSignature(SIGNATURE, received, hmac('sha1', secretValue(secret, 'hubSecret'), request.rawBody));
  },

  normalize(rawBody, context) {
    const feed = parseFeed(rawBody);
    const scope: Scope = {
      feedChannel: channelOfTopic(linkHref(nodes(feed.link), 'self')),
      receivedAt: context.receivedAt,
    };
    return [
      ...nodes(feed.entry).map((entry, i) => entryEvent(entry, `feed.entry[${i}]`, scope)),
      ...nodes(feed['deleted-entry']).map((tombstone, i) => deletedEvent(tombstone, `feed.deleted-entry[${i}]`, scope)),
    ];
  },
};
