import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  buildManifestSummary,
  checksums,
  dataFileKey,
  decodeBinary,
  exportFolderName,
  exportLine,
  ExportFormatError,
  fileIsFull,
  manifestFilesText,
  newDataFileName,
  newExportId,
  parseExportLine,
  parseManifestFiles,
  parseManifestSummary,
  relativeKey,
  tableIdFor,
} from '#core/audit/export-format.js';
import { writeExport } from '../../../bin/commands/audit-export.js';
import {
  ExportIntegrityError,
  newestExport,
  readExport,
  readExportRaw,
  verifyExport,
} from '../../../bin/commands/export-reader.js';

const table = {
  tableArn: 'arn:aws:dynamodb:ddblocal:000000000000:table/Switchboard-Engagements',
  tableId: tableIdFor('arn:aws:dynamodb:ddblocal:000000000000:table/Switchboard-Engagements'),
};

/** Items as a Scan gives them (DynamoDB JSON, binary as bytes). */
function scanned(n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({
    pk: { S: `ENG#generic:${i}` },
    sk: { S: 'ENGAGEMENT' },
    n: { N: String(i) },
    text: { S: `refund please, order ${i} — ✓` },
    flags: { M: { vip: { BOOL: i % 2 === 0 }, none: { NULL: true } } },
    tags: { L: [{ S: 'a' }, { N: '1.5' }] },
  }));
}

const source = (items: Record<string, unknown>[]) =>
  async function* feed() {
    yield* items;
  };

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iterable) out.push(x);
  return out;
}

describe('the export format', () => {
  it('names exports and data files as DynamoDB does', () => {
    const at = new Date('2026-12-06T15:50:00.123Z');
    expect(newExportId(at, Uint8Array.from([0x1a, 0x2b, 0x3c, 0x4d]))).toBe('01796572200123-1a2b3c4d');
    expect(newExportId(at)).toMatch(/^\d{14}-[0-9a-f]{8}$/);
    expect(newDataFileName(new Uint8Array(26))).toBe('a'.repeat(26));
    expect(newDataFileName()).toMatch(/^[a-z2-7]{26}$/);
    expect(newDataFileName()).not.toBe(newDataFileName());
    expect(dataFileKey('s3rcacg63a6lfieybvp7dw357y')).toBe('data/s3rcacg63a6lfieybvp7dw357y.json.gz');
  });

  it('names export folders by time, to the second, so they sort as times do', () => {
    expect(exportFolderName(new Date('2026-12-06T15:50:00.999Z'))).toBe('2026-12-06T15-50-00Z');
    const names = ['2026-12-06T15:50:01Z', '2026-01-31T23:59:59Z', '2026-12-06T15:50:00Z'].map((t) =>
      exportFolderName(new Date(t)),
    );
    expect([...names].sort()).toEqual([names[1], names[2], names[0]]);
  });

  it('gives md5Checksum as base64 and etag as hex of the same MD5', () => {
    const md5 = createHash('md5').update('hello').digest();
    expect(checksums(md5)).toEqual({
      md5Checksum: 'XUFAKrxLKna5cZ2REBfFkg==',
      etag: '5d41402abc4b2a76b9719d911017c592',
    });
    expect(() => checksums(new Uint8Array(4))).toThrow(RangeError);
  });

  it('cuts a file at the item or byte limit', () => {
    const limits = { maxItems: 3, maxBytes: 100 };
    expect(fileIsFull(2, 99, limits)).toBe(false);
    expect(fileIsFull(3, 10, limits)).toBe(true);
    expect(fileIsFull(1, 100, limits)).toBe(true);
    expect(fileIsFull(9_999, 1_000)).toBe(false);
    expect(fileIsFull(10_000, 1_000)).toBe(true);
  });

  it('writes one {"Item": …} line per item, binary as base64, and reads it back', () => {
    const bytes = Uint8Array.from([0, 1, 254, 255]);
    const item = { pk: { S: 'a' }, blob: { B: bytes }, blobs: { BS: [bytes] }, deep: { M: { b: { B: bytes } } } };
    const line = exportLine(item);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      Item: {
        pk: { S: 'a' },
        blob: { B: 'AAH+/w==' },
        blobs: { BS: ['AAH+/w=='] },
        deep: { M: { b: { B: 'AAH+/w==' } } },
      },
    });
    const parsed = parseExportLine(line, 'data/x.json.gz:1');
    const decoded = decodeBinary(parsed);
    expect(new Uint8Array(decoded.blob!.B as Uint8Array)).toEqual(bytes);
    expect(new Uint8Array((decoded.deep!.M as Record<string, { B: Uint8Array }>).b!.B)).toEqual(bytes);
    // A Buffer (which has its own toJSON) is written the same way.
    expect(exportLine({ b: { B: Buffer.from(bytes) } })).toBe('{"Item":{"b":{"B":"AAH+/w=="}}}\n');
    expect(() => parseExportLine('{"pk":{"S":"a"}}', 'data/x.json.gz:7')).toThrow('data/x.json.gz:7');
    expect(() => parseExportLine('nope', 'data/x.json.gz:8')).toThrow(ExportFormatError);
  });

  it('builds the manifest summary with DynamoDB’s fields', () => {
    const summary = buildManifestSummary({
      exportId: '01796572200123-1a2b3c4d',
      ...table,
      startTime: new Date('2026-12-06T15:50:00.123Z'),
      endTime: new Date('2026-12-06T15:50:02Z'),
      exportTime: new Date('2026-12-06T15:50:00.123Z'),
      itemCount: 8,
      billedSizeBytes: 1234,
    });
    expect(summary).toEqual({
      version: '2020-06-30',
      exportArn: `${table.tableArn}/export/01796572200123-1a2b3c4d`,
      startTime: '2026-12-06T15:50:00.123Z',
      endTime: '2026-12-06T15:50:02.000Z',
      tableArn: table.tableArn,
      tableId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      exportTime: '2026-12-06T15:50:00.123Z',
      s3Bucket: null,
      s3Prefix: null,
      s3SseAlgorithm: null,
      s3SseKmsKeyId: null,
      manifestFilesS3Key: 'manifest-files.json',
      billedSizeBytes: 1234,
      itemCount: 8,
      outputFormat: 'DYNAMODB_JSON',
      exportType: 'FULL_EXPORT',
    });
    expect(parseManifestSummary(JSON.stringify(summary))).toEqual(summary);
    expect(() => parseManifestSummary(JSON.stringify({ ...summary, outputFormat: 'ION' }))).toThrow('ION');
    expect(() => parseManifestSummary(JSON.stringify({ ...summary, exportType: 'INCREMENTAL_EXPORT' }))).toThrow(
      'INCREMENTAL_EXPORT',
    );
    expect(() => parseManifestSummary('{"version":"2020-06-30"}')).toThrow('exportArn');
  });

  it('writes and parses manifest-files.json as JSON Lines', () => {
    const entries = [
      { itemCount: 2, md5Checksum: 'sQMSpEILNgoQmarvDFonGQ==', etag: 'b10312a4', dataFileS3Key: 'data/a.json.gz' },
      { itemCount: 0, md5Checksum: 'AAAAAAAAAAAAAAAAAAAAAA==', etag: '00', dataFileS3Key: 'data/b.json.gz' },
    ];
    const text = manifestFilesText(entries);
    expect(text.split('\n')).toHaveLength(3);
    expect(Object.keys(JSON.parse(text.split('\n')[0]!))).toEqual([
      'itemCount',
      'md5Checksum',
      'etag',
      'dataFileS3Key',
    ]);
    expect(parseManifestFiles(text)).toEqual(entries);
    expect(() => parseManifestFiles(`${text}{"itemCount":1}\n`)).toThrow('manifest-files.json:3');
  });

  it('reads keys relative to the export, also those of an export copied from S3, never outside it', () => {
    expect(relativeKey('data/a.json.gz')).toBe('data/a.json.gz');
    expect(relativeKey('AWSDynamoDB/01680958677849-381aef7c/data/a.json.gz')).toBe('data/a.json.gz');
    expect(relativeKey('2020-Nov/AWSDynamoDB/01680958677849-381aef7c/manifest-files.json')).toBe('manifest-files.json');
    expect(relativeKey('../../etc/passwd')).toBeUndefined();
    expect(relativeKey('/etc/passwd')).toBeUndefined();
    expect(relativeKey('data/../../x')).toBeUndefined();
  });
});

describe('writing and reading an export', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'sb-export-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('round-trips items through gzip files cut at the limit, with a manifest that checks out', async () => {
    const dir = join(root, 'export');
    const items = scanned(25);
    const progress: number[] = [];
    const result = await writeExport(dir, table, source(items), {
      limits: { maxItems: 10, maxBytes: 1 << 20 },
      onProgress: (n) => progress.push(n),
    });
    expect(result).toMatchObject({ dir, items: 25, files: 3 });
    expect(progress.at(-1)).toBe(25);
    expect(readdirSync(dir).sort()).toEqual(['_started', 'data', 'manifest-files.json', 'manifest-summary.json']);

    const entries = parseManifestFiles(readFileSync(join(dir, 'manifest-files.json'), 'utf8'));
    expect(entries.map((e) => e.itemCount)).toEqual([10, 10, 5]);
    for (const e of entries) {
      expect(e.dataFileS3Key).toMatch(/^data\/[a-z2-7]{26}\.json\.gz$/);
      const gz = readFileSync(join(dir, e.dataFileS3Key));
      expect(e).toMatchObject(checksums(createHash('md5').update(gz).digest()));
      const lines = gunzipSync(gz).toString('utf8').split('\n');
      expect(lines.pop()).toBe('');
      expect(lines).toHaveLength(e.itemCount);
      for (const line of lines) expect(Object.keys(JSON.parse(line))).toEqual(['Item']);
    }
    const summary = parseManifestSummary(readFileSync(join(dir, 'manifest-summary.json'), 'utf8'));
    expect(summary).toMatchObject({ itemCount: 25, exportType: 'FULL_EXPORT', outputFormat: 'DYNAMODB_JSON' });
    expect(summary.exportArn).toBe(`${table.tableArn}/export/${result.exportId}`);

    expect(await collect(readExportRaw(dir))).toEqual(items);
    const read = await collect(readExport(dir));
    expect(read).toHaveLength(25);
    expect(read[3]).toEqual({
      pk: 'ENG#generic:3',
      sk: 'ENGAGEMENT',
      n: 3,
      text: 'refund please, order 3 — ✓',
      flags: { vip: false, none: null },
      tags: ['a', 1.5],
    });
  });

  it('writes one empty data file for an empty table, as DynamoDB does for an empty partition', async () => {
    const result = await writeExport(join(root, 'empty'), table, source([]));
    expect(result).toMatchObject({ items: 0, files: 1 });
    expect(await collect(readExport(result.dir))).toEqual([]);
  });

  it('cuts files by uncompressed size too', async () => {
    const result = await writeExport(join(root, 'bytes'), table, source(scanned(6)), {
      limits: { maxItems: 1_000, maxBytes: 1 },
    });
    expect(result.files).toBe(6);
    expect(await collect(readExport(result.dir))).toHaveLength(6);
  });

  it('keeps integers beyond 2^53 as their digits and binary as bytes', async () => {
    const dir = join(root, 'precise');
    await writeExport(
      dir,
      table,
      source([{ pk: { S: 'x' }, id: { N: '1234567890123456789' }, small: { N: '-42' }, b: { B: Uint8Array.of(7) } }]),
    );
    const [item] = await collect(readExport(dir));
    expect(item).toEqual({ pk: 'x', id: '1234567890123456789', small: -42, b: Buffer.of(7) });
  });

  it('refuses a data file with a changed byte, naming it, before yielding anything', async () => {
    const { dir } = await writeExport(join(root, 'tampered'), table, source(scanned(12)), {
      limits: { maxItems: 5, maxBytes: 1 << 20 },
    });
    const [, second] = parseManifestFiles(readFileSync(join(dir, 'manifest-files.json'), 'utf8'));
    const path = join(dir, second!.dataFileS3Key);
    const bytes = readFileSync(path);
    bytes[bytes.length - 10]! ^= 0x01;
    writeFileSync(path, bytes);

    const seen: unknown[] = [];
    const reading = (async () => {
      for await (const item of readExport(dir)) seen.push(item);
    })();
    await expect(reading).rejects.toThrow(ExportIntegrityError);
    await expect(verifyExport(dir)).rejects.toThrow(`${second!.dataFileS3Key}: MD5`);
    expect(seen).toEqual([]);
  });

  it('refuses a missing data file, naming it', async () => {
    const { dir } = await writeExport(join(root, 'missing'), table, source(scanned(3)));
    const [entry] = parseManifestFiles(readFileSync(join(dir, 'manifest-files.json'), 'utf8'));
    unlinkSync(join(dir, entry!.dataFileS3Key));
    const error = await verifyExport(dir).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ExportIntegrityError);
    expect((error as ExportIntegrityError).file).toBe(entry!.dataFileS3Key);
    expect((error as Error).message).toBe(`${entry!.dataFileS3Key}: missing`);
  });

  it('refuses a file whose item count is not the manifest’s, even with a matching MD5', async () => {
    const { dir } = await writeExport(join(root, 'count'), table, source(scanned(3)));
    const manifest = join(dir, 'manifest-files.json');
    const [entry] = parseManifestFiles(readFileSync(manifest, 'utf8'));
    const extra = Buffer.concat([
      gunzipSync(readFileSync(join(dir, entry!.dataFileS3Key))),
      Buffer.from(exportLine({ pk: { S: 'smuggled' } })),
    ]);
    const gz = gzipSync(extra);
    writeFileSync(join(dir, entry!.dataFileS3Key), gz);
    writeFileSync(manifest, manifestFilesText([{ ...entry!, ...checksums(createHash('md5').update(gz).digest()) }]));
    await expect(verifyExport(dir)).rejects.toThrow(`${entry!.dataFileS3Key}: holds 4 items; the manifest says 3`);
  });

  it('refuses a folder without a finished export', async () => {
    await expect(verifyExport(root)).rejects.toThrow('manifest-summary.json: missing');
  });

  it('finds the newest finished export by folder name', async () => {
    expect(newestExport(root)).toBeUndefined();
    const exports = join(root, 'exports');
    await writeExport(join(exports, '2026-12-06T15-50-00Z'), table, source(scanned(1)));
    await writeExport(join(exports, '2026-12-06T15-50-00Z-02'), table, source(scanned(1)));
    await writeExport(join(exports, '2026-12-05T09-00-00Z'), table, source(scanned(1)));
    expect(newestExport(root)).toBe(join(exports, '2026-12-06T15-50-00Z-02'));
    // One being written (no summary yet) is passed over.
    await writeExport(join(exports, '2026-12-07T00-00-00Z'), table, source(scanned(1)));
    unlinkSync(join(exports, '2026-12-07T00-00-00Z', 'manifest-summary.json'));
    expect(newestExport(root)).toBe(join(exports, '2026-12-06T15-50-00Z-02'));
  });

  it('removes the folder it made when the source fails', async () => {
    const dir = join(root, 'failed');
    async function* failing() {
      yield* scanned(2);
      throw new Error('scan broke');
    }
    await expect(writeExport(dir, table, failing)).rejects.toThrow('scan broke');
    expect(readdirSync(root)).toEqual([]);
  });
});
