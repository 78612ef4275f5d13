import { validationError } from './errors.js';
import type { PutEventsEntry } from './types.js';

/** PutEvents payload limit since 29 Jan 2026 (it was 256 KB before). */
export const DEFAULT_MAX_PUT_EVENTS_BYTES = 1_048_576;

const MAX_ENTRIES = 10;

/**
 * Size of one entry as EventBridge counts it toward the request limit: UTF-8 bytes of Source,
 * DetailType, Detail and each Resource, plus 14 when Time is given. EventBusName and TraceHeader
 * do not count.
 */
export function entrySize(entry: PutEventsEntry): number {
  let size = utf8(entry.Source) + utf8(entry.DetailType) + utf8(entry.Detail);
  for (const resource of entry.Resources ?? []) size += utf8(resource);
  if (entry.Time !== undefined && entry.Time !== null) size += 14;
  return size;
}

const utf8 = (text: unknown) => (typeof text === 'string' ? Buffer.byteLength(text, 'utf8') : 0);

/**
 * Whole-request checks that fail PutEvents with a ValidationException (HTTP 400): entry count
 * outside 1..10 and total size over `maxBytes`.
 */
export function assertValidPutEventsRequest(
  entries: readonly PutEventsEntry[],
  maxBytes = DEFAULT_MAX_PUT_EVENTS_BYTES,
): void {
  if (entries.length === 0 || entries.length > MAX_ENTRIES) {
    const constraint = entries.length === 0 ? 'greater than or equal to 1' : `less than or equal to ${MAX_ENTRIES}`;
    throw validationError(
      `1 validation error detected: Value '[${entries.map(describeEntry).join(', ')}]' at 'entries' failed to satisfy constraint: Member must have length ${constraint}`,
    );
  }
  const total = entries.reduce((sum, entry) => sum + entrySize(entry), 0);
  if (total > maxBytes) throw validationError('Total size of the entries in the request is over the limit.');
}

// AWS echoes the rejected list in its Java toString form; mirrored so the message reads the same.
function describeEntry(entry: PutEventsEntry): string {
  const show = (value: unknown) => (value === undefined || value === null ? 'null' : String(value));
  const resources = entry.Resources === undefined ? 'null' : `[${entry.Resources.join(', ')}]`;
  return (
    `PutEventsRequestEntry(time=${show(entry.Time)}, source=${show(entry.Source)}, resources=${resources}, ` +
    `detailType=${show(entry.DetailType)}, detail=${show(entry.Detail)}, eventBusName=${show(entry.EventBusName)}, ` +
    `traceHeader=${show(entry.TraceHeader)}, kmsKeyIdentifier=null, internalMetadata=null)`
  );
}

export type EntryCheck =
  | { ok: true; detail: Record<string, unknown> }
  | { ok: false; ErrorCode: string; ErrorMessage: string };

/**
 * Per-entry checks. A failing entry is reported in the response (HTTP 200, counted in
 * FailedEntryCount) while the other entries go ahead. Order and texts are AWS's.
 */
export function checkEntry(entry: PutEventsEntry): EntryCheck {
  if (!isPresent(entry.Source)) return invalidArgument('Source');
  if (!isPresent(entry.DetailType)) return invalidArgument('DetailType');
  if (!isPresent(entry.Detail)) return invalidArgument('Detail');
  const detail = parseDetail(entry.Detail);
  if (detail === undefined) return { ok: false, ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  return { ok: true, detail };
}

const isPresent = (value: unknown): value is string => typeof value === 'string' && value !== '';

const invalidArgument = (name: string): EntryCheck => ({
  ok: false,
  ErrorCode: 'InvalidArgument',
  ErrorMessage: `Parameter ${name} is not valid. Reason: ${name} is a required argument.`,
});

/** Detail must be a JSON object: plain text, arrays, strings, numbers and broken JSON are malformed. */
function parseDetail(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
