import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { userInfo } from 'node:os';
import { ENGAGEMENT_SORT_KEY, DynamoDbEngagementStore } from '../../lambdas/aws/dynamodb-engagement-store.js';
import { type ErasureRecord, parseAuthor } from '../../lambdas/core/lifecycle/erase.js';
import { TwinNotRunningError, twinTable } from './twin-info.js';

/** Usage of `switchboard erase`; also part of the CLI's usage text. */
export const ERASE_USAGE = 'switchboard erase --author <platform>:<author id> [--dry-run] [--json]';

/** A command line that does not fit the usage (exit 2). */
export class EraseUsageError extends Error {}

/**
 * `switchboard erase --author <platform>:<author id> [--dry-run] [--json]`: removes that person's
 * personal data from the running twin's table, with no prompt (a scripted, audited act):
 * 1. every engagement they wrote: its text, keywords, author and permalink (`scrubEngagement`),
 *    in the engagement item and in every delivery copy Switchboard made of it (reroutes,
 *    escalations, replays);
 * 2. the raw webhook delivery it came in, cut out of its batch's archive;
 * 3. "Engagement Erased" per engagement, to the departments that received it (an outbox event
 *    in the engagement's audit chain, so the departments erase their copies);
 * 4. a tombstone `ERASURE#<at>#<author>` (`{ author, requestedBy, engagementIds, at }`, the
 *    auditors' `erasures` table), also when nothing was found, as proof the request was served.
 * The next export has none of it. `--dry-run` lists what would be erased. Exit 0, 1 (no twin), 2.
 */
export async function eraseCommand(args: string[]): Promise<number> {
  const json = args.includes('--json');
  const dryRun = args.includes('--dry-run');
  const i = args.indexOf('--author');
  const author = i >= 0 ? args[i + 1] : undefined;
  const unknown = args.find(
    (a, j) => a.startsWith('--') && !['--json', '--dry-run', '--author'].includes(a) && j !== i + 1,
  );
  if (unknown) throw new EraseUsageError(`unknown option "${unknown}"; expected: ${ERASE_USAGE}`);
  const parsed = author ? parseAuthor(author) : undefined;
  if (!author || !parsed)
    throw new EraseUsageError(`name the person as --author <platform>:<author id>; expected: ${ERASE_USAGE}`);

  let tableName: string;
  let client: DynamoDBClient;
  try {
    ({ tableName, client } = twinTable());
  } catch (err) {
    if (!(err instanceof TwinNotRunningError)) throw err;
    console.error(`switchboard: ${err.message}`);
    return 1;
  }
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  try {
    const ids = await findByAuthor(doc, tableName, parsed.platform, parsed.authorId);
    if (dryRun) {
      if (json) console.log(JSON.stringify({ author, engagements: ids, erased: 0 }));
      else {
        for (const id of ids) console.log(id);
        console.log(`would erase ${ids.length} engagement(s) of ${author}`);
      }
      return 0;
    }
    const at = new Date().toISOString();
    const store = new DynamoDbEngagementStore(client, tableName, 30);
    // Each as a platform's deletion is erased (the engagement, its delivery copies, its raw
    // delivery, "Engagement Erased"), by the same code.
    for (const id of ids) await store.eraseEngagement(id, at, { requested: true });
    const record: ErasureRecord = { author, requestedBy: requester(), engagementIds: ids, at };
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: { pk: `ERASURE#${at}#${author}`, sk: 'ERASURE', type: 'erasure', erasure: record },
      }),
    );
    if (json) console.log(JSON.stringify({ author, engagements: ids, erased: ids.length }));
    else console.log(`erased ${ids.length} engagement(s) of ${author}; departments are told (Engagement Erased)`);
    return 0;
  } finally {
    client.destroy();
  }
}

/** Who asked: the operator's login, as the audit's `requested_by` (SWITCHBOARD_REQUESTED_BY overrides). */
const requester = () => process.env.SWITCHBOARD_REQUESTED_BY ?? userInfo().username;

/** The ids of the person's engagements (a consistent Scan: the table has no index by author). */
async function findByAuthor(
  doc: DynamoDBDocumentClient,
  tableName: string,
  platform: string,
  authorId: string,
): Promise<string[]> {
  const ids: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({
        TableName: tableName,
        ConsistentRead: true,
        FilterExpression: 'sk = :engagement AND engagement.platform = :platform AND engagement.author.id = :author',
        ProjectionExpression: 'engagement.id',
        ExpressionAttributeValues: { ':engagement': ENGAGEMENT_SORT_KEY, ':platform': platform, ':author': authorId },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of page.Items ?? []) ids.push(String((item.engagement as { id: string }).id));
    start = page.LastEvaluatedKey;
  } while (start);
  return ids;
}
