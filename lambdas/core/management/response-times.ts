import { DDSketch } from '@datadog/sketches-js';
// The package has no "exports" map, so its files resolve by path (NodeNext, Node and Jest alike);
// the root re-exports only the sketches, not the mapping the counters key buckets by.
import { LogarithmicMapping } from '@datadog/sketches-js/dist/ddsketch/mapping/index.js';
import type { ResponseFigures } from './console-api-types.js';
import { RESPONSE_TIME_ACCURACY, type ResponseTimes } from './rollup.js';

/**
 * Response times: the rollups keep each department's response times per hour as the bucket
 * counts of a DDSketch (docs/management.md), so hours add up by adding counts and a quantile read
 * back from any sum of hours stays within {@link RESPONSE_TIME_ACCURACY} of the true one.
 */

/** One mapping for writers and readers: a bucket key means the same range of seconds to both. */
const mapping = new LogarithmicMapping(RESPONSE_TIME_ACCURACY);

/**
 * The smallest time told apart from zero. Timestamps are whole milliseconds, so nothing shorter is
 * real; and a logarithmic key for 0 is -Infinity, while one near the mapping's own floor (1e-308)
 * would make the dense store that reads it back span some 18,000 empty buckets.
 */
const SMALLEST_SECONDS = 0.001;

/**
 * The bucket key a response time is counted under (`firstResponse(department, key)` in the
 * rollup's counters). Times under a millisecond, zero and negative ones (clocks a little apart)
 * count as a millisecond.
 *
 * @param seconds The time from routing to the response, in seconds.
 */
export function responseBucket(seconds: number): number {
  return mapping.key(Number.isFinite(seconds) ? Math.max(seconds, SMALLEST_SECONDS) : SMALLEST_SECONDS);
}

/**
 * Merges the sketches of several hours (or departments) into one department's figures: how many
 * responses, how many met the SLA, the share that did (null with none), and the median and 90th
 * percentile in seconds (null with no bucket counted). Quantiles are within 2% of the true ones
 * (the lower quantile: the value at rank ⌊q·(n−1)⌋ of the sorted times).
 *
 * @param times Sketches to merge; `undefined` entries (an hour without responses) are skipped.
 */
export function responseFigures(times: readonly (ResponseTimes | undefined)[]): ResponseFigures {
  let count = 0;
  let met = 0;
  const buckets = new Map<number, number>();
  for (const t of times) {
    if (!t) continue;
    count += t.count;
    met += t.met;
    for (const [key, n] of Object.entries(t.buckets)) {
      const k = Number(key);
      // A key that is not an integer was not written by responseBucket; skip it rather than let
      // one bad counter throw away the whole department's figures.
      if (Number.isInteger(k) && n > 0) buckets.set(k, (buckets.get(k) ?? 0) + n);
    }
  }
  const sketch = sketchOf(buckets);
  return {
    count,
    met,
    compliance: count > 0 ? met / count : null,
    p50: sketch ? sketch.getValueAtQuantile(0.5) : null,
    p90: sketch ? sketch.getValueAtQuantile(0.9) : null,
  };
}

/**
 * Rebuilds a sketch from bucket counts: each bucket's representative value, weighted by its
 * count, lands back in the same bucket, so the sketch answers as the one the counts came from.
 */
function sketchOf(buckets: ReadonlyMap<number, number>): DDSketch | undefined {
  if (buckets.size === 0) return undefined;
  const sketch = new DDSketch({ relativeAccuracy: RESPONSE_TIME_ACCURACY });
  for (const [key, n] of buckets) sketch.accept(mapping.value(key), n);
  return sketch;
}
