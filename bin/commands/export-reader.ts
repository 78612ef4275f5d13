import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import {
  checksums,
  decodeBinary,
  type ExportItem,
  ExportFormatError,
  MANIFEST_SUMMARY_FILE,
  type ManifestFileEntry,
  type ManifestSummary,
  parseExportLine,
  parseManifestFiles,
  parseManifestSummary,
  relativeKey,
} from '../../lambdas/core/audit/export-format.js';

/** The folder under the state dir that holds `audit export`'s exports, one folder each. */
export const EXPORTS_FOLDER = 'exports';

/** An export whose files do not match its manifest: a file missing, changed, or counted wrong. */
export class ExportIntegrityError extends ExportFormatError {
  /** The file at fault, relative to the export's root (a manifest or a data file). */
  readonly file: string;
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.file = file;
  }
}

/** A data file of a verified export: its manifest entry and where it is on disk. */
export interface VerifiedDataFile extends ManifestFileEntry {
  path: string;
}

/** An export whose manifest has been checked against its files ({@link verifyExport}). */
export interface VerifiedExport {
  dir: string;
  summary: ManifestSummary;
  files: VerifiedDataFile[];
}

/** The CLI's state folder: `.switchboard` in the working folder, or `SWITCHBOARD_STATE_DIR`. */
export function stateDirectory(): string {
  return resolve(process.env.SWITCHBOARD_STATE_DIR ?? '.switchboard');
}

/** Where `audit export` writes its exports by default: `<state dir>/exports`. */
export const exportsFolder = (stateDir: string): string => join(stateDir, EXPORTS_FOLDER);

/**
 * The newest finished export under `<stateDir>/exports/`: the last folder by name (names are
 * times, `2026-12-06T15-50-00Z`) that holds a `manifest-summary.json`, which is written last, so
 * an export still being written or one that failed is passed over. Undefined when there is none.
 */
export function newestExport(stateDir: string): string | undefined {
  const root = exportsFolder(resolve(stateDir));
  if (!existsSync(root)) return undefined;
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, MANIFEST_SUMMARY_FILE)))
    .map((entry) => entry.name)
    .sort()
    .map((name) => join(root, name))
    .pop();
}

/**
 * Checks an export folder against its manifests before anything in it is believed: the summary
 * is a full DYNAMODB_JSON export's, every data file listed exists, its MD5 is the listed
 * `md5Checksum` (and `etag`, when that is a plain MD5), it holds the listed number of items, and
 * the files' counts add up to the summary's. Each file is read twice (its bytes, then its
 * lines), never held whole. Throws an {@link ExportIntegrityError} naming the first file at
 * fault, or an `ExportFormatError` for a manifest that is not DynamoDB's.
 */
export async function verifyExport(dir: string): Promise<VerifiedExport> {
  const root = resolve(dir);
  const summaryText = await readFile(join(root, MANIFEST_SUMMARY_FILE), 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ENOENT'
      ? new ExportIntegrityError(MANIFEST_SUMMARY_FILE, `missing: ${root} holds no finished export`)
      : err;
  });
  const summary = parseManifestSummary(summaryText);
  const manifestFiles = localPath(root, summary.manifestFilesS3Key, MANIFEST_SUMMARY_FILE);
  const filesText = await readFile(manifestFiles.path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ENOENT' ? new ExportIntegrityError(manifestFiles.key, 'missing') : err;
  });
  const files = parseManifestFiles(filesText, manifestFiles.key).map((entry) => ({
    ...entry,
    path: localPath(root, entry.dataFileS3Key, manifestFiles.key).path,
  }));
  for (const file of files) {
    if (!existsSync(file.path)) throw new ExportIntegrityError(file.dataFileS3Key, 'missing');
    const md5 = createHash('md5');
    await pipeline(createReadStream(file.path), async (chunks: AsyncIterable<Buffer>) => {
      for await (const chunk of chunks) md5.update(chunk);
    });
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
    const lines = await countLines(file);
    if (lines !== file.itemCount)
      throw new ExportIntegrityError(file.dataFileS3Key, `holds ${lines} items; the manifest says ${file.itemCount}`);
  }
  const total = files.reduce((sum, f) => sum + f.itemCount, 0);
  if (total !== summary.itemCount)
    throw new ExportIntegrityError(
      manifestFiles.key,
      `lists ${total} items in ${files.length} file(s); ${MANIFEST_SUMMARY_FILE} says ${summary.itemCount}`,
    );
  return { dir: root, summary, files };
}

/**
 * The items of an export in DynamoDB JSON as they are in its files (binary values as base64
 * text), after {@link verifyExport}: nothing is yielded from an export that does not check out.
 * Streams one file at a time.
 */
export async function* readExportRaw(dir: string): AsyncGenerator<ExportItem> {
  const verified = await verifyExport(dir);
  for (const file of verified.files) {
    let n = 0;
    for await (const line of dataLines(file)) yield parseExportLine(line, `${file.dataFileS3Key}:${++n}`);
    // Verified a moment ago; a file changed since is still refused, if late.
    if (n !== file.itemCount)
      throw new ExportIntegrityError(file.dataFileS3Key, `holds ${n} items; the manifest says ${file.itemCount}`);
  }
}

/**
 * The items of an export as plain objects (`unmarshall`): numbers as numbers, except integers
 * beyond 2^53, kept as their digit strings (as `parseJsonPrecise` keeps platform ids); binary as
 * bytes; sets as Sets. Verified first, like {@link readExportRaw}.
 */
export async function* readExport(dir: string): AsyncGenerator<Record<string, unknown>> {
  for await (const item of readExportRaw(dir))
    yield unmarshall(decodeBinary(item) as unknown as Record<string, AttributeValue>, { wrapNumbers: preciseNumber });
}

/** A DynamoDB number as a JS number, or its text when a number would change it (a long integer, an overflow). */
function preciseNumber(text: string): number | string {
  const n = Number(text);
  return Number.isSafeInteger(n) || (Number.isFinite(n) && !/^-?\d+$/.test(text)) ? n : text;
}

/** A manifest key's file under the root; a key that would lead out of it is refused. */
function localPath(root: string, key: string, listedIn: string): { key: string; path: string } {
  const relative = relativeKey(key);
  if (!relative) throw new ExportIntegrityError(listedIn, `key ${JSON.stringify(key)} leads outside the export`);
  return { key: relative, path: join(root, relative) };
}

/** A data file's lines, unzipped as they are read; blank lines are not items. */
async function* dataLines(file: VerifiedDataFile): AsyncGenerator<string> {
  const source = createReadStream(file.path);
  const input = createGunzip();
  // pipe() does not pass a read error on: the unzip stream, which the lines come from, must fail too.
  source.on('error', (err) => input.destroy(err));
  source.pipe(input);
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) if (line.trim()) yield line;
  } catch (err) {
    throw new ExportIntegrityError(file.dataFileS3Key, `not readable as gzip: ${(err as Error).message}`);
  } finally {
    lines.close();
    source.destroy();
    input.destroy();
  }
}

/** How many non-blank lines a data file holds, counted on the unzipped bytes without parsing them. */
async function countLines(file: VerifiedDataFile): Promise<number> {
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
    await pipeline(createReadStream(file.path), createGunzip(), counter);
  } catch (err) {
    throw new ExportIntegrityError(file.dataFileS3Key, `not readable as gzip: ${(err as Error).message}`);
  }
  return inLine ? lines + 1 : lines;
}
