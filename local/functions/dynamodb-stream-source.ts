import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
  type DynamoDBStreamsClient,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { compilePattern, type CompiledPattern } from '#core/patterns/index.js';
import type { LocalFunction } from './function-runner.js';

/** An AWS::Lambda::EventSourceMapping from a table's stream, resolved to local names. */
export interface StreamEventSourceSpec {
  /** The local stream's ARN (DynamoDB Local's `LatestStreamArn`). */
  streamArn: string;
  /** The ARN the function sees as `eventSourceARN` (the template's). */
  eventSourceArn: string;
  region: string;
  batchSize: number;
  /** `MaximumBatchingWindowInSeconds`, in ms. */
  maxBatchingWindowMs: number;
  /** `FilterCriteria.Filters[].Pattern`: a record passes if any matches; none means all pass. */
  filters: string[];
  /** Where a shard is first read from: `TRIM_HORIZON` or `LATEST`. */
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  /** `ReportBatchItemFailures` in FunctionResponseTypes. */
  reportBatchItemFailures: boolean;
  /** Retries of a failing batch before it is given up on (`MaximumRetryAttempts`; -1 for ever). */
  maxRetryAttempts: number;
  /** `BisectBatchOnFunctionError`: a failing batch is split in two before retrying. */
  bisect: boolean;
  /** The on-failure destination (an SQS queue URL) that gets a given-up batch's place in the stream. */
  onFailureQueueUrl?: string;
  /**
   * A file to keep each shard's last processed sequence number in, so a twin that keeps its data
   * resumes after what it published rather than from the start (or the end) of the stream.
   */
  checkpointFile?: string;
  /** Backoff before a retry, in ms (the twin's stand-in for Lambda's). @default 200 */
  retryDelayMs?: number;
  /** Wait between reads of an idle shard, in ms (Lambda reads each shard about four times a second). @default 250 */
  idlePollMs?: number;
}

type Checkpoints = Record<string, string>;

/**
 * Reads a table's stream and invokes the function with batches, as Lambda's DynamoDB event
 * source does: shard by shard in order, filtered by the mapping's patterns (records that do not
 * match are dropped, as Lambda drops them), up to `batchSize` records or the batching window.
 * A batch the function fails is retried — from the first record it reports failed when it
 * reports batch item failures, split in two on each retry when bisecting — and after
 * `maxRetryAttempts` retries its place in the stream is sent to the on-failure queue and the
 * shard moves on. Records are processed at least once and in order within a shard.
 */
export class DynamoDbStreamSource {
  private running = false;
  private loop: Promise<void> | undefined;
  private inFlight = 0;
  private unread = false;
  private readonly filters: CompiledPattern[];
  private readonly checkpoints: Checkpoints;

  constructor(
    private readonly streams: DynamoDBStreamsClient,
    private readonly sqs: SQSClient,
    private readonly fn: LocalFunction,
    private readonly spec: StreamEventSourceSpec,
    private readonly onError: (err: Error) => void = (err) =>
      console.error(`[stream→${fn.spec.functionName}] ${err.message}`),
  ) {
    this.filters = spec.filters.map((f) => compilePattern(f));
    this.checkpoints =
      spec.checkpointFile && existsSync(spec.checkpointFile)
        ? (JSON.parse(readFileSync(spec.checkpointFile, 'utf8')) as Checkpoints)
        : {};
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** True while records are being read or a batch is being processed (tests wait for quiet). */
  get busy(): boolean {
    return this.inFlight > 0 || this.unread;
  }

  private async run(): Promise<void> {
    // Open shards, each read by its own loop; a closed shard's children are found on the next describe.
    const reading = new Map<string, Promise<void>>();
    const done = new Set<string>();
    let firstLook = true;
    while (this.running) {
      try {
        const { StreamDescription } = await this.streams.send(
          new DescribeStreamCommand({ StreamArn: this.spec.streamArn }),
        );
        for (const shard of StreamDescription?.Shards ?? []) {
          const id = shard.ShardId ?? '';
          if (reading.has(id) || done.has(id)) continue;
          // A child shard is read only once its parent is finished, to keep each item's order.
          if (shard.ParentShardId && reading.has(shard.ParentShardId) && !done.has(shard.ParentShardId)) continue;
          // The starting position applies to the shards there at the start; a shard that opens
          // later is read from its beginning, as Lambda reads a child shard.
          reading.set(
            id,
            this.readShard(id, firstLook ? this.spec.startingPosition : 'TRIM_HORIZON').finally(() => done.add(id)),
          );
        }
        firstLook = false;
      } catch (err) {
        if (this.running) this.onError(err as Error);
      }
      await sleep(2_000, () => !this.running);
    }
    await Promise.all(reading.values());
  }

  private async readShard(shardId: string, startingPosition: ShardIteratorType): Promise<void> {
    /** An iterator after the last record processed, else at `fallback`; retried until it is had (or the source stops). */
    const iteratorAt = async (fallback: ShardIteratorType): Promise<string | undefined> => {
      for (;;) {
        const after = this.checkpoints[shardId];
        const type: ShardIteratorType = after ? 'AFTER_SEQUENCE_NUMBER' : fallback;
        try {
          return (
            await this.streams.send(
              new GetShardIteratorCommand({
                StreamArn: this.spec.streamArn,
                ShardId: shardId,
                ShardIteratorType: type,
                ...(after ? { SequenceNumber: after } : {}),
              }),
            )
          ).ShardIterator;
        } catch (err) {
          if (!this.running) return undefined;
          const name = (err as Error).name;
          this.onError(new Error(`GetShardIterator on ${shardId}: ${name}: ${(err as Error).message}`));
          // A kept position older than the stream's oldest record: what was between is gone; go on from the oldest.
          if (name === 'TrimmedDataAccessException' && after) {
            this.onError(
              new Error(`records of ${shardId} after ${after} were trimmed from the stream before they were read`),
            );
            delete this.checkpoints[shardId];
          } else await sleep(1_000, () => !this.running);
        }
      }
    };
    let iterator = await iteratorAt(startingPosition);
    let buffer: DynamoDBRecord[] = [];
    let windowStart = 0;
    while (this.running && iterator) {
      let records: _Record[] = [];
      try {
        const out = await this.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1_000 }));
        records = out.Records ?? [];
        iterator = out.NextShardIterator;
      } catch (err) {
        if (!this.running) return;
        const name = (err as Error).name;
        this.onError(new Error(`GetRecords on ${shardId}: ${name}: ${(err as Error).message}`));
        // An iterator that expired or points before the oldest record kept is replaced (the
        // buffer is dropped: it is read again after the last processed record).
        if (name === 'ExpiredIteratorException' || name === 'TrimmedDataAccessException') {
          buffer = [];
          iterator = await iteratorAt('TRIM_HORIZON');
        } else await sleep(1_000, () => !this.running);
        continue;
      }
      this.unread = records.length > 0 || buffer.length > 0;
      const passing = records
        .map((r) => this.toLambdaRecord(r))
        .filter((r) => this.filters.length === 0 || this.filters.some((f) => f.matches(r)));
      if (passing.length > 0 && buffer.length === 0) windowStart = Date.now();
      buffer.push(...passing);
      const last = records.at(-1)?.dynamodb?.SequenceNumber;
      const windowOver = Date.now() - windowStart >= this.spec.maxBatchingWindowMs;
      while (buffer.length >= this.spec.batchSize || (buffer.length > 0 && (windowOver || !iterator))) {
        const batch = buffer.slice(0, this.spec.batchSize);
        buffer = buffer.slice(batch.length);
        // Stopped half-way through a failing batch: keep the position before it, so a restart
        // delivers it again rather than skipping what was never processed.
        if (!(await this.deliver(batch, shardId))) return;
        this.checkpoint(shardId, batch.at(-1)!.dynamodb!.SequenceNumber!);
      }
      // Records the filters dropped move the checkpoint too, once nothing before them is pending.
      if (buffer.length === 0 && last) this.checkpoint(shardId, last);
      this.unread = buffer.length > 0;
      if (records.length === 0)
        await sleep(
          buffer.length > 0
            ? Math.min(this.spec.idlePollMs ?? 250, this.spec.maxBatchingWindowMs)
            : (this.spec.idlePollMs ?? 250),
          () => !this.running,
        );
    }
  }

  /**
   * Invokes the function until the batch succeeds or its retries run out, as Lambda does: a batch
   * the function reports partly failed is run again from the first failed record, whole; a batch
   * the function failed (threw, timed out) is split in two when bisecting. Answers false when the
   * source stopped before the batch was done.
   */
  private async deliver(batch: DynamoDBRecord[], shardId: string): Promise<boolean> {
    const queue: DynamoDBRecord[][] = [batch];
    while (queue.length > 0) {
      let records = queue.shift()!;
      for (let retries = 0; records.length > 0; retries++) {
        const outcome = await this.invoke(records);
        if (outcome === undefined) break;
        records = records.slice(outcome.failedFrom);
        if (!this.running) return false;
        if (this.spec.maxRetryAttempts >= 0 && retries >= this.spec.maxRetryAttempts) {
          await this.giveUp(records, shardId);
          break;
        }
        if (outcome.functionError && this.spec.bisect && records.length > 1) {
          const half = Math.ceil(records.length / 2);
          queue.unshift(records.slice(half));
          records = records.slice(0, half);
        }
        await sleep(this.spec.retryDelayMs ?? 200, () => !this.running);
      }
    }
    return true;
  }

  /** Runs one batch; answers where to run it again from (and whether the function failed), or undefined when it all succeeded. */
  private async invoke(records: DynamoDBRecord[]): Promise<{ failedFrom: number; functionError: boolean } | undefined> {
    this.inFlight++;
    try {
      const result = (await this.fn.invoke({ Records: records } satisfies DynamoDBStreamEvent)) as
        | DynamoDBBatchResponse
        | undefined;
      if (!this.spec.reportBatchItemFailures) return undefined;
      const failed = (result?.batchItemFailures ?? []).map((f) =>
        records.findIndex((r) => r.dynamodb?.SequenceNumber === f.itemIdentifier),
      );
      // An identifier that names no record of the batch fails it all, as Lambda treats it.
      if (failed.some((i) => i < 0)) return { failedFrom: 0, functionError: false };
      return failed.length > 0 ? { failedFrom: Math.min(...failed), functionError: false } : undefined;
    } catch (err) {
      this.onError(err as Error);
      return { failedFrom: 0, functionError: true };
    } finally {
      this.inFlight--;
    }
  }

  /** Sends the place in the stream of records given up on to the on-failure queue, as Lambda does. */
  private async giveUp(records: DynamoDBRecord[], shardId: string): Promise<void> {
    const first = records[0]!.dynamodb!;
    const last = records.at(-1)!.dynamodb!;
    this.onError(
      new Error(
        `gave up on ${records.length} stream record(s) from ${first.SequenceNumber} after ${this.spec.maxRetryAttempts} retries`,
      ),
    );
    if (!this.spec.onFailureQueueUrl) return;
    const info = {
      requestContext: {
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: this.spec.maxRetryAttempts + 1,
        functionArn: this.fn.spec.functionName,
      },
      DDBStreamBatchInfo: {
        shardId,
        startSequenceNumber: first.SequenceNumber,
        endSequenceNumber: last.SequenceNumber,
        batchSize: records.length,
        streamArn: this.spec.eventSourceArn,
      },
      timestamp: new Date().toISOString(),
    };
    await this.sqs
      .send(new SendMessageCommand({ QueueUrl: this.spec.onFailureQueueUrl, MessageBody: JSON.stringify(info) }))
      .catch((err: Error) => this.onError(err));
  }

  private checkpoint(shardId: string, sequence: string): void {
    if (this.checkpoints[shardId] === sequence) return;
    this.checkpoints[shardId] = sequence;
    if (!this.spec.checkpointFile) return;
    mkdirSync(dirname(this.spec.checkpointFile), { recursive: true });
    writeFileSync(this.spec.checkpointFile, JSON.stringify(this.checkpoints));
  }

  /** A stream record as Lambda hands it to a function (epoch seconds, the mapping's ARN and region). */
  private toLambdaRecord(r: _Record): DynamoDBRecord {
    const d = r.dynamodb ?? {};
    const created = d.ApproximateCreationDateTime as Date | number | undefined;
    return {
      eventID: r.eventID,
      eventName: r.eventName,
      eventVersion: r.eventVersion,
      eventSource: 'aws:dynamodb',
      awsRegion: this.spec.region,
      eventSourceARN: this.spec.eventSourceArn,
      dynamodb: {
        ...(created !== undefined
          ? {
              ApproximateCreationDateTime: typeof created === 'number' ? created : Math.floor(created.getTime() / 1000),
            }
          : {}),
        Keys: d.Keys as never,
        ...(d.NewImage ? { NewImage: d.NewImage as never } : {}),
        ...(d.OldImage ? { OldImage: d.OldImage as never } : {}),
        SequenceNumber: d.SequenceNumber,
        SizeBytes: d.SizeBytes,
        StreamViewType: d.StreamViewType,
      },
    } as DynamoDBRecord;
  }
}

/** Waits `ms`, or less if `stop()` turns true (checked every 100 ms). */
async function sleep(ms: number, stop: () => boolean): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && !stop()) await new Promise((r) => setTimeout(r, Math.min(100, until - Date.now())));
}
