import { createHmac } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';

/**
 * Sample platform deliveries (events/<platform>/*.json) and how to sign them at replay time.
 * Samples are stored unsigned (see events/README.md): the generic scheme signs a timestamp
 * that expires after 5 minutes, so one rule — sign when replaying — serves every platform.
 *
 * Signing uses node:crypto directly, not the adapters' helpers, so replaying a sample through
 * an adapter checks the adapter against an independent implementation of each scheme.
 */

/**
 * How a sample is signed when replayed, declaratively, so a new platform's samples need no code
 * here: `payload` is what is MACed (`{timestamp}` is now in unix seconds, `{body}` the exact
 * body bytes) with the platform secret's `secretKey`, and each header template gets `{digest}`
 * and `{timestamp}` filled in.
 */
export const SignSpecSchema = z.strictObject({
  algorithm: z.enum(['sha256', 'sha1']).default('sha256'),
  secretKey: z.string().min(1),
  encoding: z.enum(['hex', 'base64']).default('hex'),
  payload: z.string().default('{body}'),
  headers: z.record(z.string(), z.string()),
});
export type SignSpec = z.output<typeof SignSpecSchema>;

/** Named schemes the first samples use; a sample may also spell its scheme out as a {@link SignSpec}. */
export const SIGNING_PRESETS: Readonly<Record<string, SignSpec>> = {
  x: {
    algorithm: 'sha256',
    secretKey: 'consumerSecret',
    encoding: 'base64',
    payload: '{body}',
    headers: { 'x-twitter-webhooks-signature': 'sha256={digest}' },
  },
  facebook: {
    algorithm: 'sha256',
    secretKey: 'appSecret',
    encoding: 'hex',
    payload: '{body}',
    headers: { 'x-hub-signature-256': 'sha256={digest}' },
  },
  generic: {
    algorithm: 'sha256',
    secretKey: 'signingSecret',
    encoding: 'hex',
    payload: '{timestamp}.{body}',
    headers: { 'x-switchboard-timestamp': '{timestamp}', 'x-switchboard-signature': 'sha256={digest}' },
  },
};

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
    /** A preset name from {@link SIGNING_PRESETS} or a {@link SignSpec}. Header and query values may also say `{secret:<key>}`. */
    sign: z.union([z.enum(Object.keys(SIGNING_PRESETS) as [string, ...string[]]), SignSpecSchema]).optional(),
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

/** The platform a sample is for: the last segment of its path (`/webhooks/<platform>`). */
const platformOf = (sample: Pick<Sample, 'path'>) => sample.path.split('/').pop() ?? '';

/** Fills `{secret:<key>}` placeholders (tokens some platforms send in a header or the query) from the platform's secret. */
function withSecrets(
  values: Readonly<Record<string, string>>,
  secrets: SampleSecrets,
  platform: string,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [
      k,
      v.replace(/\{secret:([A-Za-z0-9_]+)\}/g, (_, key: string) => secretKey(secrets, platform, key)),
    ]),
  );
}

/**
 * The headers to send with a sample: its own headers (with `{secret:<key>}` filled in) plus the
 * signature headers of its `sign` scheme, computed over {@link sampleBody}.
 */
export function signSample(
  sample: Pick<Sample, 'path' | 'headers' | 'body' | 'rawBody' | 'sign'>,
  secrets: SampleSecrets,
  now: Date = new Date(),
): Record<string, string> {
  const platform = platformOf(sample);
  const headers = withSecrets(sample.headers, secrets, platform);
  if (sample.sign === undefined) return headers;
  const spec = typeof sample.sign === 'string' ? SIGNING_PRESETS[sample.sign] : sample.sign;
  if (!spec) throw new Error(`Unknown signing preset "${String(sample.sign)}"`);
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const [before = '', after = ''] = spec.payload.replaceAll('{timestamp}', timestamp).split('{body}');
  const mac = createHmac(spec.algorithm, secretKey(secrets, platform, spec.secretKey));
  const digest = mac
    .update(before)
    .update(spec.payload.includes('{body}') ? sampleBody(sample) : Buffer.alloc(0))
    .update(after)
    .digest(spec.encoding);
  for (const [name, template] of Object.entries(spec.headers))
    headers[name] = template.replaceAll('{digest}', digest).replaceAll('{timestamp}', timestamp);
  return headers;
}

/** The query string of a sample, with `{secret:<key>}` placeholders filled in. */
export function sampleQuery(sample: Pick<Sample, 'path' | 'query'>, secrets: SampleSecrets): Record<string, string> {
  return withSecrets(sample.query ?? {}, secrets, platformOf(sample));
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
