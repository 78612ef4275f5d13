import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * An error in the AWS JSON shape: `{"__type": type, "message": message}` with `statusCode`.
 * The AWS SDK v3 turns `__type` into the matching typed exception class.
 */
export class AwsServiceError extends Error {
  override readonly name: string;

  constructor(
    readonly type: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = type;
  }
}

/** A JSON object as parsed from a request body. */
export type JsonObject = Record<string, unknown>;

/** Runs one action; returns the response body (undefined → `{}`) or throws an {@link AwsServiceError}. */
export type AwsJsonActionHandler = (action: string, body: JsonObject) => unknown;

export interface AwsJsonServerOptions {
  /** The part of `X-Amz-Target` before the dot, e.g. `AWSEvents` or `secretsmanager`. */
  targetPrefix: string;
  handle: AwsJsonActionHandler;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes?: number;
  /** Type name used for unexpected errors (500). */
  internalErrorType?: string;
  /** Receives unexpected errors; never request payloads. */
  onInternalError?: (error: unknown) => void;
}

const CONTENT_TYPE = 'application/x-amz-json-1.1';

/**
 * Creates (does not start) an HTTP server speaking the AWS JSON 1.1 protocol: POST with
 * `X-Amz-Target: <prefix>.<Action>` and a JSON body. Credentials and signatures are ignored,
 * so any SDK client configured with any credentials works.
 */
export function createAwsJsonServer(options: AwsJsonServerOptions): Server {
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
  return createServer((req, res) => {
    void handleRequest(req, res, options, maxBodyBytes);
  });
}

async function handleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  options: AwsJsonServerOptions,
  maxBodyBytes: number,
): Promise<void> {
  res.setHeader('x-amzn-RequestId', randomUUID());
  try {
    if (req.method !== 'POST')
      throw new AwsServiceError('UnknownOperationException', `Method ${req.method ?? ''} is not supported; use POST.`);
    const action = actionOf(req.headers['x-amz-target'], options.targetPrefix);
    const body = await readJsonBody(req, maxBodyBytes);
    const result = await options.handle(action, body);
    send(res, 200, result ?? {});
  } catch (error) {
    if (error instanceof AwsServiceError) {
      send(res, error.statusCode, { __type: error.type, message: error.message });
      return;
    }
    options.onInternalError?.(error);
    send(res, 500, {
      __type: options.internalErrorType ?? 'InternalFailure',
      message: 'Internal error in the local emulator.',
    });
  }
}

function actionOf(target: string | string[] | undefined, prefix: string): string {
  const value = Array.isArray(target) ? target[0] : target;
  const dot = value?.indexOf('.') ?? -1;
  if (value === undefined || dot < 0 || value.slice(0, dot) !== prefix) {
    throw new AwsServiceError(
      'UnknownOperationException',
      `Missing or unknown X-Amz-Target (expected ${prefix}.<Action>).`,
    );
  }
  return value.slice(dot + 1);
}

/** The error a request body that cannot be read answers with: its `__type` and HTTP status. */
export interface BodyError {
  type: string;
  statusCode: number;
}

/** Which errors {@link readJsonBody} throws; AWS protocols differ (restJson1 answers ValidationException). */
export interface BodyErrors {
  /** For a body larger than the limit. */
  tooLarge: BodyError;
  /** For a body that is not JSON, or JSON but not an object. */
  malformed: BodyError;
}

/** What AWS JSON 1.1 services answer for a body they cannot read. */
export const JSON_1_1_BODY_ERRORS: BodyErrors = {
  tooLarge: { type: 'RequestEntityTooLargeException', statusCode: 413 },
  malformed: { type: 'SerializationException', statusCode: 400 },
};

/**
 * Reads a request body of at most `maxBytes` as a JSON object (an empty body is `{}`). Throws an
 * {@link AwsServiceError} of the kind `errors` names for a body too large, not JSON, or not an object.
 */
export async function readJsonBody(
  req: IncomingMessage,
  maxBytes: number,
  errors: BodyErrors = JSON_1_1_BODY_ERRORS,
): Promise<JsonObject> {
  return parseBody(await readBody(req, maxBytes, errors.tooLarge), errors.malformed);
}

function readBody(req: IncomingMessage, maxBytes: number, tooLarge: BodyError): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(
          new AwsServiceError(tooLarge.type, `Request body is larger than ${maxBytes} bytes.`, tooLarge.statusCode),
        );
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(text: string, malformed: BodyError): JsonObject {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AwsServiceError(malformed.type, 'Request body is not valid JSON.', malformed.statusCode);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AwsServiceError(malformed.type, 'Request body must be a JSON object.', malformed.statusCode);
  }
  return parsed as JsonObject;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Reads an optional string member, rejecting other types with a ValidationException. */
export function optionalString(body: JsonObject, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new AwsServiceError('ValidationException', `Parameter ${key} must be a string.`);
  return value;
}

/** Reads a required string member; a missing one fails as AWS's validator does. */
export function requiredString(
  body: JsonObject,
  key: string,
  memberPath = key.charAt(0).toLowerCase() + key.slice(1),
): string {
  const value = optionalString(body, key);
  if (value === undefined) {
    throw new AwsServiceError(
      'ValidationException',
      `1 validation error detected: Value null at '${memberPath}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}
