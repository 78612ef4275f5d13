import { createHmac } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * Sample platform deliveries (events/<platform>/*.json) and how to sign them at replay time.
 * Samples are stored unsigned (see events/README.md): the generic scheme signs a timestamp
 * that expires after 5 minutes, so one rule — sign when replaying — serves every platform.
 *
 * Signing uses node:crypto directly, not the adapters' helpers, so replaying a sample through
 * an adapter checks the adapter against an independent implementation of each scheme.
 */

/** How a sample is signed when replayed; one entry per platform signing scheme. */
export const SIGNING_SCHEMES = ['x', 'facebook', 'generic'] as const;
export type SigningScheme = (typeof SIGNING_SCHEMES)[number];

const ExpectedEngagementSchema = z.object({
  id: z.string().min(1),
  kind: z.string().min(1),
  /** Omitted for new engagements; `edited` / `deleted` for changes to an earlier one. */
  change: z.enum(['created', 'edited', 'deleted']).optional(),
});

export const SampleSchema = z
  .object({
    description: z.string().min(1),
    method: z.enum(['GET', 'POST']),
    path: z.string().regex(/^\/webhooks\/[a-z-]+$/),
    headers: z.record(z.string(), z.string()),
    query: z.record(z.string(), z.string()).optional(),
    body: z.unknown().optional(),
    /** The exact bytes (as UTF-8 text) when re-serialising `body` would change them. */
    rawBody: z.string().optional(),
    sign: z.enum(SIGNING_SCHEMES).optional(),
    expect: z.object({ status: z.number().int(), engagements: z.array(ExpectedEngagementSchema) }),
  })
  .refine((s) => (s.body === undefined) !== (s.rawBody === undefined), {
    message: 'a sample has exactly one of "body" and "rawBody"',
  });

/** One sample delivery file. */
export type Sample = z.output<typeof SampleSchema>;

/** Secrets as in config/local-secrets.json: `{ "<platform>": { "<key>": "<value>" } }`. */
export type SampleSecrets = Readonly<Record<string, Readonly<Record<string, string | undefined>> | undefined>>;

/** The bytes to send: `rawBody` verbatim, else `body` as compact JSON. Sign and send these same bytes. */
export function sampleBody(sample: Pick<Sample, 'body' | 'rawBody'>): Buffer {
  return Buffer.from(sample.rawBody ?? JSON.stringify(sample.body), 'utf8');
}

function secretKey(secrets: SampleSecrets, platform: string, key: string): string {
  const value = secrets[platform]?.[key];
  if (!value) throw new Error(`No "${key}" for "${platform}" in the secrets given to signSample.`);
  return value;
}

const mac = (key: string, data: string | Buffer) => createHmac('sha256', key).update(data);

/**
 * The headers to send with a sample: its own headers plus the signature headers of its `sign`
 * scheme, computed over {@link sampleBody}. A sample without `sign` is returned unchanged.
 *
 * - x: `x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256(consumerSecret, body)>`
 * - facebook: `x-hub-signature-256: sha256=<hex HMAC-SHA256(appSecret, body)>`
 * - generic: `x-switchboard-timestamp: <unix seconds of now>` and
 *   `x-switchboard-signature: sha256=<hex HMAC-SHA256(signingSecret, "<timestamp>.<body>")>`
 */
export function signSample(
  sample: Pick<Sample, 'headers' | 'body' | 'rawBody' | 'sign'>,
  secrets: SampleSecrets,
  now: Date = new Date(),
): Record<string, string> {
  const body = sampleBody(sample);
  switch (sample.sign) {
    case undefined:
      return { ...sample.headers };
    case 'x': {
      const digest = mac(secretKey(secrets, 'x', 'consumerSecret'), body).digest('base64');
      return { ...sample.headers, 'x-twitter-webhooks-signature': `sha256=${digest}` };
    }
    case 'facebook': {
      const digest = mac(secretKey(secrets, 'facebook', 'appSecret'), body).digest('hex');
      return { ...sample.headers, 'x-hub-signature-256': `sha256=${digest}` };
    }
    case 'generic': {
      const timestamp = String(Math.floor(now.getTime() / 1000));
      const digest = mac(secretKey(secrets, 'generic', 'signingSecret'), `${timestamp}.`).update(body).digest('hex');
      return { ...sample.headers, 'x-switchboard-timestamp': timestamp, 'x-switchboard-signature': `sha256=${digest}` };
    }
  }
}

/**
 * Reads and validates every `*.json` sample in a folder, sorted by file name; `file` is the
 * bare file name (e.g. `mention.json`). Throws naming the file when one is not a valid sample.
 */
export async function readSamples(directory: string): Promise<{ file: string; sample: Sample }[]> {
  const files = (await readdir(directory)).filter((name) => name.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => {
      const path = join(directory, file);
      let json: unknown;
      try {
        json = JSON.parse(await readFile(path, 'utf8'));
      } catch (error) {
        throw new Error(`${path}: not valid JSON: ${(error as Error).message}`);
      }
      const parsed = SampleSchema.safeParse(json);
      if (!parsed.success) throw new Error(`${path}: not a valid sample: ${z.prettifyError(parsed.error)}`);
      return { file, sample: parsed.data };
    }),
  );
}
