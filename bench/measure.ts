import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Limits of one time-boxed measurement: stop at whichever comes first. */
export interface Box {
  readonly maxMs: number;
  readonly maxEvents: number;
}

/** What one time-boxed measurement ran: events and events per second. */
export interface Rate {
  readonly events: number;
  readonly perSecond: number;
}

/** Runs `fn(i)` (i = 0, 1, ...) until the box is full; checks the clock every 32 calls. */
export function rateSync(box: Box, fn: (i: number) => unknown): Rate {
  const start = performance.now();
  let n = 0;
  let elapsed = 0;
  while (n < box.maxEvents && elapsed < box.maxMs) {
    for (const end = Math.min(n + 32, box.maxEvents); n < end; n++) fn(n);
    elapsed = performance.now() - start;
  }
  return { events: n, perSecond: (n / elapsed) * 1000 };
}

/** As {@link rateSync} for an async `fn`, awaited one event at a time. */
export async function rateAsync(box: Box, fn: (i: number) => Promise<unknown>): Promise<Rate> {
  const start = performance.now();
  let n = 0;
  let elapsed = 0;
  while (n < box.maxEvents && elapsed < box.maxMs) {
    await fn(n++);
    elapsed = performance.now() - start;
  }
  return { events: n, perSecond: (n / elapsed) * 1000 };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

// A full GC before reading the heap, so `heapUsed` counts what is live rather than garbage.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** `process.memoryUsage().heapUsed` after a full GC, in bytes. */
export function liveHeap(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

export const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
export const perSec = (rate: number) => Math.round(rate).toLocaleString('en-US');
export const ratio = (r: number) => `${r >= 100 ? Math.round(r).toLocaleString('en-US') : r.toFixed(2)}×`;
