import type { ErasureRecord } from './erase.js';
import type { ScanKey } from './replay-run.js';

/**
 * `switchboard erase` in steps (locally in one go, on AWS as a job over as many invocations as
 * it takes): first every engagement of the person is found, writing nothing; then each is
 * erased; then the tombstone is kept, once. Finding before erasing keeps a step safe to repeat:
 * an erased engagement no longer names its author, so a search repeated after erasing would
 * not find it again, and the tombstone would miss it.
 */

/** Where an erasure is: finding (from where the Scan goes on), or erasing (how many of those found are done). */
export type EraseCursor = { phase: 'find'; next?: ScanKey } | { phase: 'erase'; erased: number };

/** Reading and erasing a person's engagements (the table, or a fake in tests). */
export interface ErasureSteps {
  /** The ids of the person's engagements in one page, from `start`; no `next` on the last. */
  findPage(platform: string, authorId: string, start: ScanKey | undefined): Promise<{ ids: string[]; next?: ScanKey }>;
  /** Erases one engagement; erasing one again changes nothing. */
  erase(engagementId: string, at: string): Promise<void>;
  /** Keeps the tombstone; the same request's again rewrites the same one. */
  record(record: ErasureRecord): Promise<void>;
}

/** One erasure request: whose, asked by whom, when (the tombstone's key), and whether only to list. */
export interface EraseRequest {
  /** `<platform>:<author id>`. */
  author: string;
  platform: string;
  authorId: string;
  requestedBy: string;
  at: string;
  dryRun: boolean;
}

/** How far an erasure is: no cursor before the first step and after the last. */
export interface EraseProgress {
  cursor?: EraseCursor;
  /** The ids found so far, in the order found. */
  found: string[];
  done: boolean;
}

/** How many of the engagements found are erased, at this point. */
export function erasedCount({ cursor, found, done }: EraseProgress, dryRun: boolean): number {
  if (cursor?.phase === 'erase') return cursor.erased;
  return done && !dryRun ? found.length : 0;
}

/**
 * Takes steps (a page found, one engagement erased, the tombstone kept) from `progress` while
 * `goOn()` says so (one step at least) or until done, and resolves how far it got. A step done
 * again after a failure changes nothing: finding writes nothing, erasing is idempotent, and the
 * tombstone is the same item. A dry run only finds.
 */
export async function eraseSteps(
  request: EraseRequest,
  progress: EraseProgress,
  steps: ErasureSteps,
  goOn: () => boolean,
): Promise<EraseProgress> {
  if (progress.done) return progress;
  let cursor: EraseCursor = progress.cursor ?? { phase: 'find' };
  const found = [...progress.found];
  do {
    if (cursor.phase === 'find') {
      const page = await steps.findPage(request.platform, request.authorId, cursor.next);
      found.push(...page.ids);
      if (page.next) cursor = { phase: 'find', next: page.next };
      else if (request.dryRun) return { found, done: true };
      else cursor = { phase: 'erase', erased: 0 };
    } else if (cursor.erased < found.length) {
      await steps.erase(found[cursor.erased]!, request.at);
      cursor = { phase: 'erase', erased: cursor.erased + 1 };
    } else {
      const { author, requestedBy, at } = request;
      await steps.record({ author, requestedBy, engagementIds: found, at });
      return { found, done: true };
    }
  } while (goOn());
  return { cursor, found, done: false };
}
