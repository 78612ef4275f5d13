import { responseBucket, responseFigures } from '#core/management/response-times.js';
import type { ResponseTimes } from '#core/management/rollup.js';
import { seededRandom } from '#core/shared/seeded-random.js';

/** Counts times the way the rollup writer does: one bucket per time, and how many met `deadline`. */
function sketchOf(seconds: readonly number[], deadline = Number.POSITIVE_INFINITY): ResponseTimes {
  const buckets: Record<string, number> = {};
  for (const s of seconds) {
    const key = String(responseBucket(s));
    buckets[key] = (buckets[key] ?? 0) + 1;
  }
  return { count: seconds.length, met: seconds.filter((s) => s <= deadline).length, buckets };
}

/** The exact lower quantile DDSketch approximates: the value at rank ⌊q·(n−1)⌋ of the sorted values. */
function exactQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

/** Within the sketch's 2% (a time on a bucket's edge comes back exactly 2% off, give or take rounding). */
const withinTwoPercent = (actual: number | null, expected: number) => {
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected) / expected).toBeLessThanOrEqual(0.02 + 1e-12);
};

describe('response-time buckets', () => {
  it('puts a time in a bucket whose figures read back within 2%', () => {
    // One bucket's figures read back through responseFigures: a single time is its own p50.
    for (const seconds of [0.002, 0.5, 1, 7, 59, 60, 61, 600, 3599, 3600, 86_400, 30 * 86_400]) {
      withinTwoPercent(responseFigures([sketchOf([seconds])]).p50, seconds);
    }
  });

  it('gives neighbouring times the same or the next bucket, and a longer time never a lower one', () => {
    const keys = [1, 1.01, 1.05, 2, 10, 100, 1000].map(responseBucket);
    expect(keys).toEqual([...keys].sort((a, b) => a - b));
    expect(responseBucket(1.01) - responseBucket(1)).toBeLessThanOrEqual(1);
  });

  it('counts zero, negative (clocks a little apart) and non-finite times as the shortest time', () => {
    const shortest = responseBucket(0.001);
    expect(Number.isInteger(shortest)).toBe(true);
    expect(responseBucket(0)).toBe(shortest);
    expect(responseBucket(-3)).toBe(shortest);
    expect(responseBucket(Number.NaN)).toBe(shortest);
    expect(responseFigures([sketchOf([0, 0, 0])]).p50).toBeLessThan(0.0011);
  });
});

describe('response figures', () => {
  it('reads the median and 90th percentile of known times within 2%', () => {
    const times = Array.from({ length: 100 }, (_, i) => i + 1); // 1 s … 100 s
    const figures = responseFigures([sketchOf(times, 60)]);
    expect(figures.count).toBe(100);
    expect(figures.met).toBe(60);
    expect(figures.compliance).toBeCloseTo(0.6, 10);
    withinTwoPercent(figures.p50, 50);
    withinTwoPercent(figures.p90, 90);
  });

  it('merges the hours of a day as if every time had been in one sketch', () => {
    const random = seededRandom(42);
    // Response times over four orders of magnitude (a few seconds to a day), log-uniform.
    const times = Array.from({ length: 2000 }, () => 10 ** (0.5 + random() * 4.4));
    const hours = Array.from({ length: 24 }, (_, h) =>
      sketchOf(
        times.filter((_, i) => i % 24 === h),
        3600,
      ),
    );
    const merged = responseFigures(hours);
    const whole = responseFigures([sketchOf(times, 3600)]);
    expect(merged).toEqual(whole);
    expect(merged.count).toBe(2000);
    expect(merged.met).toBe(times.filter((t) => t <= 3600).length);
    withinTwoPercent(merged.p50, exactQuantile(times, 0.5));
    withinTwoPercent(merged.p90, exactQuantile(times, 0.9));
  });

  it('merges departments and hours with a few responses each', () => {
    const a = [30, 45, 120];
    const b = [600, 900];
    const c = [7200];
    const figures = responseFigures([sketchOf(a, 300), undefined, sketchOf(b, 300), sketchOf(c, 300)]);
    expect(figures).toMatchObject({ count: 6, met: 3, compliance: 0.5 });
    const all = [...a, ...b, ...c];
    withinTwoPercent(figures.p50, exactQuantile(all, 0.5)); // 120 s
    withinTwoPercent(figures.p90, exactQuantile(all, 0.9)); // 900 s
  });

  it('has no compliance and no quantiles without responses', () => {
    expect(responseFigures([])).toEqual({ count: 0, met: 0, compliance: null, p50: null, p90: null });
    expect(responseFigures([undefined, { count: 0, met: 0, buckets: {} }])).toEqual({
      count: 0,
      met: 0,
      compliance: null,
      p50: null,
      p90: null,
    });
  });

  it('skips bucket keys it did not write rather than losing the figures', () => {
    const good = sketchOf([100, 100, 100]);
    const figures = responseFigures([{ ...good, buckets: { ...good.buckets, 'not-a-key': 5, '1.5': 2 } }]);
    expect(figures.count).toBe(3);
    withinTwoPercent(figures.p50, 100);
  });
});
