import { invalid } from './errors.js';

/** When a schedule fires: once at an instant (`at()`), or every period (`rate()`). */
export type Timing = { kind: 'at'; at: number } | { kind: 'rate'; periodMs: number };

const AT_PATTERN = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;
const RATE_PATTERN = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Parses a schedule expression, throwing the ValidationException AWS answers for a bad one. */
export function timingOf(expression: string, timeZone: string): Timing {
  if (!isKnownTimeZone(timeZone)) throw invalid(`Invalid ScheduleExpressionTimezone ${timeZone}.`);
  const at = AT_PATTERN.exec(expression);
  if (at) return { kind: 'at', at: zonedToUtc(wallClockOf(at, expression), timeZone) };
  const rate = RATE_PATTERN.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    if (!Number.isSafeInteger(value) || value < 1) throw invalid(`Invalid Schedule Expression ${expression}.`);
    const unit = (rate[2] as string).replace(/s$/, '');
    return { kind: 'rate', periodMs: value * (UNIT_MS[unit] as number) };
  }
  if (/^cron\(.*\)$/.test(expression)) {
    throw invalid(
      `cron() schedule expressions are not supported by the local twin (${expression}); use at() or rate() locally.`,
    );
  }
  throw invalid(`Invalid Schedule Expression ${expression}.`);
}

/**
 * A schedule's first invocation: an `at()` at its instant, a `rate()` at once (AWS starts a rate
 * schedule without StartDate immediately).
 */
export function firstFireAt(timing: Timing, now: () => number): number {
  return timing.kind === 'at' ? timing.at : now();
}

/**
 * The rate invocation after the one due at `previous` (now when unknown). Missed periods (a twin
 * that was down) fire once, as a late invocation, not once each.
 */
export function nextRateFireAt(previous: number | undefined, periodMs: number, now: () => number): number {
  let next = (previous ?? now()) + periodMs;
  while (next <= now()) next += periodMs;
  return next;
}

/** The wall-clock time of an `at()` match, as if UTC; a date that does not exist is refused. */
function wallClockOf(match: RegExpExecArray, expression: string): number {
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(wall);
  // Date.UTC rolls 2026-02-30 over to March; AWS refuses it.
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    throw invalid(`Invalid Schedule Expression ${expression}.`);
  }
  return wall;
}

const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = zoneFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    zoneFormatters.set(timeZone, formatter);
  }
  return formatter;
}

function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC (ms) at an instant. */
function offsetAt(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant a wall-clock time (given as if UTC) names in a zone. Two passes settle the offset
 * next to a DST change: an ambiguous fall-back time is its first occurrence, and a time inside a
 * spring-forward gap moves forward by the gap (02:30 becomes 03:30 daylight time).
 */
function zonedToUtc(wall: number, timeZone: string): number {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return wall;
  const first = wall - offsetAt(wall, timeZone);
  const second = wall - offsetAt(first, timeZone);
  return second === first ? first : Math.max(first, second);
}
