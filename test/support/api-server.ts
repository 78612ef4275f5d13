import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PollState } from '../../lambdas/core/polling/poller.js';
import type { PollStateStore } from '../../lambdas/core/ports/poll-state-store.js';

/** A request the API server received, body read as text. */
export interface ApiRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

/** An answer; an object body is sent as JSON. */
export interface ApiAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string | object;
}

/** A route's answers: one answer for every request, a queue (the last repeats), or a function of the request. */
export type Route = ApiAnswer | ApiAnswer[] | ((req: ApiRequest) => ApiAnswer);

/**
 * A real HTTP server on loopback for JSON API pollers: answers by `"<METHOD> <path>"` routes
 * (unknown routes get 404) and records every request with its body, so tests see the URLs,
 * headers and bodies a poller sends.
 */
export async function startApiServer(): Promise<{ url: string; requests: ApiRequest[]; routes(table: Record<string, Route>): void; close(): Promise<void> }> {
  let table: Record<string, Route> = {};
  const requests: ApiRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://loopback');
      const request: ApiRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(request);
      const route = table[`${request.method} ${request.path}`];
      let answer: ApiAnswer;
      if (route === undefined) answer = { status: 404, body: { error: 'NotFound' } };
      else if (typeof route === 'function') answer = route(request);
      else if (Array.isArray(route)) answer = (route.length > 1 ? route.shift() : route[0]) ?? { status: 404 };
      else answer = route;
      const body = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      const headers = { ...(typeof answer.body === 'object' && { 'content-type': 'application/json; charset=utf-8' }), ...answer.headers };
      res.writeHead(answer.status, headers).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    routes: (next) => {
      table = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An in-memory {@link PollStateStore} for running pollers through the runner. */
export class MemoryPollStateStore implements PollStateStore {
  readonly states = new Map<string, PollState>();
  async get(platform: string, id: string) {
    return structuredClone(this.states.get(`${platform}:${id}`) ?? {});
  }
  async put(platform: string, id: string, state: PollState) {
    this.states.set(`${platform}:${id}`, structuredClone(state));
  }
}
