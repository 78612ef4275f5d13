import {
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { type AuditAnchor, parseAnchor } from '../core/audit/anchor.js';
import type { AnchorRunPorts, ExportFolder } from '../core/audit/anchor-run.js';
import { MANIFEST_SUMMARY_FILE, STARTED_FILE } from '../core/audit/export-format.js';
import type { ExportFiles } from '../core/audit/export-reader.js';
import { readExportObjects } from './export-items.js';

/** Where DynamoDB puts the exports of the schedule's `S3Prefix: exports`. */
export const EXPORTS_ROOT = 'exports/AWSDynamoDB/';
/** Where the anchors go: one object per export, `anchors/<export id>.json`, under the bucket's Object Lock. */
export const ANCHORS_PREFIX = 'anchors/';

/** One export in the bucket as {@link ExportFiles}: keys under `exports/AWSDynamoDB/<id>/`. */
export function s3ExportFiles(client: S3Client, bucket: string, exportId: string): ExportFiles {
  const prefix = `${EXPORTS_ROOT}${exportId}/`;
  return {
    location: `s3://${bucket}/${prefix}`,
    async open(key) {
      try {
        const { Body } = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}${key}` }));
        return Body as Readable;
      } catch (err) {
        if (err instanceof NoSuchKey) throw Object.assign(new Error(`${key}: missing`), { code: 'ENOENT' });
        throw err;
      }
    },
  };
}

/** Every key (or common prefix, with a delimiter) under a prefix, page by page. */
async function* list(client: S3Client, bucket: string, prefix: string, delimiter?: string): AsyncGenerator<string> {
  let token: string | undefined;
  do {
    const page: ListObjectsV2CommandOutput = await client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ...(delimiter ? { Delimiter: delimiter } : {}),
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    for (const p of page.CommonPrefixes ?? []) if (p.Prefix) yield p.Prefix;
    for (const o of page.Contents ?? []) if (o.Key) yield o.Key;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/**
 * The audit bucket as the anchor run's ports: export folders from their `_started` and
 * `manifest-summary.json` objects (DynamoDB writes the summary last), anchors as JSON objects
 * written once (`If-None-Match: *`; Object Lock then keeps them as long as the exports).
 */
export function s3AnchorPorts(client: S3Client, bucket: string): AnchorRunPorts {
  return {
    async exportFolders() {
      const folders = new Map<string, ExportFolder>();
      for await (const key of list(client, bucket, EXPORTS_ROOT)) {
        const [exportId, ...rest] = key.slice(EXPORTS_ROOT.length).split('/');
        if (!exportId || !/^\d{14}-/.test(exportId)) continue;
        const folder = folders.get(exportId) ?? { exportId, started: false, finished: false };
        const file = rest.join('/');
        if (file === STARTED_FILE) folder.started = true;
        if (file === MANIFEST_SUMMARY_FILE) folder.finished = true;
        folders.set(exportId, folder);
      }
      return [...folders.values()];
    },
    async anchoredIds() {
      const ids: string[] = [];
      for await (const key of list(client, bucket, ANCHORS_PREFIX))
        if (key.endsWith('.json')) ids.push(key.slice(ANCHORS_PREFIX.length, -'.json'.length));
      return ids;
    },
    async readAnchor(exportId) {
      const key = `${ANCHORS_PREFIX}${exportId}.json`;
      const { Body } = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return parseAnchor(await Body!.transformToString('utf8'), `s3://${bucket}/${key}`);
    },
    readExport: (exportId, onVerified) => readExportObjects(s3ExportFiles(client, bucket, exportId), onVerified),
    async writeAnchor(anchor: AuditAnchor) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `${ANCHORS_PREFIX}${anchor.exportId}.json`,
          Body: JSON.stringify(anchor),
          ContentType: 'application/json',
          // Written once: a second run never replaces an anchor (Object Lock keeps the version anyway).
          IfNoneMatch: '*',
        }),
      );
    },
  };
}
