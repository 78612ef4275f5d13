import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { RedriveResult } from './redrive-result.js';
import { redriveStreamFailures } from './redrive-stream-failures.js';
import { readTwinInfo, TwinNotRunningError, type TwinQueues } from './twin-info.js';

/** Usage of `switchboard redrive`; also part of the CLI's usage text. */
export const REDRIVE_USAGE = 'switchboard redrive <dead-letter queue name or department id>|--all [--dry-run] [--json]';

/** A command line that does not fit the usage (exit 2). */
export class RedriveUsageError extends Error {}

/** The attributes EventBridge adds to an event it dead-letters; not part of the event, so not sent back. */
const EVENTBRIDGE_DLQ_ATTRIBUTES = new Set([
  'RULE_ARN',
  'TARGET_ARN',
  'ERROR_CODE',
  'ERROR_MESSAGE',
  'EXHAUSTED_RETRY_CONDITION',
  'RETRY_ATTEMPTS',
]);
/** How long a message being moved stays hidden: time to send it on and delete it. */
const MOVE_VISIBILITY_SECONDS = 120;

/**
 * `switchboard redrive <queue>|--all [--dry-run] [--json]`: moves dead letters back to where
 * they failed, so they are processed again once the cause is fixed.
 *
 * - A queue's own dead-letter queue (SQS redrive policy: the intake queue's, a department
 *   consumer's) goes back to that queue, found with `ListDeadLetterSourceQueues`.
 * - A department's delivery dead-letter queue (events EventBridge could not deliver) goes back to
 *   the queue each event was meant for (its `TARGET_ARN` attribute), as EventBridge would have
 *   delivered it.
 *
 * - The publish failures queue (a table stream's on-failure destination) names batches of stream
 *   records rather than holding messages: their engagements go to the republish queue by id
 *   (see `redrive-stream-failures.ts`).
 *
 * Each message is sent to its target before it is deleted from the dead-letter queue, so a
 * failure half-way leaves it in one place or (at worst) in both, never in neither; one that
 * cannot be sent stays where it is, and the exit code says not everything moved. A department
 * id stands for its two dead-letter queues. Progress is shown on a terminal; a summary line per
 * queue (or `--json`: `[{ queue, target, messages, moved }]`) follows.
 */
export async function redriveCommand(args: string[]): Promise<number> {
  let dryRun = false;
  let json = false;
  let all = false;
  const names: string[] = [];
  for (const arg of args) {
    if (arg === '--dry-run') dryRun = true;
    else if (arg === '--json') json = true;
    else if (arg === '--all') all = true;
    else if (arg.startsWith('--')) throw new RedriveUsageError(`unknown option "${arg}"; expected: ${REDRIVE_USAGE}`);
    else names.push(arg);
  }
  if (all === names.length > 0 || names.length > 1)
    throw new RedriveUsageError(`name one dead-letter queue or department, or --all; expected: ${REDRIVE_USAGE}`);

  let info: TwinQueues;
  try {
    info = readTwinInfo();
  } catch (err) {
    if (err instanceof TwinNotRunningError) {
      console.error(`switchboard: ${err.message}`);
      return 1;
    }
    throw err;
  }
  const dlqs = selectDeadLetterQueues(info, all ? undefined : names[0]!);
  if (dlqs.length === 0) {
    console.error(
      `switchboard: no dead-letter queue or department "${names[0]}"; dead-letter queues: ${Object.keys(info.deadLetterQueues).join(', ')}; departments: ${Object.keys(info.queues).join(', ')}`,
    );
    return 1;
  }

  // The twin accepts any credentials; these keep the SDK from looking for real ones.
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const sqs = new SQSClient({ endpoint: info.sqsEndpoint, region: info.region, credentials });
  const streams = info.dynamodbEndpoint
    ? new DynamoDBStreamsClient({ endpoint: info.dynamodbEndpoint, region: info.region, credentials })
    : undefined;
  const progress =
    process.stderr.isTTY && !json ? (line: string) => process.stderr.write(`\r\x1b[2K${line}`) : () => undefined;
  const results: RedriveResult[] = [];
  try {
    for (const [name, url] of dlqs) {
      const republishQueue = info.streamFailureQueues?.[name];
      results.push(
        republishQueue && streams
          ? await redriveStreamFailures(sqs, streams, name, url, republishQueue, dryRun, progress)
          : await redriveOne(sqs, name, url, dryRun, progress),
      );
    }
  } finally {
    sqs.destroy();
    streams?.destroy();
  }
  progress('');
  if (json) console.log(JSON.stringify(results));
  else {
    for (const r of results) {
      const verb = dryRun ? 'would move' : 'moved';
      const what = r.engagements === undefined ? 'message(s)' : `stream batch(es) (${r.engagements} engagement(s))`;
      console.log(
        r.messages === 0
          ? `${r.queue}: empty`
          : `${r.queue}: ${verb} ${dryRun ? r.messages : r.moved} of ${r.messages} ${what} to ${r.target}`,
      );
    }
  }
  return results.every((r) => dryRun || r.moved === r.messages) ? 0 : 1;
}

/** The dead-letter queues to redrive: all, one by name, or a department's two. */
export function selectDeadLetterQueues(
  info: Pick<TwinQueues, 'queues' | 'deadLetterQueues'>,
  name: string | undefined,
): [string, string][] {
  const entries = Object.entries(info.deadLetterQueues);
  if (name === undefined) return entries;
  const exact = entries.filter(([queue]) => queue === name);
  if (exact.length > 0) return exact;
  const departmentQueue = info.queues[name];
  if (!departmentQueue) return [];
  // A department's dead-letter queues are named after its queue: <queue>-dlq and <queue>-delivery-dlq
  // (exact names, so "support" never takes "customer-support"'s).
  const base = queueName(departmentQueue);
  return entries.filter(([queue]) => queue === `${base}-dlq` || queue === `${base}-delivery-dlq`);
}

async function redriveOne(
  sqs: SQSClient,
  name: string,
  url: string,
  dryRun: boolean,
  progress: (line: string) => void,
): Promise<RedriveResult> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  const total = Number(Attributes.ApproximateNumberOfMessages ?? 0);
  const { queueUrls = [] } = await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: url }));
  const sourceUrl = queueUrls.length === 1 ? queueUrls[0]! : undefined;
  const targets = new Set<string>();
  const urlOfArn = new Map<string, string>();
  const targetOf = async (m: Message): Promise<string | undefined> => {
    if (sourceUrl) return sourceUrl;
    const arn = m.MessageAttributes?.TARGET_ARN?.StringValue;
    if (!arn?.startsWith('arn:aws:sqs:')) return undefined;
    if (!urlOfArn.has(arn))
      urlOfArn.set(arn, (await sqs.send(new GetQueueUrlCommand({ QueueName: arn.split(':').pop()! }))).QueueUrl!);
    return urlOfArn.get(arn);
  };
  if (dryRun || total === 0) {
    // A dry run only reads the targets from a first look at the messages, leaving them visible.
    if (sourceUrl) targets.add(queueName(sourceUrl));
    else if (total > 0) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 0,
          MessageAttributeNames: ['All'],
        }),
      );
      for (const m of Messages) {
        const t = await targetOf(m);
        if (t) targets.add(queueName(t));
      }
    }
    return {
      queue: name,
      target: [...targets].join(', ') || (total === 0 ? '—' : 'unknown'),
      messages: total,
      moved: 0,
    };
  }

  let moved = 0;
  let seen = 0;
  let unknown = 0;
  const failures: string[] = [];
  for (;;) {
    progress(`${name}: ${moved} / ${total} moved`);
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: MOVE_VISIBILITY_SECONDS,
        MessageAttributeNames: ['All'],
        WaitTimeSeconds: 0,
      }),
    );
    if (Messages.length === 0) break;
    seen += Messages.length;
    const byTarget = new Map<string, Message[]>();
    for (const m of Messages) {
      const t = await targetOf(m);
      if (!t) {
        unknown++;
        continue; // left in the dead-letter queue: it becomes visible again
      }
      byTarget.set(t, [...(byTarget.get(t) ?? []), m]);
    }
    for (const [target, batch] of byTarget) {
      targets.add(queueName(target));
      // One at a time: intake messages can be up to 1 MiB each, more than a batch may carry.
      const done: Message[] = [];
      for (const m of batch) {
        try {
          const attributes = attributesToKeep(m.MessageAttributes);
          await sqs.send(
            new SendMessageCommand({
              QueueUrl: target,
              MessageBody: m.Body ?? '',
              ...(attributes ? { MessageAttributes: attributes } : {}),
            }),
          );
          done.push(m);
        } catch (err) {
          failures.push(`${m.MessageId}: ${(err as Error).message}`); // left in the dead-letter queue
        }
      }
      if (done.length > 0) {
        const deleted = await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: url,
            Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
        // A message sent on but not deleted would come back and be sent again: count only what left.
        moved += deleted.Successful?.length ?? 0;
        for (const f of deleted.Failed ?? [])
          failures.push(
            `${done[Number(f.Id)]?.MessageId}: sent, but not deleted from the dead-letter queue (${f.Code}); it will come back`,
          );
      }
    }
    // What was not moved stays hidden for the visibility timeout, so the loop ends when the queue
    // answers empty; if new dead letters keep arriving, stop rather than chase them.
    if (seen >= total + 10_000) break;
  }
  for (const f of failures.slice(0, 5)) console.error(`switchboard: ${name}: ${f}`);
  return {
    queue: name,
    target: [...targets].join(', ') || (unknown > 0 ? 'unknown' : '—'),
    messages: Math.max(total, moved + unknown),
    moved,
  };
}

/** Message attributes to send on: all but EventBridge's dead-letter notes; undefined when none. */
function attributesToKeep(
  attributes: Record<string, MessageAttributeValue> | undefined,
): Record<string, MessageAttributeValue> | undefined {
  if (!attributes) return undefined;
  const kept = Object.entries(attributes).filter(([k]) => !EVENTBRIDGE_DLQ_ATTRIBUTES.has(k));
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
}

const queueName = (url: string) => url.split('/').pop() ?? url;
