import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer; a non-string body is sent as JSON. */
export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** A request as the server saw it, body included (token requests are form-encoded POSTs). */
export interface RecordedRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: string;
}

/** What {@link startApiServer} hands back. */
export interface ApiServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  baseUrl: string;
  requests: RecordedRequest[];
  /** Scripts the answers for one path: each request takes the next one, the last repeats. */
  route(pathname: string, ...answers: ScriptedAnswer[]): void;
  /** Forgets every route and recorded request. */
  reset(): void;
  close(): Promise<void>;
}

/**
 * A real HTTP server on loopback with scripted answers per path (an API and its OAuth token
 * endpoint side by side), recording each request with its body, so JSON API pollers are tested
 * over HTTP rather than with a mocked fetch. Unscripted paths answer 404.
 */
export async function startApiServer(): Promise<ApiServer> {
  const routes = new Map<string, ScriptedAnswer[]>();
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      requests.push({ method: req.method ?? 'GET', url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const queue = routes.get(url.pathname);
      const next: ScriptedAnswer = queue && queue.length > 0 ? (queue.length > 1 ? queue.shift()! : queue[0]!) : { status: 404, body: { error: 'not scripted' } };
      const json = next.body !== undefined && typeof next.body !== 'string';
      const body = next.body === undefined ? '' : json ? JSON.stringify(next.body) : (next.body as string);
      res.writeHead(next.status, { ...(json && { 'content-type': 'application/json; charset=utf-8' }), ...next.headers }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    route: (pathname, ...answers) => void routes.set(pathname, answers),
    reset: () => {
      routes.clear();
      requests.splice(0);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
