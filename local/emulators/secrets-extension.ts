import { createServer } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { AwsServiceError } from './aws-json-server.js';
import { closeServer, listenOn } from './port-check.js';

/** Options of {@link startSecretsExtension}. */
export interface SecretsExtensionOptions {
  /** What GetSecretValue answers for a secret id; throws an AwsServiceError when there is none. */
  getSecretValue(secretId: string): Record<string, unknown>;
  /** The token every request must carry in `X-Aws-Parameters-Secrets-Token` (the function's `AWS_SESSION_TOKEN`). */
  token: string;
  /** Default 0: a free port is picked. */
  port?: number;
}

/** A running stand-in for the extension. */
export interface SecretsExtension {
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * The local HTTP API of the AWS Parameters and Secrets Lambda extension, for the twin's functions
 * (`PARAMETERS_SECRETS_EXTENSION_HTTP_PORT` names its port): `GET /secretsmanager/get?secretId=`
 * answers what GetSecretValue answers, to requests that carry the token. A request without it,
 * or with another, is refused with 401, as the extension refuses it; an unknown secret gets 400
 * with Secrets Manager's error; any other path 404.
 */
export async function startSecretsExtension(options: SecretsExtensionOptions): Promise<SecretsExtension> {
  const expected = Buffer.from(options.token);
  const server = createServer((req, res) => {
    const reply = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' || url.pathname !== '/secretsmanager/get') return reply(404, { message: 'not found' });
    const given = Buffer.from(String(req.headers['x-aws-parameters-secrets-token'] ?? ''));
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return reply(401, { message: 'missing or invalid X-Aws-Parameters-Secrets-Token' });
    const secretId = url.searchParams.get('secretId');
    if (!secretId) return reply(400, { message: 'secretId is required' });
    try {
      reply(200, options.getSecretValue(secretId));
    } catch (err) {
      if (err instanceof AwsServiceError) return reply(400, { __type: err.type, message: err.message });
      reply(500, { message: (err as Error).message });
    }
  });
  const port = await listenOn(
    server,
    options.port ?? 0,
    '127.0.0.1',
    'PARAMETERS_SECRETS_EXTENSION_HTTP_PORT',
    'the secrets extension stand-in',
  );
  return { port, stop: () => closeServer(server) };
}
