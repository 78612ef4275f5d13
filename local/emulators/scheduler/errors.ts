import { AwsServiceError } from '../aws-json-server.js';

// Scheduler's error types, by the names and statuses its restJson1 model gives them (the SDK maps
// the `x-amzn-ErrorType` header to the typed exception).

/** 404 ResourceNotFoundException: a schedule or group that does not exist. */
export const notFound = (message: string) => new AwsServiceError('ResourceNotFoundException', message, 404);

/** 409 ConflictException: a schedule or group that exists already. */
export const conflict = (message: string) => new AwsServiceError('ConflictException', message, 409);

/** 400 ValidationException: a malformed or out-of-range request. */
export const invalid = (message: string) => new AwsServiceError('ValidationException', message, 400);

/** An error for a log line: its name and message, never a stack or a payload. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
