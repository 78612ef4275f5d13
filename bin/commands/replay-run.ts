import type { OutboxEvent } from '../../lambdas/core/lifecycle/ports/lifecycle-store.js';
import type { Replayer, ReplayWindow } from '../../lambdas/core/lifecycle/replay.js';
import {
  type ReplayCounts,
  type ReplayProgress,
  type ReplaySource,
  replayPage,
  type ScanKey,
} from '../../lambdas/core/lifecycle/replay-run.js';

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
  progress?: (counts: ReplayProgress) => void;
  /** With `dryRun`: an engagement that would be sent. */
  wouldSend?: (event: OutboxEvent) => void;
  /** Something the user should know that is not an error (a resumed run, a cursor left aside). */
  notice?: (message: string) => void;
}

/**
 * The local replay: the window's pages one after another ({@link replayPage}), each match
 * delivered once. After each page the cursor records where the Scan is and the counts, so a run
 * that is interrupted (or fails) goes on from the last whole page next time; a page done twice
 * costs nothing but reads, since its events exist (its deliveries written before the
 * interruption then count as skipped rather than sent). A finished run removes the cursor. A
 * dry run reads and writes no cursor and no event.
 */
export async function runReplay(run: ReplayRun): Promise<ReplayCounts> {
  const { replayer, cursor } = run;
  let window = run.window;
  let progress: ReplayProgress = { matched: 0, sent: 0, skipped: 0, read: 0 };
  let start: ScanKey | undefined;
  if (!run.dryRun && !run.restart) {
    const saved = cursor.load();
    if (saved && resumes(saved, run)) {
      progress = { matched: saved.matched, sent: saved.sent, skipped: saved.skipped, read: saved.read };
      start = saved.next;
      window = { since: saved.since, until: saved.until };
      run.notice?.(
        `resuming the interrupted replay to ${replayer.department} of ${window.since} – ${window.until} after ${progress.read} engagement(s) (--restart starts over)`,
      );
    } else if (saved)
      run.notice?.(`an interrupted replay to ${replayer.department} of another window is left aside; starting over`);
  }
  do {
    const page = await replayPage({
      replayer,
      window,
      source: run.source,
      start,
      counts: progress,
      dryRun: run.dryRun,
      now: run.now,
      wouldSend: run.wouldSend,
    });
    ({ counts: progress, next: start } = page);
    if (!run.dryRun) {
      const { read, ...counts } = progress;
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
    run.progress?.(progress);
  } while (start);
  const { read: _read, ...counts } = progress;
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
