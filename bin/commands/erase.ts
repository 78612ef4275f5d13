import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { userInfo } from 'node:os';
import { DynamoDbErasure } from '../../lambdas/aws/dynamodb-erasure.js';
import { parseAuthor } from '../../lambdas/core/lifecycle/erase.js';
import { eraseSteps } from '../../lambdas/core/lifecycle/erase-run.js';
import type { EraseJobState } from '../../lambdas/jobs/job-state.js';
import { executionName, failureMessage, jobsStateMachineArn, runStackJob, StackJobError } from './stack-jobs.js';
import { TwinNotRunningError, twinTable } from './twin-info.js';

/** Usage of `switchboard erase`; also part of the CLI's usage text. */
export const ERASE_USAGE = 'switchboard erase --author <platform>:<author id> [--dry-run] [--json] [--stack <name>]';

/** A command line that does not fit the usage (exit 2). */
export class EraseUsageError extends Error {}

/** An `erase` command line, read. */
export interface EraseArgs {
  /** `<platform>:<author id>`. */
  author: string;
  platform: string;
  authorId: string;
  dryRun: boolean;
  json: boolean;
  /** Run as a job in this deployed stack instead of against the local twin. */
  stack?: string;
}

const VALUE_OPTIONS = ['--author', '--stack'];

/** Reads the command line; throws {@link EraseUsageError}. */
export function parseEraseArgs(args: readonly string[]): EraseArgs {
  const values: Record<string, string | undefined> = {};
  const valueAt = new Set<number>();
  args.forEach((arg, i) => {
    if (VALUE_OPTIONS.includes(arg)) {
      values[arg] = args[i + 1];
      valueAt.add(i + 1);
    }
  });
  const unknown = args.find(
    (a, j) => a.startsWith('--') && !['--json', '--dry-run', ...VALUE_OPTIONS].includes(a) && !valueAt.has(j),
  );
  if (unknown) throw new EraseUsageError(`unknown option "${unknown}"; expected: ${ERASE_USAGE}`);
  const author = values['--author'];
  const parsed = author ? parseAuthor(author) : undefined;
  if (!author || !parsed)
    throw new EraseUsageError(`name the person as --author <platform>:<author id>; expected: ${ERASE_USAGE}`);
  const stack = values['--stack'];
  if (args.includes('--stack') && (!stack || stack.startsWith('--')))
    throw new EraseUsageError(`--stack needs a stack name; expected: ${ERASE_USAGE}`);
  return {
    author,
    ...parsed,
    dryRun: args.includes('--dry-run'),
    json: args.includes('--json'),
    ...(stack ? { stack } : {}),
  };
}

/**
 * `switchboard erase --author <platform>:<author id> [--dry-run] [--json] [--stack <name>]`:
 * removes that person's personal data from the running twin's table, with no prompt (a
 * scripted, audited act):
 * 1. every engagement they wrote: its text, keywords, author and permalink (`scrubEngagement`),
 *    in the engagement item and in every delivery copy Switchboard made of it (reroutes,
 *    escalations, replays);
 * 2. the raw webhook delivery it came in, cut out of its batch's archive;
 * 3. "Engagement Erased" per engagement, to the departments that received it (an outbox event
 *    in the engagement's audit chain, so the departments erase their copies);
 * 4. a tombstone `ERASURE#<at>#<author>` (`{ author, requestedBy, engagementIds, at }`, the
 *    auditors' `erasures` table), also when nothing was found, as proof the request was served.
 * The next export has none of it. `--dry-run` lists what would be erased. With `--stack <name>`
 * the erasure runs in that deployed stack as a job (its maintenance jobs state machine), which
 * goes on if this command stops; the command starts it, follows it and prints the same result.
 * Exit 0, 1 (no twin, the job failed), 2.
 */
export async function eraseCommand(argv: string[]): Promise<number> {
  const args = parseEraseArgs(argv);
  if (args.stack !== undefined) return eraseOnStack(args, args.stack);

  let tableName: string;
  let client: DynamoDBClient;
  try {
    ({ tableName, client } = twinTable());
  } catch (err) {
    if (!(err instanceof TwinNotRunningError)) throw err;
    console.error(`switchboard: ${err.message}`);
    return 1;
  }
  try {
    // All in one go: the steps a job spreads over invocations, without stopping.
    const { found } = await eraseSteps(
      { ...args, requestedBy: requester(), at: new Date().toISOString() },
      { found: [], done: false },
      new DynamoDbErasure(client, tableName),
      () => true,
    );
    return report(args, found, args.dryRun ? 0 : found.length);
  } finally {
    client.destroy();
  }
}

/** Prints what was (or would be) erased and returns exit code 0. */
function report(args: EraseArgs, ids: string[], erased: number): number {
  if (args.json) console.log(JSON.stringify({ author: args.author, engagements: ids, erased }));
  else if (args.dryRun) {
    for (const id of ids) console.log(id);
    console.log(`would erase ${ids.length} engagement(s) of ${args.author}`);
  } else console.log(`erased ${ids.length} engagement(s) of ${args.author}; departments are told (Engagement Erased)`);
  return 0;
}

/** Who asked: the operator's login, as the audit's `requested_by` (SWITCHBOARD_REQUESTED_BY overrides). */
const requester = () => process.env.SWITCHBOARD_REQUESTED_BY ?? userInfo().username;

/** The input of an erase job in a stack: the request's time is fixed here, as the tombstone's key. */
export function eraseJobInput(
  args: Pick<EraseArgs, 'author' | 'dryRun'>,
  requestedBy: string,
  at: Date,
): EraseJobState {
  return { job: 'erase', author: args.author, requestedBy, at: at.toISOString(), dryRun: args.dryRun };
}

/** `erase --stack`: starts the job, follows it, prints what the local erase prints. */
async function eraseOnStack(args: EraseArgs, stack: string): Promise<number> {
  const now = new Date();
  const input = eraseJobInput(args, requester(), now);
  const progress =
    process.stderr.isTTY && !args.json ? (line: string) => process.stderr.write(`\r\x1b[2K${line}`) : undefined;
  try {
    const outcome = await runStackJob({
      stateMachineArn: await jobsStateMachineArn(stack),
      input,
      name: executionName(input, now),
      started: (arn) => console.error(`switchboard: erase job started in ${stack}: ${arn} (it runs on if this stops)`),
      ...(progress
        ? {
            progress: (state: EraseJobState) =>
              state.counts &&
              progress(`erasing ${args.author}: ${state.counts.found} found, ${state.counts.erased} erased`),
          }
        : {}),
    });
    progress?.('');
    if (outcome.status !== 'SUCCEEDED') {
      console.error(
        `switchboard: the erase job ${failureMessage(outcome)} (${outcome.executionArn})${outcome.error === 'JobInputError' ? '' : '; run it again, or redrive the execution to go on where it stopped'}`,
      );
      return 1;
    }
    const { state } = outcome;
    return report(args, state.found ?? [], state.counts?.erased ?? 0);
  } catch (err) {
    progress?.('');
    if (!(err instanceof StackJobError)) throw err;
    console.error(`switchboard: ${err.message}`);
    return 1;
  }
}
