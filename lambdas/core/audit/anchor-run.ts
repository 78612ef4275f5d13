import { type AuditAnchor, buildAnchor, checkAnchor } from './anchor.js';
import type { ChainProblem } from './chain.js';
import type { VerifiedExport } from './export-reader.js';

/**
 * The daily anchor run on AWS (docs/auditing.md, "Tamper evidence"): after the nightly export,
 * every finished export that has no anchor yet is read back, its chains verified and checked
 * against the anchor before it, and its anchor written where Object Lock keeps it. The same run
 * watches the exports themselves: one begun and never finished, or none finished for more than
 * a day, is what an export that "starts and then fails" looks like from the bucket, and it is
 * reported so an alarm can say so.
 */

/** An export folder in the bucket: its id, and whether DynamoDB began and finished it. */
export interface ExportFolder {
  exportId: string;
  started: boolean;
  finished: boolean;
}

/** Where the run finds exports and keeps anchors (the audit bucket on AWS, a fake in tests). */
export interface AnchorRunPorts {
  exportFolders(): Promise<ExportFolder[]>;
  /** The ids of the exports anchored so far. */
  anchoredIds(): Promise<string[]>;
  readAnchor(exportId: string): Promise<AuditAnchor>;
  /** The export's items as plain objects, verified against its manifests; `onVerified` before the first. */
  readExport(exportId: string, onVerified: (verified: VerifiedExport) => void): AsyncIterable<Record<string, unknown>>;
  /** Writes the anchor once (a second write of the same export's anchor fails). */
  writeAnchor(anchor: AuditAnchor): Promise<void>;
  /** Makes the auditors' tables read this export (the newest anchored); true when that changed anything. */
  showExport?(exportId: string): Promise<boolean>;
}

/** How the run judges the exports. */
export interface AnchorRunOptions {
  now: Date;
  /** Days audit records are kept (retention.audit): older chains may be gone from a later export. */
  auditDays: number;
  /** An export begun this long ago and not finished counts as failed. @default 12 hours */
  unfinishedAfterMs?: number;
  /** No finished export for this long is overdue. @default 26 hours (a daily export, with slack) */
  overdueAfterMs?: number;
}

/** What one run did and found. */
export interface AnchorRunResult {
  anchored: { exportId: string; root: string; chains: number; records: number; problems: ChainProblem[] }[];
  /** Exports begun more than `unfinishedAfterMs` ago that never finished. */
  unfinished: string[];
  /** No export finished within `overdueAfterMs`. */
  overdue: boolean;
  /** The export the auditors' tables read after the run (the newest anchored), if any. */
  shown?: string;
}

/** When an export began: its id starts with the time in milliseconds. */
export const exportStartMs = (exportId: string): number => Number(exportId.split('-')[0]);

/** Runs once: anchors every finished, unanchored export in order, and reports unfinished or overdue exports. */
export async function runAnchors(ports: AnchorRunPorts, options: AnchorRunOptions): Promise<AnchorRunResult> {
  const now = options.now.getTime();
  const folders = (await ports.exportFolders()).sort((a, b) => (a.exportId < b.exportId ? -1 : 1));
  const anchored = new Set(await ports.anchoredIds());
  const result: AnchorRunResult = { anchored: [], unfinished: [], overdue: false };
  const unfinishedAfter = options.unfinishedAfterMs ?? 12 * 3_600_000;
  for (const f of folders)
    if (!f.finished && now - exportStartMs(f.exportId) > unfinishedAfter) result.unfinished.push(f.exportId);
  const finished = folders.filter((f) => f.finished);
  const newest = finished.at(-1);
  result.overdue = !newest || now - exportStartMs(newest.exportId) > (options.overdueAfterMs ?? 26 * 3_600_000);

  for (const folder of finished) {
    if (anchored.has(folder.exportId)) continue;
    // Anchors chain in export order; an export older than the newest anchor (a late re-run) still
    // chains after the anchor before it in time.
    const before = [...anchored]
      .filter((id) => id < folder.exportId)
      .sort()
      .at(-1);
    const previous = before ? await ports.readAnchor(before) : undefined;
    const items: Record<string, unknown>[] = [];
    let verified: VerifiedExport | undefined;
    for await (const item of ports.readExport(folder.exportId, (v) => (verified = v))) items.push(item);
    const summary = verified!.summary;
    const sameTable = previous && previous.tableId === summary.tableId ? previous : undefined;
    const { anchor } = buildAnchor(items, {
      exportId: folder.exportId,
      tableId: summary.tableId,
      exportTime: summary.exportTime,
      anchoredAt: options.now.toISOString(),
      ...(sameTable ? { previous: sameTable } : {}),
    });
    if (sameTable) {
      const cutOff = new Date(Date.parse(summary.exportTime) - options.auditDays * 86_400_000).toISOString();
      anchor.problems.push(...checkAnchor(sameTable, items, cutOff).problems);
    }
    await ports.writeAnchor(anchor);
    anchored.add(folder.exportId);
    result.anchored.push({
      exportId: anchor.exportId,
      root: anchor.root,
      chains: anchor.chains,
      records: anchor.records,
      problems: anchor.problems,
    });
  }
  // Every run, not only one that anchored: a deploy may have put the tables back on the whole folder.
  const newestAnchored = finished.filter((f) => anchored.has(f.exportId)).at(-1);
  if (newestAnchored && ports.showExport) {
    await ports.showExport(newestAnchored.exportId);
    result.shown = newestAnchored.exportId;
  }
  return result;
}
