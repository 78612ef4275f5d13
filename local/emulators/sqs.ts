import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { assertPortFree, closeServer, listenOn } from './port-check.js';
import { loadSqsLibrary, type SqsQueueInternals, type SqsServiceInternals } from './sqs-library.js';

export const SQS_PORT_ENV = 'SQS_PORT';
export const DEFAULT_SQS_PORT = 9324;

export interface SqsEmulatorOptions {
  /** Default 9324; 0 picks a free port. */
  port?: number;
  /** Address to listen on and to put in queue URLs; default 127.0.0.1 (not reachable from the network). */
  host?: string;
  region?: string;
  accountId?: string;
  /** Queues created at start, in CreateQueue form (`{ QueueName, Attributes }`). */
  queues?: Array<{ QueueName: string; Attributes?: Record<string, string>; tags?: Record<string, string> }>;
}

export interface SqsEmulator {
  /** e.g. `http://127.0.0.1:9324`; point `@aws-sdk/client-sqs` here. */
  readonly endpoint: string;
  readonly port: number;
  readonly accountId: string;
  /** URL of a queue by name: `<endpoint>/<accountId>/<name>`. */
  queueUrl(queueName: string): string;
  /** Source fixes of local-aws-sqs that could not be applied (empty when all are in). */
  readonly missingFixes: readonly string[];
  stop(): Promise<void>;
}

/**
 * Starts an SQS emulator (local-aws-sqs, JSON and query protocols) for the local twin.
 *
 * On top of the library: queue deletion and re-creation are immediate (no 60 s AWS lifecycle
 * wait), PurgeQueue empties the queue at once instead of after 60 s, `MessageSystemAttributeNames`
 * (what current SDKs send) is honoured like the deprecated `AttributeNames`, and two counting
 * bugs are fixed at load time (see sqs-library.ts).
 */
export async function startSqs(options: SqsEmulatorOptions = {}): Promise<SqsEmulator> {
  const port = options.port ?? DEFAULT_SQS_PORT;
  const host = options.host ?? '127.0.0.1';
  const accountId = options.accountId ?? '123456789012';
  await assertPortFree(port, SQS_PORT_ENV, { service: 'the SQS emulator' });

  const { module, missingFixes } = loadSqsLibrary();
  const { service, requestHandler } = module.createRequestHandler({
    port,
    hostname: host,
    region: options.region ?? 'us-east-1',
    accountId,
    emulateQueueCreationLifecycle: false,
    emulateLazyQueues: false,
    validateDlqDestination: true,
    queues: options.queues ?? [],
  });

  const server = createServer((req, res) => {
    void forward(req, res, service, requestHandler);
  });
  const bound = await listenOn(server, port, host, SQS_PORT_ENV, 'the SQS emulator');
  // Queue URLs are built from PORT, which must be the real one when port 0 was asked for.
  service.PORT = bound;
  const endpoint = `http://${host}:${bound}`;

  return {
    endpoint,
    port: bound,
    accountId,
    queueUrl: (name) => `${endpoint}/${accountId}/${name}`,
    missingFixes,
    stop: () => closeServer(server),
  };
}

async function forward(
  req: IncomingMessage,
  res: ServerResponse,
  service: SqsServiceInternals,
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Promise<void> {
  try {
    const raw = await readAll(req);
    const body = adjustRequest(req, raw, service);
    // The library reads headers and the body stream only; a replayable copy carries both.
    const replay = Object.assign(Readable.from(body.length > 0 ? [body] : []), {
      headers: req.headers,
      method: req.method,
      url: req.url,
    });
    await handle(replay as unknown as IncomingMessage, res);
  } catch {
    if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/x-amz-json-1.0' });
    res.end(
      JSON.stringify({ __type: 'com.amazonaws.sqs#InternalError', message: 'Internal error in the SQS emulator.' }),
    );
  }
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Applies the wrapper's request-level fixes; returns the (possibly rewritten) body. */
function adjustRequest(req: IncomingMessage, raw: Buffer, service: SqsServiceInternals): Buffer {
  const target = req.headers['x-amz-target'];
  const isJson = String(req.headers['content-type'] ?? '').startsWith('application/x-amz-json');
  if (!isJson || typeof target !== 'string' || raw.length === 0) return raw;
  const action = target.slice(target.indexOf('.') + 1);
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  } catch {
    return raw;
  }
  if (action === 'PurgeQueue' && typeof body.QueueUrl === 'string') {
    const queue = service.Queues.find((candidate) => candidate.QueueName === queueNameOf(body.QueueUrl as string));
    if (queue) makePurgeImmediate(queue);
    return raw;
  }
  if (
    action === 'ReceiveMessage' &&
    Array.isArray(body.MessageSystemAttributeNames) &&
    body.AttributeNames === undefined
  ) {
    // local-aws-sqs only reads the deprecated name; SDKs since 2024 send the new one.
    body.AttributeNames = body.MessageSystemAttributeNames;
    return Buffer.from(JSON.stringify(body));
  }
  return raw;
}

const queueNameOf = (url: string) => url.split('?')[0]?.split('/').filter(Boolean).pop() ?? '';

const PATCHED = Symbol('immediate purge');

/**
 * AWS allows up to 60 s for a purge and local-aws-sqs waits the full minute, which then also
 * deletes messages sent after the purge. Locally the queue is emptied at once; a second purge
 * within 60 s still fails with PurgeQueueInProgress, as on AWS.
 */
function makePurgeImmediate(queue: SqsQueueInternals & { [PATCHED]?: true }): void {
  if (queue[PATCHED]) return;
  queue[PATCHED] = true;
  queue.purge = (onDone) => {
    if (queue.purgeInProgress) return false;
    queue.clearRecords();
    onDone?.();
    queue.purgeInProgress = true;
    setTimeout(() => {
      queue.purgeInProgress = false;
    }, 60_000).unref();
    return true;
  };
}
