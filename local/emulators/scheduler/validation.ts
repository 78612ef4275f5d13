import type { AwsServiceError, JsonObject } from '../aws-json-server.js';
import { invalid } from './errors.js';

// Request member checks in the words of AWS's validator. Each check adds its finding to `errors`
// rather than throwing, because AWS answers every bad member of a request in one
// ValidationException; `path` is the member as AWS names it (camelCase, dotted).

const NAME_PATTERN = /^[0-9a-zA-Z\-_.]+$/;

/** One ValidationException listing every finding, counted as AWS counts them. */
export function validationErrors(errors: string[]): AwsServiceError {
  const count = errors.length === 1 ? '1 validation error' : `${errors.length} validation errors`;
  return invalid(`${count} detected: ${errors.join('; ')}`);
}

/** Checks a schedule or group name (1–64 characters of `[0-9a-zA-Z-_.]`). */
export function checkName(value: string, path: string, errors: string[]): void {
  if (value.length < 1 || value.length > 64) {
    errors.push(`Value '${value}' at '${path}' failed to satisfy constraint: Member must have length between 1 and 64`);
  } else if (!NAME_PATTERN.test(value)) {
    errors.push(
      `Value '${value}' at '${path}' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-zA-Z-_.]+`,
    );
  }
}

/** Throws the ValidationException for a bad group name, the only member a group request has. */
export function assertGroupName(name: string): void {
  const errors: string[] = [];
  checkName(name, 'name', errors);
  if (errors.length > 0) throw validationErrors(errors);
}

/** Checks a string's length, without quoting the value (it may be long). */
export function checkLength(value: string, path: string, min: number, max: number, errors: string[]): void {
  if (value.length < min || value.length > max) {
    errors.push(`Value at '${path}' failed to satisfy constraint: Member must have length between ${min} and ${max}`);
  }
}

/** Reads a string member; absent is undefined (a finding when required). */
export const stringMember = memberReader((value): value is string => typeof value === 'string', 'a string');

/** Reads a structure member (a JSON object); absent is undefined (a finding when required). */
export const objectMember = memberReader(
  (value): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value),
  'a structure',
);

const timestampMember = memberReader(
  (value): value is number => typeof value === 'number' && Number.isFinite(value),
  'a timestamp',
);

/** Reads an optional timestamp member: restJson1 sends epoch seconds; kept in ms. */
export function dateMember(body: JsonObject, key: string, path: string, errors: string[]): number | undefined {
  const value = timestampMember(body, key, path, errors);
  return value === undefined ? undefined : Math.round(value * 1000);
}

/** Reads a string member that must be one of `allowed`. */
export function enumMember<T extends string>(
  body: JsonObject,
  key: string,
  path: string,
  allowed: readonly T[],
  errors: string[],
  required = false,
): T | undefined {
  const value = stringMember(body, key, path, errors, required);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    errors.push(
      `Value '${value}' at '${path}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`,
    );
    return undefined;
  }
  return value as T;
}

/** Reads an optional integer member between `min` and `max`. */
export function integerMember(
  body: JsonObject,
  key: string,
  path: string,
  min: number,
  max: number,
  errors: string[],
): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    errors.push(
      `Value '${String(value)}' at '${path}' failed to satisfy constraint: Member must be an integer between ${min} and ${max}`,
    );
    return undefined;
  }
  return value;
}

/**
 * A reader of members of one JSON type, as AWS's validator checks them: null counts as absent,
 * absent is undefined (a finding when required), a value of another type is a finding.
 */
function memberReader<T>(is: (value: unknown) => value is T, shape: string) {
  return (body: JsonObject, key: string, path: string, errors: string[], required = false): T | undefined => {
    const value = body[key];
    if (value === undefined || value === null) {
      if (required) errors.push(`Value null at '${path}' failed to satisfy constraint: Member must not be null`);
      return undefined;
    }
    if (!is(value)) {
      errors.push(`Value at '${path}' failed to satisfy constraint: Member must be ${shape}`);
      return undefined;
    }
    return value;
  };
}
