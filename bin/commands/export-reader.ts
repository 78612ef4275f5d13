import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { readExportObjects } from '../../lambdas/aws/export-items.js';
import { type ExportItem, MANIFEST_SUMMARY_FILE } from '../../lambdas/core/audit/export-format.js';
import {
  type ExportFiles,
  ExportIntegrityError,
  readExportItems,
  type VerifiedExport,
  verifyExport as verifyExportFiles,
} from '../../lambdas/core/audit/export-reader.js';

export { ExportIntegrityError };

/** The folder under the state dir that holds `audit export`'s exports, one folder each. */
export const EXPORTS_FOLDER = 'exports';

/** The CLI's state folder: `.switchboard` in the working folder, or `SWITCHBOARD_STATE_DIR`. */
export function stateDirectory(): string {
  return resolve(process.env.SWITCHBOARD_STATE_DIR ?? '.switchboard');
}

/** Where `audit export` writes its exports by default: `<state dir>/exports`. */
export const exportsFolder = (stateDir: string): string => join(stateDir, EXPORTS_FOLDER);

/**
 * The newest finished export under `<stateDir>/exports/`: the last folder by name (names are
 * times, `2026-12-06T15-50-00Z`) that holds a `manifest-summary.json`, which is written last, so
 * an export still being written or one that failed is passed over. Undefined when there is none.
 */
export function newestExport(stateDir: string): string | undefined {
  const root = exportsFolder(resolve(stateDir));
  if (!existsSync(root)) return undefined;
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, MANIFEST_SUMMARY_FILE)))
    .map((entry) => entry.name)
    .sort()
    .map((name) => join(root, name))
    .pop();
}

/** An export folder on this machine as {@link ExportFiles} (keys are paths under it). */
export function folderExportFiles(dir: string): ExportFiles {
  const root = resolve(dir);
  return {
    location: root,
    open: (key) =>
      new Promise<Readable>((done, fail) => {
        const stream = createReadStream(join(root, key));
        stream.once('open', () => done(stream));
        stream.once('error', fail);
      }),
  };
}

/** Checks an export folder against its manifests (see the core's `verifyExport`). */
export const verifyExport = (dir: string): Promise<VerifiedExport> => verifyExportFiles(folderExportFiles(dir));

/** The items of an export folder in DynamoDB JSON, verified first (see the core's `readExportItems`). */
export const readExportRaw = (dir: string): AsyncGenerator<ExportItem> => readExportItems(folderExportFiles(dir));

/** The items of an export folder as plain objects, verified first (`readExportObjects`). */
export const readExport = (dir: string, onVerified?: (verified: VerifiedExport) => void) =>
  readExportObjects(folderExportFiles(dir), onVerified);
