import type { LoadedConfig } from '../core/config/load-config.js';
import { createReplayer, ReplayWindowError, replayWindow } from '../core/lifecycle/replay.js';
import { type ReplayProgress, type ReplaySource, replayPage, type ScanKey } from '../core/lifecycle/replay-run.js';
import { JobInputError, type ReplayJobState, WOULD_SEND_LISTED } from './job-state.js';

/** What a replay job runs with. */
export interface ReplayJobDependencies {
  /** The config the function was deployed with: its departments and rules are the ones replayed. */
  config: LoadedConfig;
  source: ReplaySource;
  now: () => Date;
}

/**
 * One invocation of a replay job: pages of the window ({@link replayPage}) from the state's
 * cursor while `goOn()` says so (one page at least), then the state with the cursor and counts
 * brought up to date, `done` after the last page. A department the deployed config does not
 * have, or a window that holds nothing, is a {@link JobInputError}.
 */
export async function replayJobStep(
  state: ReplayJobState,
  deps: ReplayJobDependencies,
  goOn: () => boolean,
): Promise<ReplayJobState> {
  if (state.done) return state;
  const departments = deps.config.config.departments.map((d) => d.id);
  if (!departments.includes(state.department))
    throw new JobInputError(
      `no department "${state.department}" in the deployed config; departments: ${departments.join(', ')}`,
    );
  let window: ReturnType<typeof replayWindow>;
  try {
    window = replayWindow(state.since, state.until, deps.now());
  } catch (err) {
    if (err instanceof ReplayWindowError) throw new JobInputError(err.message);
    throw err;
  }
  const { cursor: _cursor, ...request } = state;
  let counts: ReplayProgress = state.counts ?? { matched: 0, sent: 0, skipped: 0, read: 0 };
  const replayer = createReplayer(deps.config, state.department);
  if (replayer.rules.length === 0)
    return {
      ...request,
      counts,
      notice: `no rule in the deployed config routes to ${state.department}: nothing can match`,
      done: true,
    };

  const wouldSend = [...(state.wouldSend ?? [])];
  let start: ScanKey | undefined = state.cursor;
  do {
    ({ counts, next: start } = await replayPage({
      replayer,
      window,
      source: deps.source,
      start,
      counts,
      dryRun: state.dryRun,
      now: deps.now,
      wouldSend: (e) => {
        if (wouldSend.length < WOULD_SEND_LISTED) wouldSend.push(e.engagementId);
      },
    }));
  } while (start && goOn());
  return {
    ...request,
    ...(start ? { cursor: start } : {}),
    counts,
    ...(state.dryRun ? { wouldSend } : {}),
    done: !start,
  };
}
