/** Compares decimal id strings by value without turning them into numbers (ids beyond 2^53: X, Mastodon). */
export function compareDecimalIds(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The largest of decimal id strings; undefined for none. */
export const newestDecimalId = (ids: readonly string[]): string | undefined =>
  ids.reduce<string | undefined>(
    (max, id) => (max === undefined || compareDecimalIds(id, max) > 0 ? id : max),
    undefined,
  );
