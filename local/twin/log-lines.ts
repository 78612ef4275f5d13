/**
 * One function or emulator log line as a person reads it: `HH:MM:SS name LEVEL message`, with
 * the structured fields Powertools adds (service, cold start, sampling, X-Ray) left out. Lines
 * that are not JSON objects are printed as they are, after the name.
 */
export function formatLogLine(name: string, line: string): string {
  let record: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) record = parsed as Record<string, unknown>;
  } catch {
    // not JSON: printed as it is
  }
  if (!record) return `  ${name} ${line}`;
  const time = typeof record.timestamp === 'string' ? record.timestamp.slice(11, 19) : '';
  const level = typeof record.level === 'string' ? record.level : '';
  const message = typeof record.message === 'string' ? record.message : '';
  const rest = Object.entries(record).filter(([key]) => !HIDDEN.has(key));
  const extra = rest.length ? ` ${JSON.stringify(Object.fromEntries(rest))}` : '';
  return `  ${[time, name, level].filter(Boolean).join(' ')} ${message}${extra}`.trimEnd();
}

const HIDDEN = new Set([
  'timestamp',
  'level',
  'message',
  'service',
  'cold_start',
  'sampling_rate',
  'xray_trace_id',
  'function_arn',
  'function_memory_size',
  'function_name',
  'function_request_id',
]);
