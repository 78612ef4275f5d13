import { loadConfig } from '../../lambdas/core/config/load-config.js';
import { createReplayer, ReplayWindowError, replayWindow } from '../../lambdas/core/lifecycle/replay.js';
import { stateDirectory } from './export-reader.js';
import { type ReplayCounts, runReplay } from './replay-run.js';
import { cursorPath, fileCursorStore, tableReplaySource } from './replay-table.js';
import { TwinNotRunningError, type TwinTable, twinTable } from './twin-info.js';

/** Usage of `switchboard replay`; also part of the CLI's usage text. */
export const REPLAY_USAGE =
  'switchboard replay --department <id> --since <date|time> [--until <date|time>] [--dry-run] [--json] [--restart]';

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
}

const VALUE_OPTIONS = ['--department', '--since', '--until'] as const;
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
    if (name === '--stack')
      throw new ReplayUsageError(
        'replay reads the local twin only; replaying in a deployed stack will run there as a job, not from this command',
      );
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
  return {
    department,
    since,
    ...(values['--until'] !== undefined ? { until: values['--until'] } : {}),
    dryRun: flags['--dry-run'],
    json: flags['--json'],
    restart: flags['--restart'],
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
 * the id of each engagement it would send before the summary. Exit codes: 0 done, 1 failure
 * (no twin, unknown department, bad config, the table failed), 2 usage.
 */
export async function replayCommand(argv: string[]): Promise<number> {
  const args = parseReplayArgs(argv);
  let window: ReturnType<typeof replayWindow>;
  try {
    window = replayWindow(args.since, args.until, new Date());
  } catch (err) {
    if (err instanceof ReplayWindowError) throw new ReplayUsageError(`${err.message}; expected: ${REPLAY_USAGE}`);
    throw err;
  }

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
  const report = (counts: ReplayCounts): number => {
    console.log(
      args.json
        ? JSON.stringify(counts)
        : `replayed to ${args.department}: ${counts.matched} matched, ${counts.sent} sent, ${counts.skipped} skipped (already replayed)`,
    );
    return 0;
  };
  if (replayer.rules.length === 0) {
    console.error(`switchboard: no rule in ${loaded.path} routes to ${args.department}: nothing can match`);
    return report({ matched: 0, sent: 0, skipped: 0 });
  }

  const progress =
    process.stderr.isTTY && !args.json ? (line: string) => process.stderr.write(`\r\x1b[2K${line}`) : undefined;
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
        progress?.(
          `replaying to ${args.department}: ${c.read} read, ${c.matched} matched, ${c.sent} sent, ${c.skipped} skipped`,
        );
      },
      wouldSend: args.json ? undefined : (e) => console.log(e.engagementId),
      notice: (message) => {
        progress?.('');
        console.error(`switchboard: ${message}`);
      },
    });
    progress?.('');
    return report(counts);
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
