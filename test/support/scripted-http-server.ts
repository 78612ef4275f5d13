import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer; a body that is not a string is sent as JSON. */
export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** A request as the server saw it, body read as text. */
export interface RecordedRequest {
  method: string;
  url: URL;
  /** `url`'s path, without the query. */
  path: string;
  /** `url`'s query, as a multi-map. */
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

/** An answer, or an answer made from the request. */
export type Script = ScriptedAnswer | ((req: RecordedRequest) => ScriptedAnswer);

/** What {@link startScriptedHttpServer} hands back. */
export interface ScriptedHttpServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  requests: RecordedRequest[];
  /**
   * Scripts the answers to `match`: `"GET /path"`, `"/path"` (any method) or `"*"` (any request no
   * other route takes). Each request takes the next answer; the last one repeats.
   */
  route(match: string, ...answers: Script[]): void;
  /** Replaces every route: each entry one answer, or a queue of them. */
  routes(table: Record<string, Script | Script[]>): void;
  /** Scripts the answers to every request (the `"*"` route). */
  answer(...answers: Script[]): void;
  /** Forgets every route and recorded request. */
  reset(): void;
  close(): Promise<void>;
}

/**
 * A real HTTP server on loopback with scripted answers, recording each request with its body, so
 * pollers are tested over HTTP (redirects, 304, 429, token endpoints beside the API) rather than
 * with a mocked fetch. Requests no route takes answer 404.
 */
export async function startScriptedHttpServer(): Promise<ScriptedHttpServer> {
  const routes = new Map<string, Script[]>();
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const request: RecordedRequest = {
        method: req.method ?? 'GET',
        url,
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      const queue = routes.get(`${request.method} ${request.path}`) ?? routes.get(request.path) ?? routes.get('*');
      const script =
        queue && queue.length > 0
          ? queue.length > 1
            ? queue.shift()!
            : queue[0]!
          : { status: 404, body: { error: 'not scripted' } };
      const answer = typeof script === 'function' ? script(request) : script;
      const json = answer.body !== undefined && typeof answer.body !== 'string';
      const body = answer.body === undefined ? '' : json ? JSON.stringify(answer.body) : (answer.body as string);
      res
        .writeHead(answer.status, {
          ...(json && { 'content-type': 'application/json; charset=utf-8' }),
          ...answer.headers,
        })
        .end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const route = (match: string, ...answers: Script[]) => void routes.set(match, answers);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    route,
    routes: (table) => {
      routes.clear();
      for (const [match, answers] of Object.entries(table))
        route(match, ...(Array.isArray(answers) ? answers : [answers]));
    },
    answer: (...answers) => route('*', ...answers),
    reset: () => {
      routes.clear();
      requests.splice(0);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The server of one test file: started before its tests and closed after them; the requests it
 * recorded are forgotten before each test (routes stay until scripted again).
 */
export function scriptedHttpServerForTests(): ScriptedHttpServer {
  let server: ScriptedHttpServer | undefined;
  beforeAll(async () => {
    server = await startScriptedHttpServer();
  });
  afterAll(() => server?.close());
  beforeEach(() => void server?.requests.splice(0));
  const live = (): ScriptedHttpServer => {
    if (!server) throw new Error('the scripted HTTP server starts in beforeAll: use it inside hooks and tests');
    return server;
  };
  return {
    get url() {
      return live().url;
    },
    get requests() {
      return live().requests;
    },
    route: (match, ...answers) => live().route(match, ...answers),
    routes: (table) => live().routes(table),
    answer: (...answers) => live().answer(...answers),
    reset: () => live().reset(),
    close: () => live().close(),
  };
}
