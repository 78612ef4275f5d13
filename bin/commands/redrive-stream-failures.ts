import {
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { sqsHandOff } from '#aws/sqs-republish.js';
import type { RedriveResult } from './redrive-result.js';
import { EVENT_SORT_KEY_PREFIX } from '#aws/dynamodb-lifecycle-store.js';
import { storedEventId } from '#core/lifecycle/ports/event-publisher.js';

/** What Lambda puts in an on-failure destination for a stream batch it gave up on (the part read here). */
interface StreamBatchFailure {
  DDBStreamBatchInfo?: {
    shardId?: string;
    startSequenceNumber?: string;
    endSequenceNumber?: string;
    streamArn?: string;
  };
}

/** How long a failure message stays hidden while its records are read and handed on. */
const VISIBILITY_SECONDS = 300;
/** Empty pages in a row after which a shard that is still open is taken as read to its end. */
const EMPTY_PAGES = 3;

/**
 * Redrives a stream's on-failure queue (the publish failures queue): each message names a batch
 * of table stream records the publish function gave up on (shard, first and last sequence
 * numbers), not the engagements themselves. The records are read back from the stream, and each
 * stored engagement among them is handed to the republish queue by id, as the publish function
 * hands over what the bus refuses; the republish side reads it from the table and publishes it.
 * The message is deleted only once all its ids were taken. A stream keeps records for 24 hours:
 * a message whose records are gone stays in the queue, and the error says so.
 */
export async function redriveStreamFailures(
  sqs: SQSClient,
  streams: DynamoDBStreamsClient,
  name: string,
  url: string,
  republishQueueUrl: string,
  dryRun: boolean,
  progress: (line: string) => void,
): Promise<RedriveResult & { engagements: number }> {
  const target = republishQueueUrl.split('/').pop() ?? republishQueueUrl;
  const handOff = sqsHandOff(sqs, republishQueueUrl);
  let messages = 0;
  let moved = 0;
  let engagements = 0;
  const failures: string[] = [];
  if (dryRun) {
    // A dry run counts the messages and reads the records of the first ten, leaving them visible.
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
    );
    for (const m of Messages)
      engagements += (await engagementIds(streams, JSON.parse(m.Body ?? '{}') as StreamBatchFailure)).length;
    return {
      queue: name,
      target,
      messages: Number(Attributes.ApproximateNumberOfMessages ?? 0),
      moved: 0,
      engagements,
    };
  }
  for (;;) {
    progress(`${name}: ${moved} / ${messages} batch(es) republished, ${engagements} engagement(s)`);
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: VISIBILITY_SECONDS,
        WaitTimeSeconds: 0,
      }),
    );
    if (Messages.length === 0) break;
    for (const m of Messages) {
      messages++;
      try {
        const ids = await engagementIds(streams, JSON.parse(m.Body ?? '{}') as StreamBatchFailure);
        engagements += ids.length;
        const { failed } = await handOff(ids);
        if (failed.length > 0)
          throw new Error(`the republish queue did not take ${failed.length} of ${ids.length} engagement id(s)`);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle! }));
        moved++;
      } catch (err) {
        failures.push(`${m.MessageId}: ${(err as Error).message}`); // left in the queue: it becomes visible again
      }
    }
  }
  for (const f of failures.slice(0, 5)) console.error(`switchboard: ${name}: ${f}`);
  return { queue: name, target, messages, moved, engagements };
}

/** The ids of the engagements and lifecycle events stored by the stream records a failure message names. */
async function engagementIds(streams: DynamoDBStreamsClient, failure: StreamBatchFailure): Promise<string[]> {
  const info = failure.DDBStreamBatchInfo;
  if (!info?.streamArn || !info.shardId || !info.startSequenceNumber || !info.endSequenceNumber)
    throw new Error(
      'not a stream batch failure: DDBStreamBatchInfo with streamArn, shardId, startSequenceNumber and endSequenceNumber expected',
    );
  const end = BigInt(info.endSequenceNumber);
  let iterator: string | undefined;
  try {
    ({ ShardIterator: iterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: info.streamArn,
        ShardId: info.shardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        SequenceNumber: info.startSequenceNumber,
      }),
    ));
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'TrimmedDataAccessException' || name === 'ResourceNotFoundException') {
      throw new Error(
        `the stream no longer holds records ${info.startSequenceNumber}–${info.endSequenceNumber} (a stream keeps them 24 hours); republish the engagements stored then from the table`,
      );
    }
    throw err;
  }
  const ids = new Set<string>();
  let empty = 0;
  while (iterator && empty < EMPTY_PAGES) {
    const page: { Records?: _Record[]; NextShardIterator?: string } = await streams.send(
      new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }),
    );
    const records = page.Records ?? [];
    empty = records.length === 0 ? empty + 1 : 0;
    for (const r of records) {
      if (BigInt(r.dynamodb?.SequenceNumber ?? '0') > end) return [...ids];
      const pk = r.dynamodb?.Keys?.pk?.S;
      const sk = r.dynamodb?.Keys?.sk?.S;
      if (r.eventName !== 'INSERT' || !pk?.startsWith('ENG#')) continue;
      if (sk === 'ENGAGEMENT') ids.add(pk.slice('ENG#'.length));
      // A lifecycle event goes back by its engagement and key, as the publish function hands it off.
      else if (sk?.startsWith(EVENT_SORT_KEY_PREFIX))
        ids.add(storedEventId(pk.slice('ENG#'.length), sk.slice(EVENT_SORT_KEY_PREFIX.length)));
    }
    iterator = page.NextShardIterator;
  }
  return [...ids];
}
