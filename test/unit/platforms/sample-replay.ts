import { fileURLToPath } from 'node:url';
import { EngagementDraftSchema, engagementId } from '#core/engagement/engagement.schema.js';
import type { PlatformAdapter, WebhookRequest } from '#core/platforms/adapter.js';
import { readSamples, sampleBody, sampleQuery, signSample, type Sample } from '#events/sign-sample.js';
import { localSecrets } from '#test-support/local-secrets.js';
import { rejectionOf } from '#test-support/webhook-requests.js';

/**
 * Replays a platform's samples (events/<platform>/*.json) through its adapter, for the platforms
 * whose proof is not a body HMAC: how a sample is authenticated decides what "unsigned" and
 * "tampered" mean. `signature`: HMAC headers from `sign` (unsigned → 401, one byte changed → 403).
 * `query-token`: a `{secret:…}` token in the sample's query (no token → 401; the token does not
 * cover the body, so a changed body still verifies). `body-secret`: the secret is a body parameter.
 * Every kind: the local secrets verify, any other secret value is 403, and the body normalizes to
 * exactly `expect.engagements`, each a valid draft of the platform.
 */
export type SampleAuth = 'signature' | 'query-token' | 'body-secret';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const now = new Date('2025-06-05T12:00:00Z');
const context = { receivedAt: now.toISOString(), headers: {} };

export async function loadSamples(platform: string): Promise<{ file: string; sample: Sample }[]> {
  return readSamples(`${root}events/${platform}`);
}

const request = (
  sample: Sample,
  headers: Record<string, string>,
  query: Record<string, string>,
  rawBody = sampleBody(sample),
): WebhookRequest => ({
  method: sample.method,
  headers,
  query,
  rawBody,
});

export function describeSampleReplay(
  platform: string,
  adapter: PlatformAdapter,
  auth: SampleAuth,
  samples: { file: string; sample: Sample }[],
): void {
  const secret = localSecrets[platform] as Record<string, string>;
  const wrongSecret = Object.fromEntries(Object.entries(secret).map(([key, value]) => [key, `${value}-wrong`]));

  describe(`events/${platform} samples (${auth})`, () => {
    it('exist, at least five, including one that yields no engagement', () => {
      expect(samples.length).toBeGreaterThanOrEqual(5);
      expect(samples.some(({ sample }) => sample.expect.engagements.length === 0)).toBe(true);
    });

    describe.each(samples)('$file', ({ sample }) => {
      const signedHeaders = () => signSample(sample, localSecrets, now);
      const query = () => sampleQuery(sample, localSecrets);

      it('is a POST to its platform webhook expecting 200, authenticated as the platform does', () => {
        expect(sample).toMatchObject({ method: 'POST', path: `/webhooks/${platform}`, expect: { status: 200 } });
        if (auth === 'signature') expect(sample.sign).toBeDefined();
        else expect(sample.sign).toBeUndefined();
        if (auth === 'query-token') expect(sample.query?.token).toMatch(/^\{secret:[A-Za-z]+\}$/);
      });

      it('verifies with the local secrets and is refused (403) with any other secret', () => {
        expect(() => adapter.verify(request(sample, signedHeaders(), query()), secret, now)).not.toThrow();
        expect(
          rejectionOf(() => adapter.verify(request(sample, signedHeaders(), query()), wrongSecret, now)),
        ).toMatchObject({ statusCode: 403, code: 'bad_signature' });
      });

      if (auth === 'signature') {
        it('is refused unsigned (401) and with one byte changed (403)', () => {
          expect(
            rejectionOf(() => adapter.verify(request(sample, sample.headers, query()), secret, now)),
          ).toMatchObject({ statusCode: 401 });
          const tampered = Buffer.from(sampleBody(sample));
          const at = tampered.indexOf(':') + 1;
          tampered[at] = tampered[at] === 0x20 ? 0x09 : 0x20;
          expect(
            rejectionOf(() => adapter.verify(request(sample, signedHeaders(), query(), tampered), secret, now)),
          ).toMatchObject({ statusCode: 403, code: 'bad_signature' });
        });
      }

      if (auth === 'query-token') {
        it('is refused without its token (401 missing_signature)', () => {
          expect(rejectionOf(() => adapter.verify(request(sample, signedHeaders(), {}), secret, now))).toMatchObject({
            statusCode: 401,
            code: 'missing_signature',
          });
        });
      }

      it('normalizes to exactly its expected engagements, each a valid draft of its platform', () => {
        const events = adapter.normalize(sampleBody(sample), context);
        expect(events.map((e) => ({ id: engagementId(e.draft), kind: e.draft.kind, change: e.change }))).toEqual(
          sample.expect.engagements.map((e) => ({ ...e, change: e.change ?? 'created' })),
        );
        for (const { draft } of events) {
          expect(EngagementDraftSchema.parse(draft)).toEqual(draft);
          expect(draft.platform).toBe(platform);
        }
      });
    });
  });
}
