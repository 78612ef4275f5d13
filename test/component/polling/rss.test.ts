import type { PollPage, PollState } from '#core/polling/poller.js';
import { RateLimitedError } from '#core/polling/poller.js';
import { readFeed, rssPoller } from '#core/polling/rss.js';
import { scriptedHttpServerForTests } from '#test-support/scripted-http-server.js';

const now = new Date('2026-11-25T12:00:00.000Z');
const server = scriptedHttpServerForTests();

/** An RSS 2.0 feed with the given items. */
const rssFeed = (items: { guid: string; title: string; description?: string; pubDate?: string }[]) =>
  `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Blog</title>${items
    .map(
      (i) =>
        `<item><guid>${i.guid}</guid><title>${i.title}</title><link>https://blog.example.com/${i.guid}</link><description>${i.description ?? ''}</description><dc:creator>Ana</dc:creator>${i.pubDate ? `<pubDate>${i.pubDate}</pubDate>` : ''}</item>`,
    )
    .join('')}</channel></rss>`;

/** An Atom feed with the given entries. */
const atomFeed = (entries: { id: string; title: string; updated: string; content?: string }[]) =>
  `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>News</title>${entries
    .map(
      (e) =>
        `<entry><id>${e.id}</id><title>${e.title}</title><link rel="alternate" href="https://news.example.com/${encodeURIComponent(e.id)}"/><updated>${e.updated}</updated><author><name>Bo</name></author><content type="html">${e.content ?? ''}</content></entry>`,
    )
    .join('')}</feed>`;

async function poll(state: PollState = {}): Promise<PollPage[]> {
  const pages: PollPage[] = [];
  for await (const page of rssPoller.poll(
    { platform: 'rss', id: 'blog', url: `${server.url}/feed.xml`, every: 'PT15M' },
    state,
    { fetch, now },
  ))
    pages.push(page);
  return pages;
}

describe('RSS/Atom poller over HTTP', () => {
  it('emits each new RSS item once as a post, with text, link, author and date', async () => {
    server.answer({
      status: 200,
      headers: { etag: '"v1"', 'last-modified': 'Tue, 24 Nov 2026 10:00:00 GMT' },
      body: rssFeed([
        {
          guid: 'p1',
          title: 'Launch day 🚀',
          description: '&lt;p&gt;Our &lt;b&gt;new&lt;/b&gt; app — café edition&lt;/p&gt;',
          pubDate: 'Tue, 24 Nov 2026 09:00:00 GMT',
        },
      ]),
    });
    const [page] = await poll();
    expect(page?.events).toEqual([
      {
        change: 'created',
        draft: {
          platform: 'rss',
          kind: 'post',
          externalId: 'blog:p1',
          url: 'https://blog.example.com/p1',
          text: 'Launch day 🚀\n\nOur new app — café edition',
          createdAt: '2026-11-24T09:00:00.000Z',
          author: { id: 'Ana', handle: '', name: 'Ana' },
          account: { id: 'blog' },
        },
      },
    ]);
    expect(page?.state).toMatchObject({ etag: '"v1"', lastModified: 'Tue, 24 Nov 2026 10:00:00 GMT', seen: ['p1@'] });

    // a second poll sends the validators; the server now has one more item
    server.answer({
      status: 200,
      body: rssFeed([
        { guid: 'p2', title: 'Second' },
        { guid: 'p1', title: 'Launch day 🚀' },
      ]),
    });
    const [next] = await poll(page?.state);
    expect(server.requests[1]?.headers).toMatchObject({
      'if-none-match': '"v1"',
      'if-modified-since': 'Tue, 24 Nov 2026 10:00:00 GMT',
    });
    expect(next?.events.map((e) => e.draft.externalId)).toEqual(['blog:p2']);
  });

  it('treats 304 Not Modified as nothing new and keeps its state', async () => {
    server.answer({ status: 304 });
    const state = { etag: '"v1"', seen: ['p1@'] };
    expect(await poll(state)).toEqual([{ events: [], state }]);
  });

  it('reports an Atom entry whose updated time changed as an edit', async () => {
    server.answer({
      status: 200,
      body: atomFeed([
        { id: 'tag:news,2026:1', title: 'Outage', updated: '2026-11-25T10:00:00Z', content: 'Investigating' },
      ]),
    });
    const [first] = await poll();
    expect(first?.events.map((e) => e.change)).toEqual(['created']);
    server.answer({
      status: 200,
      body: atomFeed([{ id: 'tag:news,2026:1', title: 'Outage resolved', updated: '2026-11-25T11:00:00Z' }]),
    });
    const [second] = await poll(first?.state);
    expect(second?.events).toEqual([
      expect.objectContaining({
        change: 'edited',
        draft: expect.objectContaining({ externalId: 'blog:tag:news,2026:1', text: 'Outage resolved' }),
      }),
    ]);
  });

  it('backs off as told by 429 and 503 with Retry-After', async () => {
    server.answer({ status: 429, headers: { 'retry-after': '120' } });
    await expect(poll()).rejects.toEqual(new RateLimitedError(120_000, 'feed answered 429'));
    server.answer({ status: 503, headers: { 'retry-after': 'Wed, 25 Nov 2026 12:05:00 GMT' } });
    await expect(poll()).rejects.toMatchObject({ retryAfterMs: 300_000 });
  });

  it('fails on server errors and on bodies that are not feeds, without emitting anything', async () => {
    server.answer({ status: 500 });
    await expect(poll()).rejects.toThrow('feed answered 500');
    server.answer({ status: 200, body: '<html><body>not a feed' });
    await expect(poll()).rejects.toThrow(/not well-formed XML|neither RSS/);
    server.answer({ status: 200, body: '{"json": true}' });
    await expect(poll()).rejects.toThrow(/not well-formed XML|neither RSS/);
  });

  it('falls back to the link, then a content hash, when an item has no guid', () => {
    const items = readFeed(
      '<rss><channel><item><title>A</title><link>https://x.test/a</link></item><item><title>B</title></item></channel></rss>',
    );
    expect(items[0]?.key).toBe('https://x.test/a');
    expect(items[1]?.key).toMatch(/^[0-9a-f]{24}$/);
  });
});

describe('RSS poller robustness', () => {
  it('remembers every item still in a long feed, so none looks new again', async () => {
    const items = Array.from({ length: 600 }, (_, i) => ({ guid: `g${i}`, title: `Item ${i}` }));
    server.answer({ status: 200, body: rssFeed(items) });
    const [first] = await poll();
    expect(first?.events).toHaveLength(600);
    const [second] = await poll(first?.state);
    expect(second?.events).toEqual([]);
  });

  it('keeps guids as text and stores long ones as a hash', async () => {
    server.answer({
      status: 200,
      body: rssFeed([
        { guid: '0x1A', title: '0012' },
        { guid: `https://blog.example.com/${'x'.repeat(300)}`, title: 'long' },
      ]),
    });
    const [page] = await poll();
    expect(page?.events[0]?.draft).toMatchObject({ externalId: 'blog:0x1A', text: '0012' });
    expect(page?.events[1]?.draft.externalId).toMatch(/^blog:#[0-9a-f]{24}$/);
    expect(page?.state.seen?.every((s) => s.length < 120)).toBe(true);
  });

  it('treats a 503 without Retry-After as a failure, not a rate limit', async () => {
    server.answer({ status: 503 });
    await expect(poll()).rejects.toThrow('feed answered 503');
    await expect(poll()).rejects.not.toBeInstanceOf(RateLimitedError);
  });

  it('refuses a feed larger than 5 MB', async () => {
    server.answer({
      status: 200,
      body: `<rss><channel>${'<item><title>x</title></item>'.repeat(200_000)}</channel></rss>`,
    });
    await expect(poll()).rejects.toThrow('larger than');
  });
});
