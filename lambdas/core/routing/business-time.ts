import type { BusinessHours } from '../config/business-hours.js';
import { clockMinutes, WEEKDAYS } from '../shared/clock.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock time in `timeZone` at `instant`, as if it were UTC (ms, whole seconds). */
function wallClock(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instant)))
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
}

/** Offset of `timeZone` from UTC at `instant`, in ms (Berlin in summer: +2 h). */
function offsetAt(instant: number, timeZone: string): number {
  const second = Math.floor(instant / 1000) * 1000;
  return wallClock(second, timeZone) - second;
}

/**
 * The instant a wall-clock time (given as if UTC) happens in `timeZone`. A time skipped by a
 * daylight-saving jump is read with the offset before the jump (so it lands after it, as a
 * clock set forward would); a repeated time gives its first occurrence.
 */
function instantOf(wall: number, timeZone: string): number {
  const before = offsetAt(wall - DAY, timeZone);
  const after = offsetAt(wall + DAY, timeZone);
  const first = wall - before;
  if (before === after || offsetAt(first, timeZone) === before) return first;
  const second = wall - after;
  return offsetAt(second, timeZone) === after ? second : first;
}

/**
 * Adds `durationMs` of business time to `start`: time only runs on the business days between
 * the opening and closing times, read in the business hours' time zone. Something received
 * outside business hours starts counting at the next opening. Daylight saving is followed: a
 * day's window is 09:00–17:00 local whatever the offset that day.
 */
export function addBusinessTime(start: number, durationMs: number, hours: BusinessHours): number {
  const days = new Set(hours.days.map((d) => WEEKDAYS.indexOf(d)));
  const open = clockMinutes(hours.start) * MINUTE;
  const close = clockMinutes(hours.end) * MINUTE;
  let remaining = durationMs;
  let cursor = start;
  const local = wallClock(start, hours.timeZone);
  // Midnight of the local date `start` falls on, as a wall-clock value.
  let date = local - (((local % DAY) + DAY) % DAY);
  // Each business day takes at least a minute off; a bound keeps a broken input from spinning.
  for (let guard = 0; guard < 366 * 20; guard++, date += DAY) {
    if (!days.has(new Date(date).getUTCDay())) continue;
    const opensAt = instantOf(date + open, hours.timeZone);
    const closesAt = instantOf(date + close, hours.timeZone);
    if (cursor >= closesAt) continue;
    if (cursor < opensAt) cursor = opensAt;
    const available = closesAt - cursor;
    if (remaining <= available) return cursor + remaining;
    remaining -= available;
    cursor = closesAt;
  }
  throw new Error(
    `business time of ${durationMs} ms from ${new Date(start).toISOString()} does not end within 20 years`,
  );
}
