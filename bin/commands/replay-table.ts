import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CursorStore, ReplayCursor } from './replay-run.js';

/** Where a department's replay cursor is kept: `<state dir>/replay/<department>.json`. */
export const cursorPath = (stateDir: string, department: string): string =>
  join(stateDir, 'replay', `${department}.json`);

/**
 * A {@link CursorStore} in a JSON file. Written to a temporary file and renamed, so a run killed
 * while saving leaves the previous cursor, never half of one; a file that cannot be read as a
 * cursor counts as none (starting over only costs reads: replayed engagements are skipped).
 */
export function fileCursorStore(path: string): CursorStore {
  return {
    load() {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
      try {
        const cursor = JSON.parse(text) as Partial<ReplayCursor>;
        return cursor.version === 1 && cursor.next && typeof cursor.since === 'string'
          ? (cursor as ReplayCursor)
          : undefined;
      } catch {
        return undefined;
      }
    },
    save(cursor) {
      mkdirSync(dirname(path), { recursive: true });
      const temporary = `${path}.${process.pid}.tmp`;
      writeFileSync(temporary, `${JSON.stringify(cursor, null, 2)}\n`);
      renameSync(temporary, path);
    },
    clear() {
      rmSync(path, { force: true });
    },
  };
}
