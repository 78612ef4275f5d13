import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { AwsServiceError, type BodyErrors, type JsonObject, readJsonBody } from '../aws-json-server.js';
import { describeError, invalid } from './errors.js';
import type { GroupOperations } from './group-operations.js';
import { DEFAULT_GROUP } from './records.js';
import type { ScheduleOperations } from './schedule-operations.js';

const MAX_BODY_BYTES = 1024 * 1024;

/** Scheduler's restJson1 model has no serialization error: a body it cannot read is a ValidationException. */
const BODY_ERRORS: BodyErrors = {
  tooLarge: { type: 'ValidationException', statusCode: 400 },
  malformed: { type: 'ValidationException', statusCode: 400 },
};

/** The operations the REST API routes to. */
export interface SchedulerOperations {
  schedules: ScheduleOperations;
  groups: GroupOperations;
}

/**
 * Creates (does not start) the HTTP server speaking Scheduler's restJson1: `/schedules[/name]` and
 * `/schedule-groups[/name]` by method, errors as `{Message}` with the type in `x-amzn-ErrorType`.
 */
export function createRestApi(operations: SchedulerOperations, log: (line: string) => void): Server {
  return createServer((req, res) => void handle(req, res, operations, log));
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  operations: SchedulerOperations,
  log: (line: string) => void,
): Promise<void> {
  res.setHeader('x-amzn-RequestId', randomUUID());
  try {
    const url = new URL(req.url ?? '/', 'http://scheduler.local');
    const body = await readJsonBody(req, MAX_BODY_BYTES, BODY_ERRORS);
    send(res, 200, route(operations, req.method ?? 'GET', url.pathname, url.searchParams, body) ?? {});
  } catch (error) {
    if (error instanceof AwsServiceError) {
      // restJson1 clients read the error type from this header; Message is the shape's member.
      send(res, error.statusCode, { Message: error.message }, error.type);
      return;
    }
    log(`Scheduler internal error: ${describeError(error)}`);
    send(res, 500, { Message: 'Internal error in the local Scheduler.' }, 'InternalServerException');
  }
}

function route(
  { schedules, groups }: SchedulerOperations,
  method: string,
  path: string,
  query: URLSearchParams,
  body: JsonObject,
): unknown {
  const [collection, rawName, ...rest] = path.split('/').filter((part) => part !== '');
  if (rest.length > 0 || (collection !== 'schedules' && collection !== 'schedule-groups'))
    throw unknownOperation(method, path);
  if (rawName === undefined) {
    if (method !== 'GET') throw unknownOperation(method, path);
    return collection === 'schedules' ? schedules.list(query) : groups.list(query);
  }
  const name = decodeLabel(rawName);
  if (collection === 'schedules') {
    switch (method) {
      case 'POST':
        return schedules.create(name, body);
      case 'PUT':
        return schedules.update(name, body);
      case 'GET':
        return schedules.get(name, query.get('groupName') ?? DEFAULT_GROUP);
      case 'DELETE':
        return schedules.delete(name, query.get('groupName') ?? DEFAULT_GROUP);
      default:
        throw unknownOperation(method, path);
    }
  }
  switch (method) {
    case 'POST':
      return groups.create(name, body);
    case 'GET':
      return groups.get(name);
    case 'DELETE':
      return groups.delete(name);
    default:
      throw unknownOperation(method, path);
  }
}

function unknownOperation(method: string, path: string): AwsServiceError {
  return new AwsServiceError(
    'UnknownOperationException',
    `${method} ${path} is not an operation the local Scheduler supports.`,
    404,
  );
}

function decodeLabel(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalid(`The path segment ${raw} is not valid percent-encoding.`);
  }
}

function send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  };
  if (errorType !== undefined) headers['x-amzn-ErrorType'] = errorType;
  res.writeHead(status, headers);
  res.end(text);
}
