import fc from 'fast-check';
import { measureWindow, spikeScore } from '#core/management/spike-score.js';

const count = fc.integer({ min: 0, max: 1_000_000 });
const expectation = fc.double({ min: 0, max: 1_000_000, noNaN: true });

describe('the spike score', () => {
  it('is 0 when the window holds what its baseline expects', () => {
    expect(spikeScore(0, 0)).toBe(0);
    expect(spikeScore(15, 15)).toBe(0);
    fc.assert(fc.property(count, (n) => spikeScore(n, n) === 0));
  });

  it('grows with the observed count: for e ≥ 0, a ≤ b ⇒ score(a, e) ≤ score(b, e)', () => {
    fc.assert(
      fc.property(count, count, expectation, (x, y, e) => {
        const [a, b] = x <= y ? [x, y] : [y, x];
        return spikeScore(a, e) <= spikeScore(b, e);
      }),
    );
  });

  it('falls as the expectation grows, and is negative below it', () => {
    fc.assert(
      fc.property(count, expectation, expectation, (o, x, y) => {
        const [a, b] = x <= y ? [x, y] : [y, x];
        return spikeScore(o, a) >= spikeScore(o, b);
      }),
    );
    expect(spikeScore(2, 20)).toBeLessThan(0);
  });

  it('gives small counts a finite score where a ratio or a plain z-score would not', () => {
    // 2·(√20.375 − √0.375) ≈ 7.80
    expect(spikeScore(20, 0)).toBeCloseTo(7.8, 1);
    expect(Number.isFinite(spikeScore(1, 0))).toBe(true);
    expect(spikeScore(1, 0)).toBeGreaterThan(0);
  });

  it('reads like a z-score at any size: 20 against 2 and 2,000 against 1,800 both stand out', () => {
    expect(spikeScore(20, 2)).toBeGreaterThan(4);
    expect(spikeScore(2_000, 1_800)).toBeGreaterThan(4);
    // A Poisson count one spread above its mean scores about 1 at any size.
    for (const mean of [100, 400, 10_000]) expect(spikeScore(mean + Math.sqrt(mean), mean)).toBeCloseTo(1, 1);
  });

  it('takes a negative expectation as none', () => {
    expect(spikeScore(5, -3)).toBe(spikeScore(5, 0));
  });
});

describe('measuring a window against its baseline', () => {
  const w = (n: number, negative = 0) => ({ n, negative });

  it('expects the mean of the baseline windows for a count key', () => {
    expect(measureWindow(w(40), [w(10), w(20), w(15)], 'same-time-previous-days', false)).toEqual({
      observed: 40,
      expected: 15,
      baseline: { windows: 3, kind: 'same-time-previous-days' },
    });
    expect(measureWindow(w(9), [w(1), w(2), w(2)], 'preceding-windows', false)).toEqual({
      observed: 9,
      expected: 1.67,
      baseline: { windows: 3, kind: 'preceding-windows' },
    });
  });

  it('expects nothing, and says so, without baseline windows', () => {
    expect(measureWindow(w(12), [], 'preceding-windows', false)).toEqual({
      observed: 12,
      expected: 0,
      baseline: { windows: 0, kind: 'none' },
    });
  });

  it("expects, for negativeShare, the window's total times the baseline's smoothed negative share", () => {
    // baseline: 10 negative of 98 → (10 + 1) / (98 + 2) = 0.11; the window: 50 engagements, 30 negative
    expect(measureWindow(w(50, 30), [w(48, 4), w(50, 6)], 'same-time-previous-days', true)).toEqual({
      observed: 30,
      expected: 5.5,
      baseline: { windows: 2, kind: 'same-time-previous-days' },
    });
  });

  it('keeps a tiny baseline from claiming a share of 0 or 1', () => {
    // Two engagements, neither negative: share (0 + 1) / (2 + 2) = 1/4, not 0.
    expect(measureWindow(w(20, 20), [w(2, 0)], 'preceding-windows', true).expected).toBe(5);
    // Two engagements, both negative: share 3/4, not 1.
    expect(measureWindow(w(20, 20), [w(2, 2)], 'preceding-windows', true).expected).toBe(15);
    // No baseline: an even share.
    expect(measureWindow(w(20, 20), [], 'preceding-windows', true)).toEqual({
      observed: 20,
      expected: 10,
      baseline: { windows: 0, kind: 'none' },
    });
  });
});
