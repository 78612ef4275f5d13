import { DynamoDBClient, QueryCommand, type QueryCommandOutput } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Department } from '../../lambdas/core/config/config.schema.js';
import { ConfigError, loadConfig } from '../../lambdas/core/config/load-config.js';
import { engagementHistory, formatHistory } from '../../lambdas/core/lifecycle/history.js';
import { stackOutputs } from './stack-outputs.js';
import { twinTable } from './twin-info.js';

/** Usage of `switchboard history`; also part of the CLI's usage text. */
export const HISTORY_USAGE = 'switchboard history <engagement id> [--json] [--stack <name>]';

/** Names the table for `--stack` without asking CloudFormation (a role that may not describe stacks). */
export const TABLE_NAME_ENV = 'SWITCHBOARD_TABLE_NAME';

/** A command line that does not fit the usage (exit 2). */
export class HistoryUsageError extends Error {}

/** Where the engagements table is: the local twin's DynamoDB, or AWS's (default credentials and region). */
interface Target {
  tableName: string;
  client: DynamoDBClient;
}

/**
 * `switchboard history <engagement id> [--json] [--stack <name>]`: an engagement's whole story
 * (the routing decision and its reasons, every assignment with each status change, who made it
 * and when, SLA deadlines and breaches, reroutes and escalations), read with one consistent
 * Query of its partition. Readable by default; `--json` prints one object (see
 * `lambdas/core/lifecycle/history.ts`). Reads the local twin's table (`.switchboard/local.json`,
 * moved by `SWITCHBOARD_STATE_DIR`), or with `--stack` the deployed stack's table (its
 * `TableName` output). Exit codes: 0 found, 1 not found (or the table cannot be read), 2 usage.
 */
export async function historyCommand(args: string[]): Promise<number> {
  let json = false;
  let stack: string | undefined;
  const ids: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--json') json = true;
    else if (arg === '--stack') {
      const name = args[++i];
      if (!name || name.startsWith('--'))
        throw new HistoryUsageError(`--stack needs a stack name; expected: ${HISTORY_USAGE}`);
      stack = name;
    } else if (arg.startsWith('--')) throw new HistoryUsageError(`unknown option "${arg}"; expected: ${HISTORY_USAGE}`);
    else ids.push(arg);
  }
  if (ids.length !== 1) throw new HistoryUsageError(`name one engagement id; expected: ${HISTORY_USAGE}`);
  const id = ids[0]!;

  let target: Target;
  try {
    target = stack === undefined ? twinTarget() : await stackTarget(stack);
  } catch (err) {
    if (err instanceof HistoryUsageError) throw err;
    console.error(`switchboard: ${(err as Error).message}`);
    return 1;
  }
  try {
    let items: Record<string, unknown>[];
    try {
      items = await readPartition(target, id);
    } catch (err) {
      console.error(`switchboard: could not read table ${target.tableName}: ${(err as Error).message}`);
      return 1;
    }
    const history = engagementHistory(items, configDepartments());
    if (!history) {
      console.error(`no engagement ${id} in table ${target.tableName}`);
      return 1;
    }
    console.log(json ? JSON.stringify(history.report) : formatHistory(history));
    return 0;
  } finally {
    target.client.destroy();
  }
}

/** The running twin's table, from `local.json`. */
function twinTarget(): Target {
  const { tableName, client } = twinTable();
  return { tableName, client };
}

/** A deployed stack's table: its `TableName` output (or `SWITCHBOARD_TABLE_NAME`). */
async function stackTarget(stack: string): Promise<Target> {
  const tableName = process.env[TABLE_NAME_ENV] ?? (await stackOutputs(stack)).TableName;
  if (!tableName) throw new Error(`stack ${stack} has no TableName output: is it a Switchboard stack?`);
  // Region and credentials as every AWS tool finds them (AWS_REGION, AWS_PROFILE, …).
  return { tableName, client: new DynamoDBClient({}) };
}

/** Every item of the engagement's partition: one consistent Query, paged. */
async function readPartition({ client, tableName }: Target, id: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: QueryCommandOutput['LastEvaluatedKey'];
  do {
    const page: QueryCommandOutput = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `ENG#${id}` } },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of page.Items ?? []) items.push(unmarshall(item));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * The config's departments, for the SLA deadlines. A config that cannot be read costs the
 * deadlines, not the history: the story is what one reads when something went wrong.
 */
function configDepartments(): Pick<Department, 'id' | 'sla'>[] {
  try {
    return loadConfig().config.departments;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`switchboard: no SLA deadlines shown: ${err.message}`);
    return [];
  }
}
