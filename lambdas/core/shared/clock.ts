/** Weekdays as business hours list them, in `Date.getUTCDay()` order. */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
/** One of {@link WEEKDAYS}. */
export type Weekday = (typeof WEEKDAYS)[number];

/** Whether `zone` is an IANA time zone this runtime knows (`Europe/Berlin`, `Asia/Kolkata`, `UTC`). */
export function isTimeZone(zone: string): boolean {
  // Intl also accepts offsets such as "+01:00", which know no daylight saving: not a zone.
  if (!/^[A-Za-z]/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Minutes since midnight of an HH:MM clock time. */
export function clockMinutes(text: string): number {
  const [h, m] = text.split(':').map(Number) as [number, number];
  return h * 60 + m;
}
