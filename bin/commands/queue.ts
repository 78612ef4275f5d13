import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { readTwinInfo, TwinNotRunningError, type TwinQueues } from './twin-info.js';

/** Usage of `switchboard queue`; also part of the CLI's usage text. */
export const QUEUE_USAGE = `switchboard queue read <department> [--max <n>] [--wait <seconds>] [--delete] [--json]`;

/** A command line that does not fit the usage (exit 2). */
export class QueueUsageError extends Error {}

/**
 * `switchboard queue read <department>`: reads messages from a department's queue (or a
 * dead-letter queue by name) of the running local twin, as a department's consumer would with
 * an SQS client: one line per message (the engagement's id, platform, departments, priority and
 * text), or the whole message body per line with `--json`. Messages are left in the queue (they
 * come back after the visibility timeout) unless `--delete` is given. Finds the twin through
 * `.switchboard/local.json` (`SWITCHBOARD_STATE_DIR` moves it).
 */
export async function queueCommand(args: string[]): Promise<number> {
  const [verb, department, ...rest] = args;
  if (verb !== 'read' || !department || department.startsWith('--'))
    throw new QueueUsageError(`expected: ${QUEUE_USAGE}`);
  let max = 10;
  let wait = 1;
  let remove = false;
  let json = false;
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    if (flag === '--delete') remove = true;
    else if (flag === '--json') json = true;
    else if (flag === '--max' || flag === '--wait') {
      const value = Number(rest[++i]);
      const [low, high] = flag === '--max' ? [1, 10] : [0, 20];
      if (!Number.isInteger(value) || value < low || value > high)
        throw new QueueUsageError(`${flag} takes a whole number from ${low} to ${high} (SQS's limits)`);
      if (flag === '--max') max = value;
      else wait = value;
    } else throw new QueueUsageError(`unknown option "${flag}"; expected: ${QUEUE_USAGE}`);
  }

  let info: TwinQueues;
  try {
    info = readTwinInfo();
  } catch (err) {
    if (!(err instanceof TwinNotRunningError)) throw err;
    console.error(`switchboard: ${err.message}`);
    return 1;
  }
  const queueUrl = info.queues[department] ?? info.deadLetterQueues[department];
  if (!queueUrl) {
    console.error(
      `switchboard: no queue "${department}"; departments: ${Object.keys(info.queues).join(', ')}; dead-letter queues: ${Object.keys(info.deadLetterQueues).join(', ')}`,
    );
    return 1;
  }
  // The twin accepts any credentials; these keep the SDK from looking for real ones.
  const sqs = new SQSClient({
    endpoint: info.sqsEndpoint,
    region: info.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: max, WaitTimeSeconds: wait }),
    );
    for (const m of Messages) console.log(json ? (m.Body ?? '') : describe(m.Body ?? ''));
    if (remove && Messages.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
    const what = `${Messages.length} message${Messages.length === 1 ? '' : 's'} from ${department}`;
    console.error(remove ? `${what}, deleted` : `${what}, left in the queue (--delete removes them)`);
    return 0;
  } catch (err) {
    console.error(`switchboard: could not read ${queueUrl}: ${(err as Error).message} (is the twin still running?)`);
    return 1;
  } finally {
    sqs.destroy();
  }
}

/** One readable line for an "Engagement Routed" event; other bodies as they are. */
function describe(body: string): string {
  try {
    const event = JSON.parse(body) as {
      'detail-type'?: string;
      detail?: {
        id?: string;
        platform?: string;
        text?: string;
        routing?: { departments?: string[]; priority?: string };
      };
    };
    const d = event.detail;
    if (!d?.id) return body;
    const text = (d.text ?? '').replace(/\s+/g, ' ');
    return `${d.id}  ${event['detail-type'] ?? ''} → ${(d.routing?.departments ?? []).join(', ')} (${d.routing?.priority ?? '?'})  ${text.length > 80 ? `${text.slice(0, 79)}…` : text}`;
  } catch {
    return body;
  }
}
