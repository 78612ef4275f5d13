// Apart from the schema (retention.ts), so functions that only count days do not bundle zod.
const RETENTION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$/;

/**
 * Days in a retention period written as an ISO 8601 duration of whole years, months, weeks and
 * days (`P30D`, `P400D`, `P7Y`). A retention is a calendar matter, so years and months are
 * allowed here (counted as 365 and 30 days: storage lifecycles count whole days, and rounding a
 * retention up by a day or two keeps data at least as long as required). Undefined otherwise.
 */
export function retentionDays(text: string): number | undefined {
  const m = RETENTION.exec(text);
  if (!m || text === 'P') return undefined;
  const [y, mo, w, d] = m.slice(1).map((v) => (v === undefined ? 0 : Number(v))) as [number, number, number, number];
  const days = y * 365 + mo * 30 + w * 7 + d;
  return days > 0 ? days : undefined;
}
