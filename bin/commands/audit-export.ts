import {
  DescribeTableCommand,
  type DynamoDBClient,
  ScanCommand,
  type ScanCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, existsSync, readdirSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, type Gzip } from 'node:zlib';
import {
  buildManifestSummary,
  checksums,
  DATA_FOLDER,
  DEFAULT_FILE_LIMITS,
  dataFileKey,
  exportFolderName,
  exportLine,
  type FileLimits,
  fileIsFull,
  MANIFEST_FILES_FILE,
  MANIFEST_SUMMARY_FILE,
  type ManifestFileEntry,
  type ManifestSummary,
  manifestFilesText,
  newDataFileName,
  newExportId,
  STARTED_FILE,
  tableIdFor,
} from '../../lambdas/core/audit/export-format.js';
import { type AnchorFile, anchorExport, anchorsFolder } from './audit-anchors.js';
import { auditExportStack } from './audit-export-stack.js';
import { exportsFolder, stateDirectory } from './export-reader.js';
import { TwinNotRunningError, twinTable } from './twin-info.js';

/** Usage of `switchboard audit export`; also part of the CLI's usage text. */
export const AUDIT_EXPORT_USAGE = 'switchboard audit export [--out <dir>] [--json] [--stack <name> [--wait]]';

/** A command line that does not fit the usage (exit 2). */
export class AuditUsageError extends Error {}

/** Items to export, in DynamoDB JSON as the SDK gives them (binary values as bytes). */
export type ExportSource = () => AsyncIterable<Record<string, unknown>>;

/** The exported table, as its manifest summary names it. */
export interface ExportedTable {
  tableArn: string;
  tableId: string;
}

/** How {@link writeExport} cuts files, tells the time and reports progress. */
export interface WriteExportOptions {
  /** When a data file is full (default: 10,000 items or 50 MiB of lines). */
  limits?: FileLimits;
  now?: () => Date;
  /** Called after every item with the items written so far and the data files begun. */
  onProgress?: (items: number, files: number) => void;
}

/** A finished export. */
export interface ExportResult {
  dir: string;
  exportId: string;
  items: number;
  files: number;
  summary: ManifestSummary;
}

/**
 * `switchboard audit export [--out <dir>] [--json] [--stack <name>]`: writes the running local
 * twin's table to `<dir>` (default `.switchboard/exports/<time>/`, `SWITCHBOARD_STATE_DIR` moves
 * it) in DynamoDB's export format (DYNAMODB_JSON, see `lambdas/core/audit/export-format.ts`),
 * read with one consistent, paged Scan and written as it comes. Shows progress on a terminal;
 * prints `exported <n> items in <k> file(s) to <dir>` (`--json`: `{ dir, items, files }`).
 * Each export is then anchored (`<state dir>/anchors/<export id>.json`, the heads of its audit
 * chains and their root; see `audit-anchors.ts`), as the audit bucket's daily anchor is on AWS.
 * `--stack <name> [--wait]` starts a deployed stack's export into its audit bucket instead
 * (`auditExportStack`). Exit codes: 0 exported, 1 failure (no twin, unreadable table, the
 * folder not empty), 2 usage.
 */
export async function auditExportCommand(args: string[]): Promise<number> {
  let out: string | undefined;
  let stack: string | undefined;
  let json = false;
  let wait = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--json') json = true;
    else if (arg === '--wait') wait = true;
    else if (arg === '--out' || arg === '--stack') {
      const value = args[++i];
      if (!value || value.startsWith('--'))
        throw new AuditUsageError(
          `${arg} needs a ${arg === '--out' ? 'folder' : 'stack name'}; expected: ${AUDIT_EXPORT_USAGE}`,
        );
      if (arg === '--out') out = value;
      else stack = value;
    } else
      throw new AuditUsageError(
        `${arg.startsWith('--') ? `unknown option "${arg}"` : `unexpected argument "${arg}"`}; expected: ${AUDIT_EXPORT_USAGE}`,
      );
  }
  const progress =
    process.stderr.isTTY && !json ? (line: string) => process.stderr.write(`\r\x1b[2K${line}`) : () => undefined;
  if (stack !== undefined) {
    if (out !== undefined)
      throw new AuditUsageError(
        `--out is for the twin; a stack exports into its audit bucket; expected: ${AUDIT_EXPORT_USAGE}`,
      );
    return auditExportStack(stack, {
      json,
      wait,
      log: (line) => console.log(line),
      error: (line) => console.error(line),
      progress,
    });
  }
  if (wait) throw new AuditUsageError(`--wait is for --stack; expected: ${AUDIT_EXPORT_USAGE}`);

  let tableName: string;
  let client: DynamoDBClient;
  let endpoint: string;
  try {
    ({
      tableName,
      client,
      info: { dynamodbEndpoint: endpoint },
    } = twinTable());
  } catch (err) {
    if (!(err instanceof TwinNotRunningError)) throw err;
    console.error(`switchboard: ${err.message}`);
    return 1;
  }
  try {
    let table: ExportedTable & { approximateItems?: number };
    try {
      table = await describe(client, tableName);
    } catch (err) {
      console.error(
        `switchboard: could not read table ${tableName} at ${endpoint}: ${(err as Error).message} (is the twin still running?)`,
      );
      return 1;
    }
    let dir: string;
    if (out === undefined) dir = await freshExportFolder(new Date());
    else {
      dir = resolve(out);
      if (existsSync(dir) && readdirSync(dir).length > 0) {
        console.error(`switchboard: ${dir} is not empty; name a new or empty folder with --out`);
        return 1;
      }
    }
    // DescribeTable's count is refreshed now and then, not live: a hint for the progress line only.
    const of = table.approximateItems ? ` of ~${table.approximateItems}` : '';
    let shownAt = 0;
    let result: ExportResult;
    try {
      result = await writeExport(dir, table, scanTable(client, tableName), {
        onProgress: (items, files) => {
          if (Date.now() - shownAt < 100) return;
          shownAt = Date.now();
          progress(`exporting ${tableName}: ${items}${of} items, ${files} file(s)`);
        },
      });
    } catch (err) {
      progress('');
      // A default folder is this run's own: what it holds is no export, so it goes.
      if (out === undefined) await rm(dir, { recursive: true, force: true });
      console.error(`switchboard: export of ${tableName} failed: ${(err as Error).message}`);
      return 1;
    }
    progress('anchoring the export');
    let anchored: AnchorFile;
    try {
      anchored = await anchorExport(result.dir, anchorsFolder(stateDirectory()));
    } catch (err) {
      progress('');
      console.error(`switchboard: exported to ${result.dir}, but could not anchor it: ${(err as Error).message}`);
      return 1;
    }
    progress('');
    console.log(
      json
        ? JSON.stringify({ dir: result.dir, items: result.items, files: result.files })
        : `exported ${result.items} items in ${result.files} file(s) to ${result.dir}\nanchored ${anchored.anchor.chains} audit chain(s): root ${anchored.anchor.root} (${anchored.file})`,
    );
    return 0;
  } finally {
    client.destroy();
  }
}

/**
 * Writes the items `source` yields to `dir` as a DynamoDB full export: `_started` first, the data
 * files as the items come (gzip, one line each, a new file when one is full, never all items in
 * memory), then `manifest-files.json`, and `manifest-summary.json` last, by rename, so a folder
 * with a summary is a finished export. At least one data file, as DynamoDB writes an empty one
 * for an empty partition. `dir` is created if missing; a folder this call created is removed
 * again when the export fails.
 */
export async function writeExport(
  dir: string,
  table: ExportedTable,
  source: ExportSource,
  options: WriteExportOptions = {},
): Promise<ExportResult> {
  const now = options.now ?? (() => new Date());
  const limits = options.limits ?? DEFAULT_FILE_LIMITS;
  const startTime = now();
  const exportId = newExportId(startTime);
  const created = !existsSync(dir);
  const entries: ManifestFileEntry[] = [];
  let items = 0;
  let bytes = 0;
  let file: DataFileWriter | undefined;
  const finish = async (current: DataFileWriter) => {
    entries.push(await current.close());
    file = undefined;
  };
  try {
    await mkdir(join(dir, DATA_FOLDER), { recursive: true });
    await writeFile(join(dir, STARTED_FILE), '');
    for await (const item of source()) {
      file ??= new DataFileWriter(dir, newDataFileName());
      const line = exportLine(item);
      await file.write(line);
      items++;
      bytes += Buffer.byteLength(line);
      options.onProgress?.(items, entries.length + 1);
      if (fileIsFull(file.items, file.bytes, limits)) await finish(file);
    }
    if (file || entries.length === 0) await finish(file ?? new DataFileWriter(dir, newDataFileName()));
    await writeFile(join(dir, MANIFEST_FILES_FILE), manifestFilesText(entries));
    const endTime = now();
    const summary = buildManifestSummary({
      exportId,
      ...table,
      startTime,
      endTime,
      // A Scan is not a point in time: what it shows was read from its start to its end.
      exportTime: startTime,
      itemCount: items,
      // AWS bills an export by the table's size; the nearest measure here is the items' JSON.
      billedSizeBytes: bytes,
    });
    const partial = join(dir, `${MANIFEST_SUMMARY_FILE}.partial`);
    await writeFile(partial, `${JSON.stringify(summary, null, 2)}\n`);
    await rename(partial, join(dir, MANIFEST_SUMMARY_FILE));
    return { dir, exportId, items, files: entries.length, summary };
  } catch (err) {
    await file?.abort();
    if (created) await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * One data file being written: lines go through gzip to the file, the gzipped bytes through an
 * MD5 on the way (the manifest's checksums are of the file as stored).
 */
class DataFileWriter {
  items = 0;
  bytes = 0;
  private readonly gzip: Gzip = createGzip();
  private readonly md5 = createHash('md5');
  private readonly written: Promise<void>;

  constructor(
    dir: string,
    private readonly name: string,
  ) {
    const md5 = this.md5;
    this.written = pipeline(
      this.gzip,
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          md5.update(chunk);
          done(null, chunk);
        },
      }),
      // 'wx': a random name that is taken means something is wrong; never overwrite.
      createWriteStream(join(dir, dataFileKey(name)), { flags: 'wx' }),
    );
    // Awaited in close(); until then a failure must not surface as an unhandled rejection.
    this.written.catch(() => undefined);
  }

  async write(line: string): Promise<void> {
    this.items++;
    this.bytes += Buffer.byteLength(line);
    // Waits while gzip's buffer is full, so a fast scan never piles items up in memory.
    if (!this.gzip.write(line)) await Promise.race([once(this.gzip, 'drain'), this.written]);
  }

  async close(): Promise<ManifestFileEntry> {
    this.gzip.end();
    await this.written;
    return { itemCount: this.items, ...checksums(this.md5.digest()), dataFileS3Key: dataFileKey(this.name) };
  }

  async abort(): Promise<void> {
    this.gzip.destroy();
    await this.written.catch(() => undefined);
  }
}

/** The table's ARN and id (DynamoDB Local has no id: one is made from the ARN) and its approximate size. */
async function describe(
  client: DynamoDBClient,
  tableName: string,
): Promise<ExportedTable & { approximateItems?: number }> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const tableArn = Table?.TableArn ?? `arn:aws:dynamodb:local:000000000000:table/${tableName}`;
  return {
    tableArn,
    tableId: Table?.TableId ?? tableIdFor(tableArn, Table?.CreationDateTime),
    approximateItems: Table?.ItemCount,
  };
}

/** Every item of the table: one consistent Scan, page by page (a page is at most 1 MB). */
function scanTable(client: DynamoDBClient, tableName: string): ExportSource {
  return async function* scan() {
    let start: ScanCommandOutput['LastEvaluatedKey'];
    do {
      const page: ScanCommandOutput = await client.send(
        new ScanCommand({ TableName: tableName, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) }),
      );
      yield* page.Items ?? [];
      start = page.LastEvaluatedKey;
    } while (start);
  };
}

/**
 * Makes `<state dir>/exports/<time>/`, or `<time>-02`, `-03`… when an export already took that
 * second: made with one mkdir each, so two exports at once never share a folder, and the names
 * still sort in the order the exports began (`newestExport`).
 */
async function freshExportFolder(at: Date): Promise<string> {
  const base = join(exportsFolder(stateDirectory()), exportFolderName(at));
  await mkdir(dirname(base), { recursive: true });
  for (let n = 1; n < 100; n++) {
    const dir = n === 1 ? base : `${base}-${String(n).padStart(2, '0')}`;
    try {
      await mkdir(dir);
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new Error(`${base}: too many exports in one second`);
}
