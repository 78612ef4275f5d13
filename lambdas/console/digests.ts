import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConsoleSources } from '../core/management/console-read.js';
import { WEBHOOK_CLIENT_OPTIONS } from '../aws/sdk-client-options.js';

const DIGEST_FILE = /^(\d{4}-\d{2}-\d{2})\.html$/;
const PREFIX = 'digests/';

/**
 * The stored digests: files in `DIGESTS_DIR` (the twin: `.switchboard/digests`, where `switchboard
 * digest` writes), or `digests/<date>.html` objects in `DIGEST_BUCKET` (AWS: the digest bucket,
 * which nothing but this API and the digest function reaches). Neither set: none.
 */
export function storedDigests(): Pick<ConsoleSources, 'digests' | 'digest'> {
  const dir = process.env.DIGESTS_DIR;
  const bucket = process.env.DIGEST_BUCKET;
  const dates = (names: string[]) => names.flatMap((n) => DIGEST_FILE.exec(n)?.[1] ?? []);
  if (dir)
    return {
      digests: async () => dates(await readdir(dir).catch(() => [])),
      digest: (date) => readFile(join(dir, `${date}.html`), 'utf8').catch(() => undefined),
    };
  if (!bucket) return { digests: async () => [], digest: async () => undefined };
  // The S3 client loads only where digests are read from S3.
  const s3 = import('@aws-sdk/client-s3').then((m) => ({ m, client: new m.S3Client(WEBHOOK_CLIENT_OPTIONS) }));
  return {
    async digests() {
      const { m, client } = await s3;
      const names: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new m.ListObjectsV2Command({
            Bucket: bucket,
            Prefix: PREFIX,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
        names.push(...(page.Contents ?? []).map((o) => (o.Key ?? '').slice(PREFIX.length)));
        token = page.NextContinuationToken;
      } while (token);
      return dates(names);
    },
    async digest(date) {
      const { m, client } = await s3;
      try {
        const out = await client.send(new m.GetObjectCommand({ Bucket: bucket, Key: `${PREFIX}${date}.html` }));
        return await out.Body?.transformToString('utf8');
      } catch (err) {
        if ((err as { name?: string }).name === 'NoSuchKey') return undefined;
        throw err;
      }
    },
  };
}
