/**
 * The spike score (docs/management.md, "Spikes"): how far a window's count is above what its
 * baseline expects, on counts made comparable by the Anscombe transform.
 *
 * Counts of engagements in a window are close to Poisson: their spread grows with their mean,
 * so "20 against 2" and "2,000 against 1,800" cannot be compared by differences or ratios. The
 * Anscombe transform `2·√(x + 3/8)` turns a Poisson count into one whose spread is about 1
 * whatever its mean, even for small counts (where a plain z-score divides by a spread near 0 and
 * a ratio is infinite). The score is the difference of the transformed observed and expected
 * counts, read like a z-score: 3 is about one window in 750 by chance.
 */
export function spikeScore(observed: number, expected: number): number {
  const score = 2 * (Math.sqrt(observed + 3 / 8) - Math.sqrt(Math.max(0, expected) + 3 / 8));
  return Math.round(score * 100) / 100;
}

/** Counts of one window: engagements of the key (`n`) and, for `negativeShare`, the negative ones. */
export interface WindowCounts {
  n: number;
  negative: number;
}

/** What a window is compared with: its observed count and the expected one. */
export interface SpikeMeasure {
  observed: number;
  expected: number;
  /** How many earlier windows the expectation came from, and of which kind. */
  baseline: { windows: number; kind: 'same-time-previous-days' | 'preceding-windows' | 'none' };
}

/**
 * Observed and expected counts of a window, from its baseline windows. For a count key the
 * expectation is the mean of the baseline windows. For `negativeShare` the observed count is the
 * window's negative engagements and the expectation is the window's total times the baseline's
 * negative share, smoothed (`(neg + 1) / (n + 2)`) so a baseline of a handful of engagements
 * cannot claim a share of 0 or 1.
 */
export function measureWindow(
  current: WindowCounts,
  baseline: WindowCounts[],
  kind: SpikeMeasure['baseline']['kind'],
  negativeShare: boolean,
): SpikeMeasure {
  const windows = baseline.length;
  const base = { windows, kind: windows ? kind : 'none' } as const;
  if (negativeShare) {
    const n = baseline.reduce((a, w) => a + w.n, 0);
    const negative = baseline.reduce((a, w) => a + w.negative, 0);
    const share = (negative + 1) / (n + 2);
    return { observed: current.negative, expected: round(current.n * share), baseline: base };
  }
  const expected = windows ? baseline.reduce((a, w) => a + w.n, 0) / windows : 0;
  return { observed: current.n, expected: round(expected), baseline: base };
}

const round = (v: number) => Math.round(v * 100) / 100;
