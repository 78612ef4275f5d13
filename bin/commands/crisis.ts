import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { ConfigError, loadConfig } from '../../lambdas/core/config/load-config.js';
import type { CrisisStatus } from '../../lambdas/core/management/console-api-types.js';
import { endCrisisByHand, readCrisisStatus, startCrisisByHand } from '../../lambdas/core/management/crisis-commands.js';
import { compilePlaybook } from '../../lambdas/core/routing/crisis-playbook.js';
import { DynamoDbGovernanceStore } from '../../lambdas/aws/dynamodb-governance-store.js';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TABLE_NAME_ENV } from './history.js';
import { stackOutputs } from './stack-outputs.js';
import { twinTable } from './twin-info.js';

/** Usage of `switchboard crisis`; also part of the CLI's usage text. */
export const CRISIS_USAGE = [
  'switchboard crisis start --reason "<text>" [--actor <id>] [--dry-run] [--stack <name>]',
  'switchboard crisis end [--reason "<text>"] [--stack <name>]',
  'switchboard crisis status [--json] [--stack <name>]',
];

/** A command line that does not fit the usage (exit 2). */
export class CrisisUsageError extends Error {}

interface Options {
  reason?: string;
  actor?: string;
  dryRun: boolean;
  json: boolean;
  stack?: string;
}

function parse(sub: string, args: string[]): Options {
  const options: Options = { dryRun: false, json: false };
  const value = (flag: string, v: string | undefined) => {
    if (v === undefined || v.startsWith('--')) throw new CrisisUsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--reason' && sub !== 'status') options.reason = value(arg, args[++i]);
    else if (arg === '--actor' && sub === 'start') options.actor = value(arg, args[++i]);
    else if (arg === '--dry-run' && sub === 'start') options.dryRun = true;
    else if (arg === '--json') options.json = true;
    else if (arg === '--stack') options.stack = value(arg, args[++i]);
    else throw new CrisisUsageError(`crisis ${sub} takes no "${arg}"`);
  }
  if (sub === 'start' && !options.reason?.trim())
    throw new CrisisUsageError('crisis start needs --reason "<why>": the audit trail keeps it');
  return options;
}

/**
 * `switchboard crisis start|end|status` (docs/management.md, "Crisis mode"): crisis mode on or
 * off by hand, with "Crisis Started" / "Crisis Ended" in the audit trail, against the running
 * twin's table or, with `--stack`, the deployed stack's. `start --dry-run` prints what the
 * playbook would change and changes nothing. Exit 0 done, 1 nothing to do (already on, none to
 * end) or a failure, 2 usage.
 */
export async function crisisCommand(argv: string[]): Promise<number> {
  const [sub, ...args] = argv;
  if (sub !== 'start' && sub !== 'end' && sub !== 'status')
    throw new CrisisUsageError(
      sub === undefined ? 'crisis needs a subcommand: start, end or status' : `unknown crisis subcommand "${sub}"`,
    );
  const options = parse(sub, args);
  if (sub === 'start' && options.dryRun) return dryRun();

  const { tableName, client } = options.stack ? await stackTable(options.stack) : twinTable();
  try {
    const store = new DynamoDbGovernanceStore(client, tableName);
    const at = new Date().toISOString();
    if (sub === 'status') {
      const status = await readCrisisStatus(store);
      console.log(options.json ? JSON.stringify(status) : describe(status));
      return 0;
    }
    const outcome =
      sub === 'start'
        ? await startCrisisByHand(
            store,
            { reason: options.reason!, actor: options.actor ?? process.env.SWITCHBOARD_ACTOR ?? operator() },
            at,
            `crisis-${randomUUID().slice(0, 8)}`,
          )
        : await endCrisisByHand(store, options.reason, at);
    if (options.json) console.log(JSON.stringify(outcome.status));
    else if (outcome.done) console.log(describe(outcome.status));
    else
      console.error(
        sub === 'start'
          ? `crisis mode is already on: ${describe(outcome.status)}`
          : 'crisis mode is not on: nothing to end',
      );
    return outcome.done ? 0 : 1;
  } finally {
    client.destroy();
  }
}

/** What the config's playbook would change, without changing anything. */
function dryRun(): number {
  let playbook: ReturnType<typeof compilePlaybook> | undefined;
  try {
    const crisis = loadConfig().config.crisis;
    playbook = crisis ? compilePlaybook(crisis) : undefined;
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
  console.log('Dry run: crisis mode stays as it is. Started now, the playbook would apply:');
  for (const line of playbook?.describe() ?? [
    '(the config has no crisis: playbook; only the console banner would change)',
  ])
    console.log(`  - ${line}`);
  return 0;
}

/** A status in words. */
export function describe(status: CrisisStatus): string {
  if (status.active) {
    const cause =
      status.cause.by === 'spike'
        ? `spike ${status.cause.spike} (${status.cause.key}, score ${status.cause.score})`
        : `by hand${status.cause.actor ? ` (${status.cause.actor})` : ''}: ${status.cause.reason}`;
    return `crisis mode is ON since ${status.startedAt} (${status.crisisId}), cause: ${cause}`;
  }
  return status.last
    ? `crisis mode is off; the last crisis (${status.last.crisisId}) ran from ${status.last.startedAt} to ${status.last.endedAt}, ended ${status.last.endedBy === 'auto' ? 'by itself' : 'by hand'}`
    : 'crisis mode is off; there has been no crisis';
}

async function stackTable(stack: string) {
  const tableName = process.env[TABLE_NAME_ENV] ?? (await stackOutputs(stack)).TableName;
  if (!tableName) throw new Error(`stack ${stack} has no TableName output: is it a Switchboard stack?`);
  return { tableName, client: new DynamoDBClient({}) };
}

function operator(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}
