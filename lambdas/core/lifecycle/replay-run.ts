import pLimit from 'p-limit';
import type { Engagement } from '../engagement/engagement.schema.js';
import type { OutboxEvent } from './ports/lifecycle-store.js';
import { inWindow, type Replayer, type ReplayWindow } from './replay.js';

/**
 * One page of a replay (`switchboard replay`, locally or as the job on AWS): the page's
 * engagements run through the department's rules and each match's delivery written once. The
 * callers keep where the Scan is between pages: the CLI in a cursor file, the job in its Step
 * Functions state.
 */

/** Where a Scan goes on from: DynamoDB's `LastEvaluatedKey`, as the document client gives it. */
export type ScanKey = Record<string, unknown>;

/** What `replay` prints: engagements that matched, deliveries written now, and ones written before. */
export interface ReplayCounts {
  matched: number;
  sent: number;
  /** Matched, but replayed to the department before (its outbox event exists). */
  skipped: number;
}

/** {@link ReplayCounts} and the engagements of the window read so far. */
export interface ReplayProgress extends ReplayCounts {
  read: number;
}

/** Reading the engagements and writing their outbox events (the table, or a fake in tests). */
export interface ReplaySource {
  /** One page of the stored, not deleted, engagements received in the window, from `start`; no `next` on the last. */
  page(window: ReplayWindow, start: ScanKey | undefined): Promise<{ engagements: Engagement[]; next?: ScanKey }>;
  /** Writes the event unless it exists: true when written now, false when it was there already. */
  put(event: OutboxEvent): Promise<boolean>;
  /** The engagement ids of those events that exist (for a dry run, which writes nothing). */
  existing(events: OutboxEvent[]): Promise<Set<string>>;
}

/** One page's work: what to read, from where, and the counts so far. */
export interface ReplayPageRun {
  replayer: Replayer;
  window: ReplayWindow;
  source: ReplaySource;
  /** Where the page starts; undefined for the first. */
  start: ScanKey | undefined;
  /** The counts before this page (not changed: the page returns new ones). */
  counts: ReplayProgress;
  dryRun: boolean;
  now: () => Date;
  /** With `dryRun`: an engagement that would be sent. */
  wouldSend?: (event: OutboxEvent) => void;
}

/** Outbox writes in flight at once: enough to hide the round trips, few enough not to throttle a table. */
const WRITES_IN_FLIGHT = 8;

/**
 * Replays one page: each engagement of the window a department rule matches gets its outbox
 * event, written once (a second write finds it and counts as skipped); a dry run writes nothing
 * and counts what exists as skipped. Resolves the counts with the page's added, and where the
 * next page starts (none after the last). A page done twice costs nothing but reads: its events
 * exist, so its deliveries count as skipped the second time.
 */
export async function replayPage(run: ReplayPageRun): Promise<{ counts: ReplayProgress; next?: ScanKey }> {
  const { replayer, source, window } = run;
  const counts = { ...run.counts };
  const page = await source.page(window, run.start);
  const at = run.now().toISOString();
  const inside = page.engagements.filter((e) => inWindow(e.receivedAt, window));
  counts.read += inside.length;
  const events = inside.flatMap((e) => replayer.replay(e, at) ?? []);
  counts.matched += events.length;
  if (run.dryRun) {
    const existing = await source.existing(events);
    for (const e of events) {
      if (existing.has(e.engagementId)) counts.skipped++;
      else run.wouldSend?.(e);
    }
  } else {
    const limit = pLimit(WRITES_IN_FLIGHT);
    const written = await Promise.all(events.map((e) => limit(() => source.put(e))));
    for (const w of written) w ? counts.sent++ : counts.skipped++;
  }
  return { counts, ...(page.next ? { next: page.next } : {}) };
}
