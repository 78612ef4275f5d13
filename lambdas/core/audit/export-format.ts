/**
 * The on-disk format of a table export, as DynamoDB's `ExportTableToPointInTime` writes it with
 * `ExportFormat: DYNAMODB_JSON` under `AWSDynamoDB/<exportId>/` (see the DynamoDB developer
 * guide, "DynamoDB table export output format"):
 *
 * - `manifest-summary.json`: one object about the export ({@link ManifestSummary}), written last;
 * - `manifest-files.json`: JSON Lines, one {@link ManifestFileEntry} per data file;
 * - `data/<name>.json.gz`: gzip, JSON Lines, one `{"Item": {…DynamoDB JSON…}}` per item.
 *
 * Keeping to DynamoDB's own format means the twin's exports and a deployed stack's read the same
 * way (`audit query`, `audit verify`, Athena, Glue). This module is the format only, pure: no file
 * system, no AWS SDK; the CLI streams the files.
 */
import { Buffer } from 'node:buffer';
import { createHash, randomBytes } from 'node:crypto';

/** The `version` DynamoDB writes in every manifest summary. */
export const EXPORT_FORMAT_VERSION = '2020-06-30';
export const MANIFEST_SUMMARY_FILE = 'manifest-summary.json';
export const MANIFEST_FILES_FILE = 'manifest-files.json';
/** The folder of the data files, relative to the export's root. */
export const DATA_FOLDER = 'data';
/** The empty file DynamoDB writes first, to show the export has begun (and the place is writable). */
export const STARTED_FILE = '_started';

/**
 * When a data file is full: DynamoDB writes at least one file per partition; the twin's table
 * has one partition, so files are cut by size instead, small enough to read, hash and load one
 * at a time.
 */
export const DEFAULT_FILE_LIMITS: FileLimits = { maxItems: 10_000, maxBytes: 50 * 1024 * 1024 };

/** How many items, or uncompressed bytes of lines, a data file holds at most. */
export interface FileLimits {
  maxItems: number;
  maxBytes: number;
}

/**
 * A DynamoDB attribute value in an export's JSON: `{ "S": "…" }`, `{ "N": "12" }`, binary as
 * base64 text (`{ "B": "…" }`), and so on. Kept loose (one type key → its value): the core does
 * not depend on the AWS SDK's types.
 */
export type ExportAttributeValue = Record<string, unknown>;
/** An item in DynamoDB JSON: attribute name → attribute value. */
export type ExportItem = Record<string, ExportAttributeValue>;

/** `manifest-summary.json`, with the fields DynamoDB writes for a full export. */
export interface ManifestSummary {
  version: string;
  exportArn: string;
  startTime: string;
  endTime: string;
  tableArn: string;
  tableId: string;
  /** The point in time the export shows (the twin's: when its scan began). */
  exportTime: string;
  s3Bucket: string | null;
  s3Prefix: string | null;
  s3SseAlgorithm: string | null;
  s3SseKmsKeyId: string | null;
  manifestFilesS3Key: string;
  billedSizeBytes: number;
  itemCount: number;
  outputFormat: 'DYNAMODB_JSON';
  exportType: 'FULL_EXPORT';
}

/** One line of `manifest-files.json`: a data file, its item count and checksums. */
export interface ManifestFileEntry {
  itemCount: number;
  /** Base64 of the MD5 digest of the (gzipped) file, as S3's Content-MD5. */
  md5Checksum: string;
  /** Hex of the same MD5, as S3's ETag for an object written in one part. */
  etag: string;
  /** The file's key, relative to the export's root: `data/<name>.json.gz`. */
  dataFileS3Key: string;
}

/** What a summary needs beyond the counts: the table, where, and when. */
export interface SummaryInput {
  exportId: string;
  tableArn: string;
  tableId: string;
  startTime: Date;
  endTime: Date;
  exportTime: Date;
  itemCount: number;
  billedSizeBytes: number;
  /** Null for an export on this machine; the bucket and prefix for one in S3. */
  s3Bucket?: string | null;
  s3Prefix?: string | null;
}

/** A manifest or data file that does not hold what the format says; names the file. */
export class ExportFormatError extends Error {}

/**
 * An export id as DynamoDB makes them: the start in milliseconds (14 digits) and 8 random hex
 * digits, e.g. `01733500200000-1a2b3c4d`; sorts by start time.
 */
export function newExportId(at: Date, random: Uint8Array = randomBytes(4)): string {
  return `${String(at.getTime()).padStart(14, '0')}-${Buffer.from(random.subarray(0, 4)).toString('hex')}`;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * A data file's name as DynamoDB makes them: 26 random base32 characters (130 bits), e.g.
 * `s3rcacg63a6lfieybvp7dw357y`; the key is `data/<name>.json.gz` ({@link dataFileKey}).
 */
export function newDataFileName(random: Uint8Array = randomBytes(26)): string {
  if (random.length < 26) throw new RangeError('a data file name takes 26 random bytes');
  let name = '';
  for (let i = 0; i < 26; i++) name += BASE32[random[i]! & 31];
  return name;
}

/** The key of a data file, relative to the export's root. */
export const dataFileKey = (name: string): string => `${DATA_FOLDER}/${name}.json.gz`;

/**
 * An export folder's name for a time, e.g. `2026-12-06T15-50-00Z`: to the second, without
 * colons (not allowed in file names everywhere), so names sort as times do.
 */
export function exportFolderName(at: Date): string {
  return `${at.toISOString().slice(0, 19).replaceAll(':', '-')}Z`;
}

/**
 * A table id for a table that has none (DynamoDB Local's DescribeTable gives no `TableId`): a
 * UUID-shaped digest of its ARN and creation time, so every export of the same table names the
 * same id, and a table made anew under the same name (the twin's, on each start) another, as
 * on AWS: its audit anchors are not the new table's.
 */
export function tableIdFor(tableArn: string, created?: Date): string {
  const hex = createHash('sha256')
    .update(created ? `${tableArn}\n${created.toISOString()}` : tableArn)
    .digest('hex');
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20, 32)].join('-');
}

/** `md5Checksum` (base64) and `etag` (hex) of a file's MD5 digest, as S3 reports them. */
export function checksums(md5: Uint8Array): Pick<ManifestFileEntry, 'md5Checksum' | 'etag'> {
  if (md5.length !== 16) throw new RangeError('an MD5 digest has 16 bytes');
  const digest = Buffer.from(md5);
  return { md5Checksum: digest.toString('base64'), etag: digest.toString('hex') };
}

/** Whether a file with `items` items and `bytes` uncompressed bytes is full. */
export const fileIsFull = (items: number, bytes: number, limits: FileLimits = DEFAULT_FILE_LIMITS): boolean =>
  items >= limits.maxItems || bytes >= limits.maxBytes;

/**
 * One line of a data file: `{"Item":{…}}` and a newline. Binary values (`B`, `BS`), which the
 * SDK holds as bytes, become base64 text as in DynamoDB's JSON.
 */
export function exportLine(item: Record<string, unknown>): string {
  return `${JSON.stringify({ Item: item }, binaryAsBase64)}\n`;
}

/**
 * JSON.stringify replacer: the holder's own value is read because a Buffer's `toJSON` has already
 * turned `value` into `{ type, data }` by the time the replacer sees it.
 */
function binaryAsBase64(this: unknown, key: string, value: unknown): unknown {
  const own = (this as Record<string, unknown>)[key];
  return own instanceof Uint8Array ? Buffer.from(own.buffer, own.byteOffset, own.byteLength).toString('base64') : value;
}

/** Parses one line of a data file into its item (DynamoDB JSON); `where` names it in errors. */
export function parseExportLine(line: string, where: string): ExportItem {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new ExportFormatError(`${where}: not JSON`);
  }
  const item = isObject(parsed) ? parsed.Item : undefined;
  if (!isObject(item) || !Object.values(item).every(isObject))
    throw new ExportFormatError(`${where}: not an {"Item": {…}} line of DynamoDB JSON`);
  return item as ExportItem;
}

/**
 * An item with binary values as bytes again (`B`, `BS`, also inside lists and maps), as the SDK
 * holds them, so unmarshalling gives the bytes rather than their base64 text.
 */
export function decodeBinary(item: ExportItem): ExportItem {
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, decodeValue(value)]));
}

function decodeValue(value: ExportAttributeValue): ExportAttributeValue {
  if (typeof value.B === 'string') return { B: Buffer.from(value.B, 'base64') };
  if (Array.isArray(value.BS)) return { BS: value.BS.map((b) => Buffer.from(String(b), 'base64')) };
  if (Array.isArray(value.L)) return { L: value.L.map((v) => (isObject(v) ? decodeValue(v) : v)) };
  if (isObject(value.M)) return { M: decodeBinary(value.M as ExportItem) };
  return value;
}

/**
 * The manifest summary of a finished full export. The table's ARN and id are the table's own
 * (DescribeTable); the export ARN is `<tableArn>/export/<exportId>`, as DynamoDB names them.
 * Nothing is encrypted by S3 on this machine, so `s3SseAlgorithm` is null unless in a bucket.
 */
export function buildManifestSummary(input: SummaryInput): ManifestSummary {
  return {
    version: EXPORT_FORMAT_VERSION,
    exportArn: `${input.tableArn}/export/${input.exportId}`,
    startTime: input.startTime.toISOString(),
    endTime: input.endTime.toISOString(),
    tableArn: input.tableArn,
    tableId: input.tableId,
    exportTime: input.exportTime.toISOString(),
    s3Bucket: input.s3Bucket ?? null,
    s3Prefix: input.s3Prefix ?? null,
    s3SseAlgorithm: null,
    s3SseKmsKeyId: null,
    manifestFilesS3Key: MANIFEST_FILES_FILE,
    billedSizeBytes: input.billedSizeBytes,
    itemCount: input.itemCount,
    outputFormat: 'DYNAMODB_JSON',
    exportType: 'FULL_EXPORT',
  };
}

/** `manifest-files.json`'s text: one JSON line per data file, in DynamoDB's key order. */
export function manifestFilesText(entries: readonly ManifestFileEntry[]): string {
  return entries
    .map((e) =>
      JSON.stringify({
        itemCount: e.itemCount,
        md5Checksum: e.md5Checksum,
        etag: e.etag,
        dataFileS3Key: e.dataFileS3Key,
      }),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** Parses `manifest-summary.json`, refusing one without the fields a reader relies on. */
export function parseManifestSummary(text: string): ManifestSummary {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ExportFormatError(`${MANIFEST_SUMMARY_FILE}: not JSON`);
  }
  if (!isObject(parsed)) throw new ExportFormatError(`${MANIFEST_SUMMARY_FILE}: not an object`);
  const missing: string[] = ['version', 'exportArn', 'manifestFilesS3Key', 'outputFormat'].filter(
    (f) => typeof parsed[f] !== 'string',
  );
  if (!isCount(parsed.itemCount)) missing.push('itemCount');
  if (missing.length > 0)
    throw new ExportFormatError(`${MANIFEST_SUMMARY_FILE}: no ${missing.join(', ')}; is this a DynamoDB export?`);
  if (parsed.outputFormat !== 'DYNAMODB_JSON')
    throw new ExportFormatError(
      `${MANIFEST_SUMMARY_FILE}: outputFormat ${String(parsed.outputFormat)}; only DYNAMODB_JSON is read`,
    );
  // Exports from before incremental exports existed carry no exportType: they are full ones.
  if (parsed.exportType !== undefined && parsed.exportType !== 'FULL_EXPORT')
    throw new ExportFormatError(
      `${MANIFEST_SUMMARY_FILE}: exportType ${String(parsed.exportType)}; only FULL_EXPORT is read`,
    );
  return parsed as unknown as ManifestSummary;
}

/** Parses `manifest-files.json` (JSON Lines); `file` names it in errors. */
export function parseManifestFiles(text: string, file = MANIFEST_FILES_FILE): ManifestFileEntry[] {
  return text.split('\n').flatMap((line, n) => {
    if (!line.trim()) return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new ExportFormatError(`${file}:${n + 1}: not JSON`);
    }
    if (
      !isObject(parsed) ||
      typeof parsed.dataFileS3Key !== 'string' ||
      typeof parsed.md5Checksum !== 'string' ||
      !isCount(parsed.itemCount)
    )
      throw new ExportFormatError(`${file}:${n + 1}: not a data file entry (dataFileS3Key, itemCount, md5Checksum)`);
    return [parsed as unknown as ManifestFileEntry];
  });
}

/**
 * A manifest key as a path relative to the export's root, or undefined when it would leave the
 * root. DynamoDB's keys in S3 start with `[<prefix>/]AWSDynamoDB/<exportId>/`; that part is
 * dropped, so an export copied down from S3 reads as one written here.
 */
export function relativeKey(key: string): string | undefined {
  const inExport = /(?:^|\/)AWSDynamoDB\/[^/]+\/(.+)$/.exec(key)?.[1] ?? key;
  const parts = inExport.split('/');
  if (inExport.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\')))
    return undefined;
  return inExport;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
