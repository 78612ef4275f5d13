import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RecordedRequest, ScriptedAnswer } from './scripted-http-server.js';

/** A scripted answer, or `{ hang: true }`: no answer at all, until the client gives up. */
export type FakeAnswer = ScriptedAnswer | { hang: true };

/** An answer, or an answer made from the request. */
export type FakeScript = FakeAnswer | ((req: RecordedRequest) => FakeAnswer);

/** A platform API as a publisher test sees it: where it is, how to reach it, what it was sent. */
export interface FakePlatform {
  /** The base URL to put in `settings.apiBaseUrl`, no trailing slash. */
  readonly url: string;
  /** The fetch the publisher is given: in memory, or the real one over loopback HTTP. */
  readonly fetch: typeof fetch;
  readonly requests: RecordedRequest[];
  /**
   * Scripts the answers to `match`: `"POST /path"`, `"/path"` (any method) or `"*"`. Each request
   * takes the next answer; the last one repeats. Requests no route takes answer 404.
   */
  route(match: string, ...answers: FakeScript[]): void;
  /** Replaces every route. */
  routes(table: Record<string, FakeScript | FakeScript[]>): void;
}

/**
 * A fake platform API for publisher tests: the same scripted routes and recorded requests as
 * {@link import('./scripted-http-server.js').startScriptedHttpServer}, plus answers that never
 * come (a platform that hangs past the caller's signal).
 *
 * By default (the publishers' tests are component tests) a `node:http` server on 127.0.0.1,
 * called with the real `fetch`. With `SWITCHBOARD_FAKE_PLATFORM=memory` (a project that refuses
 * sockets, such as `unit`), an in-memory fetch instead: a real `Request` is built from what the
 * publisher passes (URL, method, headers, body, signal — so encoding and abort behave as fetch's),
 * recorded as the server records, and answered with a real `Response`.
 */
export function fakePlatformForTests(): FakePlatform {
  const routes = new Map<string, FakeScript[]>();
  const requests: RecordedRequest[] = [];
  const overHttp = process.env.SWITCHBOARD_FAKE_PLATFORM !== 'memory';
  let server: Server | undefined;
  let url = 'http://platform.invalid';

  const answerFor = (request: RecordedRequest): FakeAnswer => {
    requests.push(request);
    const queue = routes.get(`${request.method} ${request.path}`) ?? routes.get(request.path) ?? routes.get('*');
    const script =
      queue && queue.length > 0
        ? queue.length > 1
          ? queue.shift()!
          : queue[0]!
        : { status: 404, body: { error: 'not scripted' } };
    return typeof script === 'function' ? script(request) : script;
  };

  const encode = (answer: ScriptedAnswer): { body: string | null; headers: Record<string, string> } => {
    const json = answer.body !== undefined && typeof answer.body !== 'string';
    const body = answer.body === undefined ? '' : json ? JSON.stringify(answer.body) : (answer.body as string);
    return {
      body: answer.status === 204 || answer.status === 304 ? null : body,
      headers: { ...(json && { 'content-type': 'application/json; charset=utf-8' }), ...answer.headers },
    };
  };

  const memoryFetch: typeof fetch = async (input, init) => {
    const req = new Request(input, init);
    // The caller's own signal, held strongly here: a Request's signal only follows it weakly, and
    // a timeout signal nothing else holds may be collected before it fires.
    const signal = init?.signal ?? req.signal;
    if (signal.aborted) throw signal.reason;
    const target = new URL(req.url);
    const answer = answerFor({
      method: req.method,
      url: target,
      path: target.pathname,
      query: target.searchParams,
      headers: Object.fromEntries(req.headers),
      body: await req.text(),
    });
    if ('hang' in answer)
      return new Promise<Response>((_, reject) => {
        if (signal.aborted) reject(signal.reason);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    const { body, headers } = encode(answer);
    return new Response(body, { status: answer.status, headers });
  };

  if (overHttp) {
    beforeAll(async () => {
      server = createServer((req: IncomingMessage, res: ServerResponse) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          const target = new URL(req.url ?? '/', 'http://127.0.0.1');
          const answer = answerFor({
            method: req.method ?? 'GET',
            url: target,
            path: target.pathname,
            query: target.searchParams,
            headers: req.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          });
          if ('hang' in answer) return; // the socket is closed by the client's abort or by afterAll
          const { body, headers } = encode(answer);
          res.writeHead(answer.status, headers).end(body ?? undefined);
        });
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(
      () =>
        new Promise<void>((resolve) => {
          server?.closeAllConnections();
          server?.close(() => resolve());
        }),
    );
  }
  beforeEach(() => {
    requests.splice(0);
    routes.clear();
  });

  const route = (match: string, ...answers: FakeScript[]) => void routes.set(match, answers);
  return {
    get url() {
      return url;
    },
    fetch: overHttp ? (input, init) => fetch(input, init) : memoryFetch,
    requests,
    route,
    routes(table) {
      routes.clear();
      for (const [match, answers] of Object.entries(table))
        route(match, ...(Array.isArray(answers) ? answers : [answers]));
    },
  };
}
