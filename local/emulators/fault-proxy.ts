import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The AWS services whose requests the twin's functions make, and fault mode can fail. */
export const FAULT_SERVICES = ['dynamodb', 'sqs', 'eventbridge'] as const;
export type FaultService = (typeof FAULT_SERVICES)[number];

/** The environment variable that turns fault mode on (docs/design.md, "Local twin"). */
export const FAULTS_ENV = 'SWITCHBOARD_FAULTS';

/**
 * Reads `SWITCHBOARD_FAULTS=dynamodb:0.2,eventbridge:0.2,sqs:0.2`: the share of each service's
 * requests that fail. Empty or unset: no fault mode. A malformed value throws naming the
 * variable and what is wrong, so a typo never silently runs without faults.
 */
export function parseFaults(value: string | undefined): Partial<Record<FaultService, number>> {
  const faults: Partial<Record<FaultService, number>> = {};
  if (value === undefined || value.trim() === '') return faults;
  for (const part of value.split(',')) {
    const [name, share, ...rest] = part.trim().split(':');
    if (!FAULT_SERVICES.includes(name as FaultService) || share === undefined || rest.length > 0) {
      throw new Error(
        `${FAULTS_ENV}: "${part.trim()}" is not <service>:<share>; services are ${FAULT_SERVICES.join(', ')}, e.g. ${FAULTS_ENV}=dynamodb:0.2,sqs:0.1`,
      );
    }
    const n = Number(share);
    if (!Number.isFinite(n) || n < 0 || n > 1)
      throw new Error(`${FAULTS_ENV}: the share for ${name} must be a number from 0 to 1, not "${share}"`);
    faults[name as FaultService] = n;
  }
  return faults;
}

/** One kind of failure, as the service answers it on the wire (JSON protocols). */
interface Fault {
  status: number;
  /** The error's `__type`; the SDK reads the part after `#` as the error name. */
  type: string;
  message: string;
}

/**
 * How each service fails: throttling (HTTP 400 with the service's throttling error) and server
 * errors (500, 503), the ones the AWS SDK retries and the ones that reach the code once retries
 * run out. Every fault is answered before the request reaches the emulator, so a failed request
 * changed nothing (as for throttling; an AWS 500 may occasionally have been applied, which this
 * mode does not imitate).
 */
const FAULTS: Record<FaultService, Fault[]> = {
  dynamodb: [
    {
      status: 400,
      type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
      message: 'The level of configured provisioned throughput for the table was exceeded.',
    },
    {
      status: 400,
      type: 'com.amazon.coral.availability#ThrottlingException',
      message: 'Rate of requests exceeds the allowed throughput.',
    },
    { status: 500, type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error' },
    { status: 503, type: 'com.amazon.coral.availability#ServiceUnavailableException', message: 'Service unavailable' },
  ],
  sqs: [
    { status: 400, type: 'com.amazonaws.sqs#RequestThrottled', message: 'Request is throttled.' },
    {
      status: 500,
      type: 'com.amazonaws.sqs#InternalError',
      message: 'We encountered an internal error. Please try again.',
    },
    {
      status: 503,
      type: 'com.amazonaws.sqs#ServiceUnavailable',
      message: 'The request has failed due to a temporary failure of the server.',
    },
  ],
  eventbridge: [
    { status: 400, type: 'ThrottlingException', message: 'Rate exceeded' },
    { status: 500, type: 'InternalException', message: 'Internal error' },
    { status: 503, type: 'ServiceUnavailableException', message: 'Service unavailable' },
  ],
};

/** Requests seen by a service proxy, by operation (the `X-Amz-Target` action), and faults injected. */
export interface FaultCounts {
  requests: Record<string, number>;
  faults: Record<string, number>;
  /** DynamoDB: capacity units consumed, by operation, as DynamoDB Local reports them. */
  capacity: Record<string, number>;
  /** EventBridge: events put (PutEvents entries, what EventBridge bills). */
  events: number;
}

export interface FaultProxy {
  /** The proxy's endpoint, to give the functions instead of the emulator's. */
  readonly endpoint: string;
  readonly counts: FaultCounts;
  /**
   * An outage: for `ms` milliseconds every request hangs, unanswered, as a stalled service's
   * would; the SDK's timeouts and retries decide what the caller sees. When the outage ends,
   * requests whose caller is still waiting go through; those it gave up on never reach the
   * emulator (on AWS such a request may still have been applied).
   */
  freeze(ms: number): void;
  stop(): Promise<void>;
}

export interface FaultProxyOptions {
  service: FaultService;
  /** The emulator's endpoint the proxy forwards to. */
  target: string;
  /** Share of requests to fail, 0..1. */
  share: number;
  /** Random numbers in [0, 1) (tests pass a seeded one). @default Math.random */
  random?: () => number;
}

/**
 * An HTTP proxy in front of one emulator that counts the requests the twin's functions make
 * (by operation, with the capacity DynamoDB consumes and the events EventBridge takes: what the
 * cost report prices), fails a share of them as the real service does (see {@link FAULTS}), and
 * forwards the rest. The twin puts one in front of
 * each service when `SWITCHBOARD_FAULTS` is set and gives the functions its endpoint, so
 * retries, partial failures and dead letters can be exercised without AWS.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const random = options.random ?? Math.random;
  const target = new URL(options.target);
  const counts: FaultCounts = { requests: {}, faults: {}, capacity: {}, events: 0 };
  const bump = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);
  const faults = FAULTS[options.service];

  let frozenUntil = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const wait = frozenUntil - Date.now();
    if (wait > 0) {
      setTimeout(() => {
        if (!res.destroyed && !req.socket.destroyed) handle(req, res);
      }, wait);
      return;
    }
    handle(req, res);
  });
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const operation = String(req.headers['x-amz-target'] ?? req.method ?? 'request')
      .split('.')
      .pop()!;
    bump(counts.requests, operation);
    if (random() < options.share) {
      const fault = faults[Math.floor(random() * faults.length)]!;
      bump(counts.faults, `${operation} ${fault.type.split('#').pop()}`);
      req.resume(); // read and drop the body: the request never reaches the emulator
      req.once('end', () => {
        const body = JSON.stringify({ __type: fault.type, message: fault.message });
        res
          .writeHead(fault.status, {
            'content-type': 'application/x-amz-json-1.0',
            'x-amzn-requestid': `fault-${Date.now()}`,
            'content-length': Buffer.byteLength(body),
          })
          .end(body);
      });
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => {
      let body: Buffer = Buffer.concat(chunks);
      const measured = measure(options.service, operation, body);
      if (measured.body) body = measured.body;
      if (measured.events) counts.events += measured.events;
      const upstream = httpRequest(
        {
          hostname: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...withoutChunking(req.headers), host: target.host, 'content-length': String(body.length) },
        },
        (answer) => {
          if (!measured.capacity) {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
            return;
          }
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.once('end', () => {
            const out = Buffer.concat(parts);
            // DynamoDB Local reports 4 units per KB written in a transaction; DynamoDB bills 2.
            const units = consumedCapacity(out) / (operation === 'TransactWriteItems' ? 2 : 1);
            if (units > 0) counts.capacity[operation] = (counts.capacity[operation] ?? 0) + units;
            res
              .writeHead(answer.statusCode ?? 502, {
                ...withoutChunking(answer.headers),
                'content-length': String(out.length),
              })
              .end(out);
          });
        },
      );
      upstream.once('error', (err) => {
        if (res.headersSent) res.destroy();
        else
          res.writeHead(502, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              __type: 'ProxyError',
              message: `proxy could not reach ${options.target}: ${err.message}`,
            }),
          );
      });
      upstream.end(body);
    });
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    counts,
    freeze: (ms: number) => void (frozenUntil = Date.now() + ms),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** DynamoDB operations that can report the capacity they consume. */
const CAPACITY_OPERATIONS = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'GetItem',
  'Query',
  'Scan',
  'BatchWriteItem',
  'BatchGetItem',
  'TransactWriteItems',
  'TransactGetItems',
]);

/**
 * What a request will cost, read on its way through: DynamoDB requests are asked to return their
 * consumed capacity (`ReturnConsumedCapacity: TOTAL`, which changes nothing else), EventBridge
 * PutEvents requests are counted by entries.
 */
function measure(
  service: FaultService,
  operation: string,
  body: Buffer,
): { body?: Buffer; capacity?: boolean; events?: number } {
  if (service === 'eventbridge' && operation === 'PutEvents') {
    try {
      return { events: ((JSON.parse(body.toString('utf8')) as { Entries?: unknown[] }).Entries ?? []).length };
    } catch {
      return {};
    }
  }
  if (service !== 'dynamodb' || !CAPACITY_OPERATIONS.has(operation)) return {};
  try {
    const request = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    request.ReturnConsumedCapacity ??= 'TOTAL';
    return { body: Buffer.from(JSON.stringify(request), 'utf8'), capacity: true };
  } catch {
    return {};
  }
}

/** The capacity units a DynamoDB response reports (one object, or one per table). */
function consumedCapacity(response: Buffer): number {
  try {
    const c = (
      JSON.parse(response.toString('utf8')) as {
        ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[];
      }
    ).ConsumedCapacity;
    return (Array.isArray(c) ? c : c ? [c] : []).reduce((sum, x) => sum + (x.CapacityUnits ?? 0), 0);
  } catch {
    return 0;
  }
}

/** Headers without `transfer-encoding`, for a body sent whole with its `content-length`. */
function withoutChunking<T extends Record<string, unknown>>(headers: T): T {
  const { 'transfer-encoding': _chunked, ...rest } = headers;
  return rest as T;
}
