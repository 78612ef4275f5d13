import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type AuditAnchor, buildAnchor, parseAnchor } from '../../lambdas/core/audit/anchor.js';
import { exportIdOf, type VerifiedExport } from '../../lambdas/core/audit/export-reader.js';
import { readExport } from './export-reader.js';

/**
 * The twin's audit anchors (`<state dir>/anchors/<export id>.json`): what the daily anchor in the
 * audit bucket is on AWS, made by `switchboard audit export` for each local export. A laptop has
 * no Object Lock: the files are written once and made read-only, which keeps honest people
 * honest; on AWS the bucket's lock is what makes them hold.
 */

/** The folder of anchors under the state folder. */
export const anchorsFolder = (stateDir: string): string => join(stateDir, 'anchors');

/** An anchor file, read and checked, with its name. */
export interface AnchorFile {
  file: string;
  anchor: AuditAnchor;
}

/**
 * Every anchor in a folder, oldest export first; each checked against its own root (an edited
 * anchor throws `AnchorFormatError` naming its file). None when the folder does not exist.
 */
export function readAnchors(dir: string): AnchorFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => {
      const file = join(dir, name);
      return { file, anchor: parseAnchor(readFileSync(file, 'utf8'), file) };
    })
    .sort((a, b) => compareExports(a.anchor, b.anchor));
}

/** Anchors in the order of the exports they were made from (time, then id, which starts with the time). */
export const compareExports = (a: AuditAnchor, b: AuditAnchor): number =>
  a.exportTime < b.exportTime ? -1 : a.exportTime > b.exportTime ? 1 : a.exportId < b.exportId ? -1 : 1;

/**
 * Anchors an export folder: its chains verified, the heads and root written to
 * `<anchors>/<export id>.json` after the newest anchor made before it (whose root it chains).
 * Writes nothing and returns the existing anchor when this export was anchored already.
 */
export async function anchorExport(dir: string, anchors: string, now = new Date()): Promise<AnchorFile> {
  const items: Record<string, unknown>[] = [];
  let verified: VerifiedExport | undefined;
  for await (const item of readExport(dir, (v) => (verified = v))) items.push(item);
  const summary = verified!.summary;
  const exportId = exportIdOf(summary);
  const existing = readAnchors(anchors);
  const same = existing.find((a) => a.anchor.exportId === exportId);
  if (same) return same;
  const previous = previousAnchor(existing, summary.tableId, exportId, summary.exportTime);
  const { anchor } = buildAnchor(items, {
    exportId,
    tableId: summary.tableId,
    exportTime: summary.exportTime,
    anchoredAt: now.toISOString(),
    ...(previous ? { previous: previous.anchor } : {}),
  });
  await mkdir(anchors, { recursive: true });
  const file = join(anchors, `${exportId}.json`);
  await writeFile(file, `${JSON.stringify(anchor)}\n`, { flag: 'wx' });
  await chmod(file, 0o444);
  return { file, anchor };
}

/** The newest anchor of the same table made from an export before `exportTime` (not the export itself). */
export function previousAnchor(
  anchors: readonly AnchorFile[],
  tableId: string,
  exportId: string,
  exportTime: string,
): AnchorFile | undefined {
  return anchors
    .filter((a) => a.anchor.tableId === tableId && a.anchor.exportId !== exportId && a.anchor.exportTime <= exportTime)
    .at(-1);
}
