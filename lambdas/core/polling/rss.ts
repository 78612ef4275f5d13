import { createHash } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import type { EngagementDraft } from '../engagement/engagement.schema.js';
import type { NormalizedEvent } from '../platforms/adapter.js';
import { RssTargetSchema } from '../config/poll-targets.schema.js';
import { pollFetch, throwIfRateLimited } from './http.js';
import type { Poller, PollPage, PollState, PollTarget } from './poller.js';

/** How many item keys a feed's state remembers; feeds rarely carry more than a few dozen items. */
const SEEN_LIMIT = 500;
const USER_AGENT = 'Switchboard/0.1 (feed poller; +https://github.com/switchboard)';

// Values stay text: a guid such as `0x1A` or `0012` must not become a number.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => ['item', 'entry', 'link', 'category'].includes(name),
});
/** Largest feed read; a bigger (or endless) body is refused rather than exhausting the function's memory. */
const MAX_FEED_BYTES = 5 * 1024 * 1024;
/** Item keys longer than this are stored as a hash, so the poll state stays small. */
const MAX_KEY_CHARS = 100;

interface FeedItem {
  key: string;
  version: string;
  url?: string;
  title: string;
  summary: string;
  author: string;
  publishedAt?: string;
}

/**
 * RSS 2.0 and Atom feeds (blogs, news) by conditional GET: `If-None-Match`/`If-Modified-Since`
 * from the last answer, 304 → nothing new, 429/503 → {@link RateLimitedError} with Retry-After.
 * An item is new the first time its guid/id is seen (kind `post`); an Atom entry whose
 * `updated` changes afterwards is an edit. Redirects are followed but the configured URL is
 * kept (a permanent move is for the admin to confirm in the config).
 */
export const rssPoller: Poller = {
  platform: 'rss',
  async *poll(target: PollTarget, state: PollState, { fetch, now, signal }): AsyncGenerator<PollPage> {
    const { url, id } = RssTargetSchema.parse(target);
    const headers: Record<string, string> = {
      'user-agent': USER_AGENT,
      accept: 'application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5',
    };
    if (state.etag) headers['if-none-match'] = state.etag;
    if (state.lastModified) headers['if-modified-since'] = state.lastModified;
    // A public feed carries no credentials: redirects are followed.
    const res = await pollFetch(fetch, url, { headers }, 'feed', signal, true);
    if (res.status === 304) {
      yield { events: [], state };
      return;
    }
    // A 503 is a rate limit only when the feed says when to come back; otherwise it is a failure.
    await throwIfRateLimited(res, now, { fallbackMs: 15 * 60_000 }, 'feed');
    if (!res.ok) throw new Error(`feed answered ${res.status}`);
    const items = readFeed(await readCapped(res, MAX_FEED_BYTES));
    const seen = new Set(state.seen ?? []);
    const seenKeys = new Set([...seen].map((s) => s.slice(0, s.lastIndexOf('@'))));
    const events: NormalizedEvent[] = [];
    const current: string[] = [];
    for (const item of items) {
      const key = item.key.length > MAX_KEY_CHARS ? `#${hash(item.key)}` : item.key;
      const versioned = `${key}@${item.version}`;
      current.push(versioned);
      if (seen.has(versioned)) continue;
      events.push({ change: seenKeys.has(key) ? 'edited' : 'created', draft: toDraft({ ...item, key }, id, now) });
    }
    // The items still in the feed are always remembered (else they would look new again);
    // older keys fill what room is left, newest first.
    const remembered = [...new Set([...current, ...[...seen].reverse()])].slice(
      0,
      Math.max(SEEN_LIMIT, current.length),
    );
    yield {
      events,
      state: {
        ...state,
        etag: res.headers.get('etag') ?? undefined,
        lastModified: res.headers.get('last-modified') ?? undefined,
        seen: remembered,
      },
    };
  },
};

function toDraft(item: FeedItem, feedId: string, now: Date): EngagementDraft {
  const text = [item.title, item.summary].filter(Boolean).join('\n\n');
  const createdAt =
    item.publishedAt && Number.isFinite(Date.parse(item.publishedAt))
      ? new Date(item.publishedAt).toISOString()
      : now.toISOString();
  return {
    platform: 'rss',
    kind: 'post',
    externalId: `${feedId}:${item.key}`,
    ...(item.url && /^https?:\/\//.test(item.url) ? { url: item.url } : {}),
    text,
    createdAt,
    author: { id: item.author || feedId, handle: '', name: item.author },
    account: { id: feedId },
  };
}

/** Reads RSS 2.0 `<item>`s or Atom `<entry>`s; throws for anything that is neither. */
export function readFeed(xml: string): FeedItem[] {
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(xml, true) as Record<string, unknown>;
  } catch {
    throw new Error('feed is not well-formed XML');
  }
  const rss = (doc.rss as { channel?: { item?: unknown[] } } | undefined)?.channel;
  if (rss) return (rss.item ?? []).map((i) => rssItem(i as Record<string, unknown>));
  const atom = doc.feed as { entry?: unknown[] } | undefined;
  if (atom) return (atom.entry ?? []).map((e) => atomEntry(e as Record<string, unknown>));
  throw new Error('feed is neither RSS 2.0 (<rss><channel>) nor Atom (<feed>)');
}

const text = (v: unknown): string => {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return text((v as Record<string, unknown>)['#text']);
  return String(v);
};
/** Feed summaries are HTML: tags are dropped and whitespace folded, which is all keywords need. */
const plain = (html: string) =>
  html
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
const hash = (...parts: string[]) => createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 24);

function rssItem(i: Record<string, unknown>): FeedItem {
  const link = text((i.link as unknown[] | undefined)?.[0]);
  const title = plain(text(i.title));
  const pubDate = text(i.pubDate);
  const key = text(i.guid) || link || hash(title, pubDate);
  return {
    key,
    version: '',
    url: link || undefined,
    title,
    summary: plain(text(i['content:encoded']) || text(i.description)),
    author: text(i['dc:creator']) || text(i.author),
    publishedAt: pubDate || undefined,
  };
}

function atomEntry(e: Record<string, unknown>): FeedItem {
  const links = (e.link as Record<string, unknown>[] | undefined) ?? [];
  const alternate = links.find((l) => !l['@rel'] || l['@rel'] === 'alternate') ?? links[0];
  const title = plain(text(e.title));
  const published = text(e.published) || text(e.updated);
  const key = text(e.id) || text(alternate?.['@href']) || hash(title, published);
  return {
    key,
    version: text(e.updated),
    url: text(alternate?.['@href']) || undefined,
    title,
    summary: plain(text(e.content) || text(e.summary)),
    author: text((e.author as Record<string, unknown> | undefined)?.name),
    publishedAt: published || undefined,
  };
}

/** Reads a response body as text, refusing it once it passes `maxBytes`. */
async function readCapped(res: Response, maxBytes: number): Promise<string> {
  if (Number(res.headers.get('content-length') ?? 0) > maxBytes)
    throw new Error(`feed is larger than ${maxBytes} bytes`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body ?? []) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new Error(`feed is larger than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
