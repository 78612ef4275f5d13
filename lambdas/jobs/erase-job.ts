import { parseAuthor } from '../core/lifecycle/erase.js';
import { erasedCount, type ErasureSteps, eraseSteps } from '../core/lifecycle/erase-run.js';
import { type EraseJobState, JobInputError } from './job-state.js';

/**
 * One invocation of an erase job: steps of the erasure ({@link eraseSteps}: find, erase each,
 * keep the tombstone) from the state's cursor while `goOn()` says so (one step at least), then
 * the state with the cursor, the ids found, the counts and `done` brought up to date. The
 * tombstone is written by the step that finishes, once: a retried invocation writes the same
 * item again.
 */
export async function eraseJobStep(
  state: EraseJobState,
  steps: ErasureSteps,
  goOn: () => boolean,
): Promise<EraseJobState> {
  const person = parseAuthor(state.author);
  if (!person) throw new JobInputError('"author" must be <platform>:<author id>');
  const progress = await eraseSteps(
    { ...person, author: state.author, requestedBy: state.requestedBy, at: state.at, dryRun: state.dryRun },
    { ...(state.cursor ? { cursor: state.cursor } : {}), found: state.found ?? [], done: state.done ?? false },
    steps,
    goOn,
  );
  const { cursor: _cursor, ...request } = state;
  return {
    ...request,
    ...(progress.cursor ? { cursor: progress.cursor } : {}),
    found: progress.found,
    counts: { found: progress.found.length, erased: erasedCount(progress, state.dryRun) },
    done: progress.done,
  };
}
