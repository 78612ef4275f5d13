import { loadConfig } from '../../lambdas/core/config/load-config.js';
import {
  createReplayer,
  type ReplayWindow,
  ReplayWindowError,
  replayWindow,
} from '../../lambdas/core/lifecycle/replay.js';
import { tableReplaySource } from '../../lambdas/aws/dynamodb-replay-source.js';
import type { ReplayCounts, ReplayProgress } from '../../lambdas/core/lifecycle/replay-run.js';
import { type ReplayJobState, WOULD_SEND_LISTED } from '../../lambdas/jobs/job-state.js';
import { stateDirectory } from './export-reader.js';
import { runReplay } from './replay-run.js';
import { cursorPath, fileCursorStore } from './replay-table.js';
import { executionName, failureMessage, jobsStateMachineArn, runStackJob, StackJobError } from './stack-jobs.js';
import { TwinNotRunningError, type TwinTable, twinTable } from './twin-info.js';

/** Usage of `switchboard replay`; also part of the CLI's usage text. */
export const REPLAY_USAGE =
  'switchboard replay --department <id> --since <date|time> [--until <date|time>] [--dry-run] [--json] [--restart | --stack <name>]';

/** A command line that does not fit the usage (exit 2). */
export class ReplayUsageError extends Error {}

/** A `replay` command line, read. */
export interface ReplayArgs {
  department: string;
  since: string;
  until?: string;
  dryRun: boolean;
  json: boolean;
  restart: boolean;
  /** Run as a job in this deployed stack instead of against the local twin. */
  stack?: string;
}

const VALUE_OPTIONS = ['--department', '--since', '--until', '--stack'] as const;
type ValueOption = (typeof VALUE_OPTIONS)[number];

/** Reads the command line (`--option value` or `--option=value`); throws {@link ReplayUsageError}. */
export function parseReplayArgs(args: readonly string[]): ReplayArgs {
  const values: Partial<Record<ValueOption, string>> = {};
  const flags = { '--dry-run': false, '--json': false, '--restart': false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [name, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    if ((VALUE_OPTIONS as readonly string[]).includes(name)) {
      const value = inline ?? args[++i];
      if (!value || (inline === undefined && value.startsWith('--')))
        throw new ReplayUsageError(`${name} needs a value; expected: ${REPLAY_USAGE}`);
      values[name as ValueOption] = value;
    } else if (name in flags && inline === undefined) flags[name as keyof typeof flags] = true;
    else if (arg.startsWith('-')) throw new ReplayUsageError(`unknown option "${arg}"; expected: ${REPLAY_USAGE}`);
    else throw new ReplayUsageError(`unexpected argument "${arg}"; expected: ${REPLAY_USAGE}`);
  }
  const department = values['--department'];
  const since = values['--since'];
  if (!department) throw new ReplayUsageError(`name the department with --department; expected: ${REPLAY_USAGE}`);
  if (!since) throw new ReplayUsageError(`say from when with --since; expected: ${REPLAY_USAGE}`);
  if (values['--stack'] !== undefined && flags['--restart'])
    throw new ReplayUsageError(
      `--restart is for the local cursor: a job in a stack starts from the beginning (what it sent before counts as skipped); expected: ${REPLAY_USAGE}`,
    );
  return {
    department,
    since,
    ...(values['--until'] !== undefined ? { until: values['--until'] } : {}),
    dryRun: flags['--dry-run'],
    json: flags['--json'],
    restart: flags['--restart'],
    ...(values['--stack'] !== undefined ? { stack: values['--stack'] } : {}),
  };
}

/**
 * `switchboard replay --department <id> --since <date|time> [--until <date|time>] [--dry-run]
 * [--json] [--restart]`: delivers the history of a window to a department, as its rules in the
 * loaded config would have routed it: each stored engagement received in [since, until) (until
 * defaults to now; a date alone is midnight UTC) that one of the department's rules matches is
 * sent to the department's queue (unless it was routed there in the first place) as "Engagement
 * Routed" with `routing.departments: [<id>]` and `routing.replayed: true` (no SLA starts).
 * Deliveries are outbox items in the twin's table, published by its stream, written once per
 * engagement and department: a second run over the same window sends nothing again, and
 * counts those as skipped. An interrupted run goes on where it stopped (`<state
 * dir>/replay/<department>.json`; `--restart` ignores it). Prints `replayed to <id>: <matched> matched, <sent> sent, <skipped> skipped (already
 * replayed)`, or `--json` `{ matched, sent, skipped }`; `--dry-run` writes nothing and prints
 * the id of each engagement it would send before the summary. With `--stack <name>` the replay
 * runs in that deployed stack as a job (its maintenance jobs state machine, with the config it
 * was deployed with), which goes on if this command stops; the command starts it, shows its
 * progress and prints the same summary when it ends. Exit codes: 0 done, 1 failure (no twin,
 * unknown department, bad config, the table failed, the job failed), 2 usage.
 */
export async function replayCommand(argv: string[]): Promise<number> {
  const args = parseReplayArgs(argv);
  const now = new Date();
  let window: ReturnType<typeof replayWindow>;
  try {
    window = replayWindow(args.since, args.until, now);
  } catch (err) {
    if (err instanceof ReplayWindowError) throw new ReplayUsageError(`${err.message}; expected: ${REPLAY_USAGE}`);
    throw err;
  }
  if (args.stack !== undefined) return replayOnStack(args, args.stack, window, now);

  const loaded = loadConfig();
  const departments = loaded.config.departments.map((d) => d.id);
  if (!departments.includes(args.department)) {
    console.error(
      `switchboard: no department "${args.department}" in ${loaded.path}; departments: ${departments.join(', ')}`,
    );
    return 1;
  }

  let twin: TwinTable;
  try {
    twin = twinTable();
  } catch (err) {
    if (!(err instanceof TwinNotRunningError)) throw err;
    console.error(`switchboard: ${err.message}`);
    return 1;
  }
  const { info, client } = twin;
  // The twin delivers to the queues of the config it started with: an event for a department it
  // has no queue (and no bus rule) for would be stored as sent and reach no one.
  if (!info.queues[args.department]) {
    console.error(
      `switchboard: the running twin has no queue for "${args.department}" (it started with another config); restart it with \`npm start\` and run replay again`,
    );
    return 1;
  }

  const replayer = createReplayer(loaded, args.department);
  if (replayer.rules.length === 0) {
    console.error(`switchboard: no rule in ${loaded.path} routes to ${args.department}: nothing can match`);
    return report(args, { matched: 0, sent: 0, skipped: 0 });
  }

  const progress = progressLine(args);
  let pages = 0;
  try {
    const counts = await runReplay({
      replayer,
      window,
      untilGiven: args.until !== undefined,
      tableName: info.tableName,
      source: tableReplaySource(client, info.tableName),
      cursor: fileCursorStore(cursorPath(stateDirectory(), args.department)),
      dryRun: args.dryRun,
      restart: args.restart,
      now: () => new Date(),
      progress: (c) => {
        pages++;
        progress?.(progressText(args.department, c));
      },
      wouldSend: args.json ? undefined : (e) => console.log(e.engagementId),
      notice: (message) => {
        progress?.('');
        console.error(`switchboard: ${message}`);
      },
    });
    progress?.('');
    return report(args, counts);
  } catch (err) {
    progress?.('');
    const message = (err as Error).message;
    if (pages === 0)
      console.error(
        `switchboard: could not read table ${info.tableName} at ${info.dynamodbEndpoint} (is the twin running? \`npm start\`): ${message}`,
      );
    else
      console.error(
        `switchboard: replay to ${args.department} failed: ${message}${args.dryRun ? '' : '; run it again to go on where it stopped'}`,
      );
    return 1;
  } finally {
    client.destroy();
  }
}

/** Prints the summary (`--json`: the counts) and returns exit code 0. */
function report(args: ReplayArgs, counts: ReplayCounts): number {
  console.log(
    args.json
      ? JSON.stringify(counts)
      : `replayed to ${args.department}: ${counts.matched} matched, ${counts.sent} sent, ${counts.skipped} skipped (already replayed)`,
  );
  return 0;
}

/** Writes a progress line over the last one on a terminal (stderr), not for `--json`. */
function progressLine(args: ReplayArgs): ((line: string) => void) | undefined {
  return process.stderr.isTTY && !args.json ? (line) => process.stderr.write(`\r\x1b[2K${line}`) : undefined;
}

const progressText = (department: string, c: ReplayProgress) =>
  `replaying to ${department}: ${c.read} read, ${c.matched} matched, ${c.sent} sent, ${c.skipped} skipped`;

/**
 * The input of a replay job in a stack: the window with both ends fixed (a job that runs for
 * hours keeps the end the command was started with).
 */
export function replayJobInput(args: Pick<ReplayArgs, 'department' | 'dryRun'>, window: ReplayWindow): ReplayJobState {
  return { job: 'replay', department: args.department, since: window.since, until: window.until, dryRun: args.dryRun };
}

/** `replay --stack`: starts the job, follows it, prints what the local replay prints. */
async function replayOnStack(args: ReplayArgs, stack: string, window: ReplayWindow, now: Date): Promise<number> {
  const input = replayJobInput(args, window);
  const progress = progressLine(args);
  try {
    const outcome = await runStackJob({
      stateMachineArn: await jobsStateMachineArn(stack),
      input,
      name: executionName(input, now),
      started: (arn) => console.error(`switchboard: replay job started in ${stack}: ${arn} (it runs on if this stops)`),
      ...(progress
        ? { progress: (state: ReplayJobState) => state.counts && progress(progressText(args.department, state.counts)) }
        : {}),
    });
    progress?.('');
    if (outcome.status !== 'SUCCEEDED') {
      console.error(
        `switchboard: the replay job to ${args.department} ${failureMessage(outcome)} (${outcome.executionArn})${outcome.error === 'JobInputError' || args.dryRun ? '' : '; run it again (what it sent counts as skipped), or redrive the execution to go on where it stopped'}`,
      );
      return 1;
    }
    const { state } = outcome;
    if (state.notice) console.error(`switchboard: ${state.notice}`);
    const counts = state.counts ?? { matched: 0, sent: 0, skipped: 0, read: 0 };
    if (args.dryRun && !args.json) {
      const listed = state.wouldSend ?? [];
      for (const id of listed) console.log(id);
      const unlisted = counts.matched - counts.skipped - listed.length;
      if (unlisted > 0)
        console.error(`switchboard: and ${unlisted} more; a job lists the first ${WOULD_SEND_LISTED} it would send`);
    }
    return report(args, { matched: counts.matched, sent: counts.sent, skipped: counts.skipped });
  } catch (err) {
    progress?.('');
    if (!(err instanceof StackJobError)) throw err;
    console.error(`switchboard: ${err.message}`);
    return 1;
  }
}
