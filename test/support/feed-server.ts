import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the feed server answers next; each request takes the next answer (the last repeats). */
export interface FeedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * A real HTTP server on loopback that serves scripted answers and records every request, so
 * pollers are tested over HTTP (conditional requests, 304, 429, 5xx) rather than with a mock.
 */
export async function startFeedServer(): Promise<{ url: string; requests: IncomingMessage[]; answer(...answers: FeedAnswer[]): void; close(): Promise<void> }> {
  let queue: FeedAnswer[] = [{ status: 404 }];
  const requests: IncomingMessage[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests.push(req);
    const next = queue.length > 1 ? queue.shift()! : queue[0]!;
    res.writeHead(next.status, next.headers ?? {}).end(next.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/feed.xml`,
    requests,
    answer: (...answers) => {
      queue = answers;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An RSS 2.0 feed with the given items. */
export const rssFeed = (items: { guid: string; title: string; description?: string; pubDate?: string }[]) =>
  `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Blog</title>${items
    .map((i) => `<item><guid>${i.guid}</guid><title>${i.title}</title><link>https://blog.example.com/${i.guid}</link><description>${i.description ?? ''}</description><dc:creator>Ana</dc:creator>${i.pubDate ? `<pubDate>${i.pubDate}</pubDate>` : ''}</item>`)
    .join('')}</channel></rss>`;

/** An Atom feed with the given entries. */
export const atomFeed = (entries: { id: string; title: string; updated: string; content?: string }[]) =>
  `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>News</title>${entries
    .map((e) => `<entry><id>${e.id}</id><title>${e.title}</title><link rel="alternate" href="https://news.example.com/${encodeURIComponent(e.id)}"/><updated>${e.updated}</updated><author><name>Bo</name></author><content type="html">${e.content ?? ''}</content></entry>`)
    .join('')}</feed>`;
