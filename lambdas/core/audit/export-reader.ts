import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import {
  checksums,
  type ExportItem,
  ExportFormatError,
  MANIFEST_SUMMARY_FILE,
  type ManifestFileEntry,
  type ManifestSummary,
  parseExportLine,
  parseManifestFiles,
  parseManifestSummary,
  relativeKey,
} from './export-format.js';

/**
 * Reading an export in DynamoDB's format, wherever its files are: a folder on this machine
 * (`switchboard audit verify`, `audit query`) or the audit bucket (the daily anchor on AWS). The
 * same checks either way, so an export is believed on the same terms everywhere.
 */

/** An export's files by their key relative to its root (`manifest-summary.json`, `data/x.json.gz`). */
export interface ExportFiles {
  /** Where the export is, for messages (a folder, or `s3://bucket/prefix`). */
  readonly location: string;
  /** A file's bytes as a stream; rejects with a `code: 'ENOENT'` error (or {@link ExportIntegrityError}) when missing. */
  open(key: string): Promise<Readable>;
}

/** An export whose files do not match its manifest: a file missing, changed, or counted wrong. */
export class ExportIntegrityError extends ExportFormatError {
  /** The file at fault, relative to the export's root (a manifest or a data file). */
  readonly file: string;
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.file = file;
  }
}

/** An export whose manifest has been checked against its files ({@link verifyExport}). */
export interface VerifiedExport {
  location: string;
  summary: ManifestSummary;
  files: ManifestFileEntry[];
}

/** The export's id: the last part of its ARN (`…/export/<id>`). */
export const exportIdOf = (summary: Pick<ManifestSummary, 'exportArn'>): string =>
  summary.exportArn.slice(summary.exportArn.lastIndexOf('/') + 1);

/**
 * Checks an export against its manifests before anything in it is believed: the summary is a
 * full DYNAMODB_JSON export's, every data file listed exists, its MD5 is the listed
 * `md5Checksum` (and `etag`, when that is a plain MD5), it holds the listed number of items, and
 * the files' counts add up to the summary's. Each file is read twice (its bytes, then its
 * lines), never held whole. Throws an {@link ExportIntegrityError} naming the first file at
 * fault, or an `ExportFormatError` for a manifest that is not DynamoDB's.
 */
export async function verifyExport(files: ExportFiles): Promise<VerifiedExport> {
  const summary = parseManifestSummary(
    await text(files, MANIFEST_SUMMARY_FILE, `missing: ${files.location} holds no finished export`),
  );
  const manifestKey = relative(summary.manifestFilesS3Key, MANIFEST_SUMMARY_FILE);
  const entries = parseManifestFiles(await text(files, manifestKey, 'missing'), manifestKey).map((entry) => ({
    ...entry,
    dataFileS3Key: relative(entry.dataFileS3Key, manifestKey),
  }));
  for (const file of entries) {
    const md5 = createHash('md5');
    for await (const chunk of await open(files, file.dataFileS3Key)) md5.update(chunk as Buffer);
    const actual = checksums(md5.digest());
    // A plain MD5 etag is checked too; a multipart one (`<md5 of the parts' md5s>-<parts>`, as S3
    // gives the files of a real export) says nothing the md5Checksum does not.
    if (
      actual.md5Checksum !== file.md5Checksum ||
      (/^[0-9a-f]{32}$/.test(file.etag ?? '') && actual.etag !== file.etag)
    )
      throw new ExportIntegrityError(
        file.dataFileS3Key,
        `MD5 ${actual.md5Checksum} is not the manifest's ${file.md5Checksum}: the file was changed or cut short`,
      );
    const lines = await countLines(files, file.dataFileS3Key);
    if (lines !== file.itemCount)
      throw new ExportIntegrityError(file.dataFileS3Key, `holds ${lines} items; the manifest says ${file.itemCount}`);
  }
  const total = entries.reduce((sum, f) => sum + f.itemCount, 0);
  if (total !== summary.itemCount)
    throw new ExportIntegrityError(
      manifestKey,
      `lists ${total} items in ${entries.length} file(s); ${MANIFEST_SUMMARY_FILE} says ${summary.itemCount}`,
    );
  return { location: files.location, summary, files: entries };
}

/**
 * The items of an export in DynamoDB JSON as they are in its files (binary values as base64
 * text), after {@link verifyExport}: nothing is yielded from an export that does not check out.
 * Streams one file at a time. `onVerified` gets the checked export before the first item.
 */
export async function* readExportItems(
  files: ExportFiles,
  onVerified?: (verified: VerifiedExport) => void,
): AsyncGenerator<ExportItem> {
  const verified = await verifyExport(files);
  onVerified?.(verified);
  for (const file of verified.files) {
    let n = 0;
    for await (const line of dataLines(files, file.dataFileS3Key))
      yield parseExportLine(line, `${file.dataFileS3Key}:${++n}`);
    // Verified a moment ago; a file changed since is still refused, if late.
    if (n !== file.itemCount)
      throw new ExportIntegrityError(file.dataFileS3Key, `holds ${n} items; the manifest says ${file.itemCount}`);
  }
}

async function open(files: ExportFiles, key: string, missing = 'missing'): Promise<Readable> {
  try {
    return await files.open(key);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ExportIntegrityError(key, missing);
    throw err;
  }
}

async function text(files: ExportFiles, key: string, missing: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await open(files, key, missing)) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** A manifest key relative to the root; a key that would lead out of it is refused. */
function relative(key: string, listedIn: string): string {
  const rel = relativeKey(key);
  if (!rel) throw new ExportIntegrityError(listedIn, `key ${JSON.stringify(key)} leads outside the export`);
  return rel;
}

/** A data file's lines, unzipped as they are read; blank lines are not items. */
async function* dataLines(files: ExportFiles, key: string): AsyncGenerator<string> {
  const source = await open(files, key);
  const input = createGunzip();
  // pipe() does not pass a read error on: the unzip stream, which the lines come from, must fail too.
  source.on('error', (err) => input.destroy(err));
  source.pipe(input);
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) if (line.trim()) yield line;
  } catch (err) {
    throw new ExportIntegrityError(key, `not readable as gzip: ${(err as Error).message}`);
  } finally {
    lines.close();
    source.destroy();
    input.destroy();
  }
}

/** How many non-blank lines a data file holds, counted on the unzipped bytes without parsing them. */
async function countLines(files: ExportFiles, key: string): Promise<number> {
  let lines = 0;
  let inLine = false;
  const counter = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const byte of chunk) {
        if (byte === 0x0a) {
          if (inLine) lines++;
          inLine = false;
        } else if (byte !== 0x0d && byte !== 0x20) inLine = true;
      }
      done();
    },
  });
  try {
    await pipeline(await open(files, key), createGunzip(), counter);
  } catch (err) {
    if (err instanceof ExportIntegrityError) throw err;
    throw new ExportIntegrityError(key, `not readable as gzip: ${(err as Error).message}`);
  }
  return inLine ? lines + 1 : lines;
}

/** Bytes as a stream (for adapters that hold a small file whole). */
export const streamOf = (bytes: Uint8Array | string): Readable => Readable.from([Buffer.from(bytes)]);
