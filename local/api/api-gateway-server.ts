import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { LocalFunction } from '../functions/function-runner.js';
import { matchPath, type RestApiDefinition } from './rest-api-routes.js';

/** API Gateway's payload limit for REST APIs. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

/**
 * Serves the REST API's routes as API Gateway's proxy integration would: builds the proxy
 * event (base64 body when the content type is a binary media type), invokes the function and
 * maps its result; a function error becomes 502 as on AWS.
 */
export function createApiGatewayServer(
  api: RestApiDefinition,
  functions: Map<string, LocalFunction>,
  extra?: (req: IncomingMessage, res: ServerResponse) => boolean,
): Server {
  const binary = (contentType: string | undefined) =>
    api.binaryMediaTypes.some((t) => t === '*/*' || (contentType ?? '').split(';')[0]?.trim() === t);
  const server = createServer(async (req, res) => {
    try {
      await serve(req, res);
    } catch (err) {
      // One bad request must never take the twin down (an unhandled rejection would).
      console.error(`[api] ${req.method} request failed: ${(err as Error).message}`);
      if (!res.headersSent) json(res, 500, { message: 'Internal server error' });
      else res.destroy();
    }
  });
  // Requests Node's parser refuses (a 20 kB path, broken framing) get a JSON answer naming the
  // problem, as everything else the twin answers does, rather than Node's empty 400/431.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return;
    const [status, message] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large: the request line and headers may take at most 16 KiB']
        : [400, 'Bad Request: the request is not valid HTTP/1.1'];
    const body = JSON.stringify({ message });
    socket.end(
      `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  return server;

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (extra?.(req, res)) return;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const candidates = api.routes.map((r) => ({ r, params: matchPath(r.path, url.pathname) })).filter((c) => c.params);
    const route = candidates.find((c) => c.r.method === req.method) ?? candidates.find((c) => c.r.method === 'ANY');
    if (!route) {
      json(res, candidates.length ? 405 : 404, {
        message: candidates.length ? 'Method Not Allowed' : 'Missing Authentication Token',
      });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_PAYLOAD_BYTES) {
        json(res, 413, { message: 'Request Too Long' });
        return;
      }
      chunks.push(chunk as Buffer);
    }
    const body = Buffer.concat(chunks);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
    const query = Object.fromEntries(url.searchParams);
    const isBase64Encoded = body.length > 0 && binary(headers['content-type']);
    const event: APIGatewayProxyEvent = {
      resource: route.r.path,
      path: url.pathname,
      httpMethod: req.method ?? 'GET',
      headers,
      multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      queryStringParameters: Object.keys(query).length ? query : null,
      multiValueQueryStringParameters: Object.keys(query).length
        ? Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]]))
        : null,
      pathParameters: route.params ?? null,
      stageVariables: null,
      requestContext: {
        accountId: '123456789012',
        apiId: 'local',
        protocol: 'HTTP/1.1',
        httpMethod: req.method ?? 'GET',
        path: url.pathname,
        stage: 'local',
        requestId: randomUUID(),
        requestTimeEpoch: Date.now(),
        resourceId: 'local',
        resourcePath: route.r.path,
        authorizer: null,
        identity: {
          sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
          userAgent: headers['user-agent'] ?? null,
        } as APIGatewayProxyEvent['requestContext']['identity'],
      },
      body: body.length === 0 ? null : body.toString(isBase64Encoded ? 'base64' : 'utf8'),
      isBase64Encoded,
    };
    const fn = functions.get(route.r.functionLogicalId);
    try {
      if (!fn) throw new Error(`no function ${route.r.functionLogicalId}`);
      const result = (await fn.invoke(event)) as APIGatewayProxyResult;
      const out = result.isBase64Encoded ? Buffer.from(result.body, 'base64') : Buffer.from(result.body ?? '', 'utf8');
      res.writeHead(result.statusCode, (result.headers ?? {}) as Record<string, string>).end(out);
    } catch (err) {
      console.error(`[api] ${route.r.method} ${route.r.path}: ${(err as Error).message}`);
      json(res, 502, { message: 'Internal server error' });
    }
  }
}
