import { parseAuthor } from '../core/lifecycle/erase.js';
import type { EraseCursor } from '../core/lifecycle/erase-run.js';
import { parseInstant } from '../core/lifecycle/replay.js';
import type { ReplayProgress, ScanKey } from '../core/lifecycle/replay-run.js';

/**
 * What the maintenance jobs state machine carries from one invocation of the job function to
 * the next: the request as the CLI started it, and how far the job is. The function returns
 * the state it was given with `cursor`, the counts and `done` brought up to date; the state
 * machine calls it again until `done`.
 */

/** `switchboard replay --stack`: the window as ISO 8601 UTC, both ends set (the CLI fixes "now"). */
export interface ReplayJobState {
  job: 'replay';
  department: string;
  since: string;
  until: string;
  dryRun: boolean;
  /** Where the Scan goes on; absent before the first page and when done. */
  cursor?: ScanKey;
  counts?: ReplayProgress;
  /** With `dryRun`: the first {@link WOULD_SEND_LISTED} engagements that would be sent. */
  wouldSend?: string[];
  /** Something the caller should know that is not an error (no rule routes to the department). */
  notice?: string;
  done?: boolean;
}

/** `switchboard erase --stack`: `at` is the request's time, the tombstone's key, fixed by the CLI. */
export interface EraseJobState {
  job: 'erase';
  /** `<platform>:<author id>`. */
  author: string;
  requestedBy: string;
  at: string;
  dryRun: boolean;
  cursor?: EraseCursor;
  /** Ids of the person's engagements found so far. */
  found?: string[];
  counts?: { found: number; erased: number };
  done?: boolean;
}

/** The state of either job. */
export type JobState = ReplayJobState | EraseJobState;

/**
 * Engagement ids a dry-run replay lists: a state machine's state is at most 256 KB, and ids
 * are some tens of bytes each. The counts cover the rest.
 */
export const WOULD_SEND_LISTED = 1_000;

/**
 * Input the job cannot run with (a missing field, an unknown department): the execution fails
 * with it, not retried. Its `name` is the error type Step Functions sees.
 */
export class JobInputError extends Error {
  override readonly name = 'JobInputError';
}

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function text(input: Fields, field: string): string {
  const value = input[field];
  if (typeof value !== 'string' || value === '') throw new JobInputError(`"${field}" must be a non-empty string`);
  return value;
}

function instant(input: Fields, field: string): string {
  const value = text(input, field);
  if (parseInstant(value) !== value)
    throw new JobInputError(`"${field}" must be an ISO 8601 UTC time with milliseconds, got "${value}"`);
  return value;
}

function flag(input: Fields, field: string): boolean {
  const value = input[field] ?? false;
  if (typeof value !== 'boolean') throw new JobInputError(`"${field}" must be true or false`);
  return value;
}

function count(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw new JobInputError(`"${field}" must be a count`);
  return value;
}

/** The optional fields of a state the function returned before, checked as far as the job relies on them. */
function progressFields(input: Fields): Pick<JobState, 'done'> {
  if (input.done !== undefined && typeof input.done !== 'boolean') throw new JobInputError('"done" must be a boolean');
  return input.done === undefined ? {} : { done: input.done };
}

function replayState(input: Fields): ReplayJobState {
  const cursor = input.cursor;
  if (cursor !== undefined && !isObject(cursor)) throw new JobInputError('"cursor" must be a DynamoDB key');
  const counts = input.counts;
  if (counts !== undefined && !isObject(counts)) throw new JobInputError('"counts" must be an object');
  const wouldSend = input.wouldSend;
  if (wouldSend !== undefined && !(Array.isArray(wouldSend) && wouldSend.every((id) => typeof id === 'string')))
    throw new JobInputError('"wouldSend" must be a list of engagement ids');
  return {
    job: 'replay',
    department: text(input, 'department'),
    since: instant(input, 'since'),
    until: instant(input, 'until'),
    dryRun: flag(input, 'dryRun'),
    ...(cursor ? { cursor } : {}),
    ...(counts
      ? {
          counts: {
            matched: count(counts.matched, 'counts.matched'),
            sent: count(counts.sent, 'counts.sent'),
            skipped: count(counts.skipped, 'counts.skipped'),
            read: count(counts.read, 'counts.read'),
          },
        }
      : {}),
    ...(wouldSend ? { wouldSend: wouldSend as string[] } : {}),
    ...(typeof input.notice === 'string' ? { notice: input.notice } : {}),
    ...progressFields(input),
  };
}

function eraseCursor(value: unknown): EraseCursor | undefined {
  if (value === undefined) return undefined;
  if (isObject(value) && value.phase === 'find' && (value.next === undefined || isObject(value.next)))
    return value.next ? { phase: 'find', next: value.next } : { phase: 'find' };
  if (isObject(value) && value.phase === 'erase')
    return { phase: 'erase', erased: count(value.erased, 'cursor.erased') };
  throw new JobInputError('"cursor" must be { phase: "find", next? } or { phase: "erase", erased }');
}

function eraseState(input: Fields): EraseJobState {
  const author = text(input, 'author');
  if (!parseAuthor(author)) throw new JobInputError('"author" must be <platform>:<author id>');
  const found = input.found;
  if (found !== undefined && !(Array.isArray(found) && found.every((id) => typeof id === 'string')))
    throw new JobInputError('"found" must be a list of engagement ids');
  const cursor = eraseCursor(input.cursor);
  if (cursor?.phase === 'erase' && cursor.erased > (found?.length ?? 0))
    throw new JobInputError('"cursor.erased" is past the engagements found');
  return {
    job: 'erase',
    author,
    requestedBy: text(input, 'requestedBy'),
    at: instant(input, 'at'),
    dryRun: flag(input, 'dryRun'),
    ...(cursor ? { cursor } : {}),
    ...(found ? { found: found as string[] } : {}),
    ...progressFields(input),
  };
}

/**
 * The job's input, checked: `{ job: 'replay', department, since, until, dryRun, … }` or
 * `{ job: 'erase', author, requestedBy, at, dryRun, … }`, with what an earlier invocation
 * returned. Throws {@link JobInputError} naming what is wrong.
 */
export function parseJobState(input: unknown): JobState {
  if (!isObject(input)) throw new JobInputError('the job input must be a JSON object');
  if (input.job === 'replay') return replayState(input);
  if (input.job === 'erase') return eraseState(input);
  throw new JobInputError(`"job" must be "replay" or "erase", got ${JSON.stringify(input.job)}`);
}
