import pLimit from 'p-limit';
import type { Engagement } from '../../lambdas/core/engagement/engagement.schema.js';
import type { OutboxEvent } from '../../lambdas/core/lifecycle/ports/lifecycle-store.js';
import { inWindow, type Replayer, type ReplayWindow } from '../../lambdas/core/lifecycle/replay.js';

/** Where a Scan goes on from: DynamoDB's `LastEvaluatedKey`, as the document client gives it. */
export type ScanKey = Record<string, unknown>;

/** What `replay` prints: engagements that matched, deliveries written now, and ones written before. */
export interface ReplayCounts {
  matched: number;
  sent: number;
  /** Matched, but replayed to the department before (its outbox event exists). */
  skipped: number;
}

/** Reading the engagements and writing their outbox events (the twin's table, or a fake in tests). */
export interface ReplaySource {
  /** One page of the stored, not deleted, engagements received in the window, from `start`; no `next` on the last. */
  page(window: ReplayWindow, start: ScanKey | undefined): Promise<{ engagements: Engagement[]; next?: ScanKey }>;
  /** Writes the event unless it exists: true when written now, false when it was there already. */
  put(event: OutboxEvent): Promise<boolean>;
  /** The engagement ids of those events that exist (for a dry run, which writes nothing). */
  existing(events: OutboxEvent[]): Promise<Set<string>>;
}

/** The file that lets an interrupted replay go on: where the Scan was, and the counts so far. */
export interface ReplayCursor extends ReplayCounts {
  version: 1;
  tableName: string;
  department: string;
  since: string;
  /** The end of the window; without `--until` the time the first run started, so a resumed run keeps it. */
  until: string;
  untilGiven: boolean;
  /** Engagements of the window read so far. */
  read: number;
  next: ScanKey;
}

/** Keeps the {@link ReplayCursor} of one department (a file under the state folder). */
export interface CursorStore {
  load(): ReplayCursor | undefined;
  save(cursor: ReplayCursor): void;
  clear(): void;
}

/** How {@link runReplay} runs. */
export interface ReplayRun {
  replayer: Replayer;
  window: ReplayWindow;
  /** Whether `--until` was given (else the window ends now, and a resumed run keeps the first run's now). */
  untilGiven: boolean;
  tableName: string;
  source: ReplaySource;
  cursor: CursorStore;
  dryRun: boolean;
  /** Start from the beginning even if an interrupted run left a cursor. */
  restart: boolean;
  now: () => Date;
  /** After each page: the counts so far. */
  progress?: (counts: ReplayCounts & { read: number }) => void;
  /** With `dryRun`: an engagement that would be sent. */
  wouldSend?: (event: OutboxEvent) => void;
  /** Something the user should know that is not an error (a resumed run, a cursor left aside). */
  notice?: (message: string) => void;
}

/** Outbox writes in flight at once: enough to hide the round trips, few enough not to throttle a table. */
const WRITES_IN_FLIGHT = 8;

/**
 * Replays the window's engagements to the department: each one a department rule matches gets
 * its outbox event, written once (a second write finds it and counts as skipped). After each
 * page the cursor records where the Scan is and the counts, so a run that is interrupted (or
 * fails) goes on from the last whole page next time; a page done twice costs nothing but
 * reads, since its events exist (its deliveries written before the interruption then count as
 * skipped rather than sent). A finished run removes the cursor. A dry run reads and writes no
 * cursor and no event.
 */
export async function runReplay(run: ReplayRun): Promise<ReplayCounts> {
  const { replayer, source, cursor } = run;
  let window = run.window;
  const counts: ReplayCounts = { matched: 0, sent: 0, skipped: 0 };
  let read = 0;
  let start: ScanKey | undefined;
  if (!run.dryRun && !run.restart) {
    const saved = cursor.load();
    if (saved && resumes(saved, run)) {
      ({ matched: counts.matched, sent: counts.sent, skipped: counts.skipped, read } = saved);
      start = saved.next;
      window = { since: saved.since, until: saved.until };
      run.notice?.(
        `resuming the interrupted replay to ${replayer.department} of ${window.since} – ${window.until} after ${read} engagement(s) (--restart starts over)`,
      );
    } else if (saved)
      run.notice?.(`an interrupted replay to ${replayer.department} of another window is left aside; starting over`);
  }
  const limit = pLimit(WRITES_IN_FLIGHT);
  do {
    const page = await source.page(window, start);
    const at = run.now().toISOString();
    const inside = page.engagements.filter((e) => inWindow(e.receivedAt, window));
    read += inside.length;
    const events = inside.flatMap((e) => replayer.replay(e, at) ?? []);
    counts.matched += events.length;
    if (run.dryRun) {
      const existing = await source.existing(events);
      for (const e of events) {
        if (existing.has(e.engagementId)) counts.skipped++;
        else run.wouldSend?.(e);
      }
    } else {
      const written = await Promise.all(events.map((e) => limit(() => source.put(e))));
      for (const w of written) w ? counts.sent++ : counts.skipped++;
    }
    start = page.next;
    if (!run.dryRun) {
      if (start)
        cursor.save({
          version: 1,
          tableName: run.tableName,
          department: replayer.department,
          since: window.since,
          until: window.until,
          untilGiven: run.untilGiven,
          read,
          ...counts,
          next: start,
        });
      else cursor.clear();
    }
    run.progress?.({ ...counts, read });
  } while (start);
  return counts;
}

/** Whether a saved cursor is this run's: same table, department and window (or both open-ended). */
function resumes(saved: ReplayCursor, run: ReplayRun): boolean {
  return (
    saved.version === 1 &&
    saved.tableName === run.tableName &&
    saved.department === run.replayer.department &&
    saved.since === run.window.since &&
    saved.untilGiven === run.untilGiven &&
    (!run.untilGiven || saved.until === run.window.until)
  );
}
