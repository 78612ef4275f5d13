import { compilePattern, InvalidEventPatternError } from '#core/patterns/index.js';
import { invalidEventPattern, validationError } from './errors.js';

const REQUIRED_EVENT_FIELDS = ['id', 'account', 'source', 'time', 'region', 'detail-type'] as const;

/**
 * Compiles a rule pattern with the shared engine, turning its validation error into the
 * InvalidEventPatternException (HTTP 400) that PutRule, TestEventPattern and CreateArchive raise.
 */
export function compileRulePattern(pattern: string | object, maxLength?: number): { matches(event: unknown): boolean } {
  try {
    return compilePattern(pattern, maxLength === undefined ? undefined : { maxLength });
  } catch (error) {
    if (error instanceof InvalidEventPatternError) throw invalidEventPattern(error.message);
    throw error;
  }
}

/** Pattern text as DescribeRule returns it: the text given, or an object serialized. */
export const patternText = (pattern: string | object): string =>
  typeof pattern === 'string' ? pattern : JSON.stringify(pattern);

/**
 * TestEventPattern: the pattern must be valid, and the event a JSON object carrying id, account,
 * source, time, region and detail-type (else `Parameter Event is not valid.`); extra fields are
 * allowed and matchable.
 */
export function testEventPattern(eventText: string, pattern: string | object, maxLength?: number): boolean {
  const compiled = compileRulePattern(pattern, maxLength);
  let event: unknown;
  try {
    event = JSON.parse(eventText);
  } catch {
    throw validationError('Parameter Event is not valid.');
  }
  if (
    typeof event !== 'object' ||
    event === null ||
    Array.isArray(event) ||
    REQUIRED_EVENT_FIELDS.some((field) => !(field in event))
  ) {
    throw validationError('Parameter Event is not valid.');
  }
  return compiled.matches(event);
}
