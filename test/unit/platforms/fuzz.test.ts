import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { EngagementDraftSchema } from '#core/engagement/engagement.schema.js';
import type { IntakeDelivery } from '#core/intake/delivery.js';
import { acceptWebhook, type AcceptWebhookDependencies } from '#core/lifecycle/accept-webhook.js';
import { WebhookRejection, type PlatformSecret } from '#core/platforms/adapter.js';
import { adapterFor, adapters } from '#core/platforms/registry.js';
import { readSamples, sampleQuery, signSample, type Sample } from '#events/sign-sample.js';
import { localSecrets as secrets } from '#test-support/local-secrets.js';

/**
 * Property-based fuzzing of every platform adapter and of the webhook's accept path: whatever a
 * sender puts in a correctly signed body (a sample with any part replaced by other JSON, deep
 * nesting, huge or odd strings, bytes that are not UTF-8), the answer is 200 with engagements
 * that meet the contract or a 4xx naming the problem. Never a 5xx (which platforms retry for
 * ever), never an exception, and never an enqueued message for a refused delivery.
 * Seeded, so a failure reproduces; `FUZZ_RUNS` raises the number of cases.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const now = new Date();
const platforms = [...adapters.keys()];
const samples = (
  await Promise.all(
    platforms.map(async (platform) =>
      (await readSamples(`${root}events/${platform}`)).map(({ file, sample }) => ({ platform, file, sample })),
    ),
  )
).flat();
const jsonSamples = samples.filter(({ sample }) => sample.body !== undefined && typeof sample.body === 'object');

type Path = (string | number)[];
/** Every path into a JSON value, the root included. */
function pathsOf(value: unknown, at: Path = []): Path[] {
  const out: Path[] = [at];
  if (Array.isArray(value)) for (const [i, v] of value.entries()) out.push(...pathsOf(v, [...at, i]));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...at, k]));
  return out;
}
/** A copy of `value` with the value at `path` replaced (or, for `undefined`, removed). */
function replaced(value: unknown, path: Path, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (replacement === undefined && !Array.isArray(node)) delete node[last];
  else node[last] = replacement;
  return copy;
}

const nested = (depth: number, open: string, close: string, inner = '1') =>
  open.repeat(depth) + inner + close.repeat(depth);
/** Values a sender might put anywhere: JSON of every shape, and the awkward strings and numbers. */
const oddValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\ud800',
    '👍🏽',
    'ﬀ',
    'İ',
    '9'.repeat(400),
    '-1',
    '1e309',
    'null',
    '__proto__',
    'constructor',
    '%ZZ',
    'urn:li:comment:(',
    'x'.repeat(70_000),
  ),
  fc.constantFrom(0, -0, 1e21, 2 ** 53 + 1, -1, 0.5, Number.MAX_SAFE_INTEGER, 9007199254740993),
  fc.constantFrom(true, false, null, undefined, [], {}),
  fc.integer({ min: 50, max: 3_000 }).map((d) => JSON.parse(nested(Math.min(d, 900), '[', ']')) as unknown),
);

/** The deps of the webhook's accept path, with the local secrets and a queue in memory. */
function deps(enqueued: IntakeDelivery[]): AcceptWebhookDependencies {
  return {
    adapterFor,
    secretFor: async (platform) => (secrets[platform] ?? {}) as PlatformSecret,
    enqueue: async (delivery) => void enqueued.push(delivery),
    now: () => now,
  };
}

/** Sends a body signed as the sample is, checks the contract of the answer, and returns its status. */
async function checkAnswer(platform: string, sample: Sample, rawBody: string): Promise<number> {
  const signedSample = { ...sample, body: undefined, rawBody };
  const headers = signSample(signedSample, secrets, now);
  const enqueued: IntakeDelivery[] = [];
  const response = await acceptWebhook(
    platform,
    { method: 'POST', headers, query: sampleQuery(sample, secrets), rawBody: Buffer.from(rawBody, 'utf8') },
    deps(enqueued),
  );
  expect(response.statusCode).toBeLessThan(500);
  if (response.statusCode === 200) {
    const { accepted } = JSON.parse(response.body) as { accepted: number };
    expect(enqueued).toHaveLength(accepted > 0 ? 1 : 0);
    // what was enqueued reads back into engagements that meet the contract
    const events = adapterFor(platform)!.normalize(Buffer.from(rawBody, 'utf8'), {
      receivedAt: now.toISOString(),
      headers: {},
    });
    for (const e of events) expect(EngagementDraftSchema.safeParse(e.draft).success).toBe(true);
  } else {
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(enqueued).toEqual([]);
    expect(JSON.parse(response.body)).toEqual({ error: expect.any(String), message: expect.any(String) });
  }
  return response.statusCode;
}

describe('fuzzing the webhook with signed garbage', () => {
  it('has samples to mutate for every platform with a JSON body', () => {
    expect(new Set(jsonSamples.map((s) => s.platform)).size).toBeGreaterThanOrEqual(10);
  });

  it.each([...new Set(jsonSamples.map((s) => s.platform))])(
    '%s: a signed sample with any part replaced is answered 200 or 4xx, never 5xx',
    async (platform) => {
      const mine = jsonSamples.filter((s) => s.platform === platform);
      const statuses = new Set<number>();
      await fc.assert(
        fc.asyncProperty(fc.nat(), fc.nat(), oddValue, async (which, where, value) => {
          const { sample } = mine[which % mine.length]!;
          const paths = pathsOf(sample.body);
          const body = replaced(sample.body, paths[where % paths.length]!, value);
          statuses.add(await checkAnswer(platform, sample, JSON.stringify(body) ?? ''));
        }),
        { numRuns: RUNS, seed: 20261206 },
      );
      // The bodies were signed correctly (never 401/403) and reached the adapter, which both read
      // some of them and refused others: the property was exercised, not short-circuited.
      // (Foursquare carries its secret in the body, so replacing that part is rightly a 403.)
      if (mine.every((s) => s.sample.sign !== undefined)) expect(statuses.has(401) || statuses.has(403)).toBe(false);
      expect(statuses.has(200)).toBe(true);
      expect(statuses.has(400)).toBe(true);
    },
  );

  it.each(platforms)(
    '%s: signed bodies that are not its JSON (deep nesting, odd text) are answered 4xx or 200, never 5xx',
    async (platform) => {
      const { sample } = samples.find((s) => s.platform === platform)!;
      const bodies = fc.oneof(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.integer({ min: 1, max: 200_000 }).map((d) => `{"a":${nested(d, '[', ']')}}`),
        fc.integer({ min: 1, max: 200_000 }).map((d) => nested(d, '{"x":', '}')),
        fc.constantFrom(
          '',
          '{}',
          '[]',
          'null',
          '"x"',
          '{"__proto__":{"polluted":1}}',
          'a=1&b=%ZZ',
          '\ufeff{}',
          '{"a":1,"a":2}',
        ),
      );
      await fc.assert(
        fc.asyncProperty(bodies, async (body) => void (await checkAnswer(platform, sample, body))),
        { numRuns: RUNS, seed: 20261206 },
      );
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it.each(platforms)(
    '%s: normalize refuses bytes that are not UTF-8 with a 400, or reads them, and never throws anything else',
    (platform) => {
      const adapter = adapterFor(platform)!;
      fc.assert(
        fc.property(
          fc.uint8Array({ maxLength: 300 }),
          fc.constantFrom(Buffer.from('{"a":"'), Buffer.from('['), Buffer.alloc(0)),
          (bytes, prefix) => {
            try {
              adapter.normalize(Buffer.concat([prefix, Buffer.from(bytes), Buffer.from([0xff, 0xfe])]), {
                receivedAt: now.toISOString(),
                headers: {},
              });
            } catch (err) {
              expect(err).toBeInstanceOf(WebhookRejection);
              expect((err as WebhookRejection).statusCode).toBe(400);
            }
          },
        ),
        { numRuns: RUNS, seed: 20261206 },
      );
    },
  );
});
