import {
  DescribeExportCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type ExportDescription,
  ExportTableToPointInTimeCommand,
  type ExportTableToPointInTimeCommandInput,
} from '@aws-sdk/client-dynamodb';
import { stackOutputs } from './stack-outputs.js';

/** Where a deployed stack's exports go, and how they are encrypted (the stack's outputs). */
export interface StackExportTarget {
  tableName: string;
  bucket: string;
  /** The audit key; without it the bucket's default encryption (the same key) applies. */
  keyArn?: string;
}

/** The prefix the daily export writes under; DynamoDB adds `AWSDynamoDB/<export id>/`. */
export const EXPORT_PREFIX = 'exports';

/** The stack's export target from its outputs; throws naming the missing output. */
export function exportTarget(stack: string, outputs: Record<string, string>): StackExportTarget {
  const tableName = outputs.TableName;
  const bucket = outputs.AuditBucketName;
  if (!tableName || !bucket)
    throw new Error(
      `stack ${stack} has no ${tableName ? 'AuditBucketName' : 'TableName'} output; deploy this version of Switchboard first`,
    );
  return { tableName, bucket, ...(outputs.AuditKeyArn ? { keyArn: outputs.AuditKeyArn } : {}) };
}

/**
 * The request that starts a full export now, the same the daily schedule sends: DynamoDB JSON
 * into the audit bucket under `exports/`, encrypted with the audit key. The client token makes
 * a retried command (same table, same minute) start one export, not two.
 */
export function exportRequest(
  target: StackExportTarget,
  tableArn: string,
  now: Date,
): ExportTableToPointInTimeCommandInput {
  return {
    TableArn: tableArn,
    S3Bucket: target.bucket,
    S3Prefix: EXPORT_PREFIX,
    ExportFormat: 'DYNAMODB_JSON',
    ExportType: 'FULL_EXPORT',
    ClientToken: `switchboard-audit-${now
      .toISOString()
      .slice(0, 16)
      .replace(/[^0-9]/g, '')}`,
    ...(target.keyArn ? { S3SseAlgorithm: 'KMS', S3SseKmsKeyId: target.keyArn } : {}),
  };
}

/** A DynamoDB refusal as something an operator can act on. */
export function exportFailureMessage(stack: string, err: unknown): string {
  const name = (err as { name?: string }).name ?? '';
  const message = (err as Error).message;
  if (name === 'PointInTimeRecoveryUnavailableException')
    return `the table of ${stack} has point-in-time recovery off, which exports need (the stack turns it on: redeploy it): ${message}`;
  if (name === 'ExportConflictException')
    return `an export of ${stack}'s table with the same client token is running already; try again in a minute: ${message}`;
  if (name === 'AccessDeniedException')
    return `your credentials may not start an export of ${stack}'s table (dynamodb:ExportTableToPointInTime, s3:PutObject on the audit bucket, kms on its key): ${message}`;
  return `could not start an export of ${stack}'s table: ${message}`;
}

/** How `auditExportStack` reports. */
export interface StackExportIO {
  json: boolean;
  wait: boolean;
  log: (line: string) => void;
  error: (line: string) => void;
  progress: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
}

/**
 * `switchboard audit export --stack <name> [--wait] [--json]`: starts a full export of the
 * deployed stack's table into its audit bucket now (what the nightly schedule does), prints the
 * export's ARN and where it lands; `--wait` follows it to the end. The daily anchor run anchors
 * it like any other export. `--json` prints `{ exportArn, status, s3Bucket, s3Prefix }`.
 */
export async function auditExportStack(
  stack: string,
  io: StackExportIO,
  client = new DynamoDBClient({}),
  outputs: (name: string) => Promise<Record<string, string>> = stackOutputs,
): Promise<number> {
  const sleep = io.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  try {
    let target: StackExportTarget;
    let tableArn: string;
    try {
      target = exportTarget(stack, await outputs(stack));
      const { Table } = await client.send(new DescribeTableCommand({ TableName: target.tableName }));
      tableArn = Table?.TableArn ?? '';
    } catch (err) {
      io.error(`switchboard: could not read stack ${stack}: ${(err as Error).message}`);
      return 1;
    }
    let description: ExportDescription | undefined;
    try {
      ({ ExportDescription: description } = await client.send(
        new ExportTableToPointInTimeCommand(exportRequest(target, tableArn, (io.now ?? (() => new Date()))())),
      ));
    } catch (err) {
      io.error(`switchboard: ${exportFailureMessage(stack, err)}`);
      return 1;
    }
    const exportArn = description?.ExportArn ?? '';
    if (!io.json)
      io.log(
        `started export ${exportArn} into s3://${target.bucket}/${EXPORT_PREFIX}/AWSDynamoDB/ (anchored daily once done)`,
      );
    while (io.wait && description?.ExportStatus === 'IN_PROGRESS') {
      await sleep(10_000);
      ({ ExportDescription: description } = await client.send(new DescribeExportCommand({ ExportArn: exportArn })));
      io.progress(`export of ${target.tableName}: ${description?.ExportStatus ?? 'unknown'}`);
    }
    io.progress('');
    const status = description?.ExportStatus ?? 'UNKNOWN';
    if (io.json) io.log(JSON.stringify({ exportArn, status, s3Bucket: target.bucket, s3Prefix: EXPORT_PREFIX }));
    else if (io.wait)
      io.log(`export ${status.toLowerCase()}${description?.FailureMessage ? `: ${description.FailureMessage}` : ''}`);
    return status === 'FAILED' ? 1 : 0;
  } finally {
    client.destroy();
  }
}
