import { createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { EngagementDraftSchema, engagementId } from '#core/engagement/engagement.schema.js';
import type { WebhookRequest } from '#core/platforms/adapter.js';
import { adapterFor, adapters } from '#core/platforms/registry.js';
import { readSamples, sampleBody, sampleQuery, signSample, type Sample } from '#events/sign-sample.js';
import { localSecrets as secrets } from '#test-support/local-secrets.js';
import { rejectionOf } from '#test-support/webhook-requests.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const now = new Date('2025-06-05T12:00:00Z');
const context = { receivedAt: now.toISOString(), headers: {} };

/** Every platform with an adapter must ship samples; a new adapter is covered as soon as it is registered. */
const MIN_SAMPLES = 2;
const PLATFORMS = [...adapters.keys()].map((platform) => [platform, MIN_SAMPLES] as const);
const samples = await Promise.all(
  PLATFORMS.map(async ([platform]) => ({ platform, list: await readSamples(`${root}events/${platform}`) })),
);
const cases = samples.flatMap(({ platform, list }) =>
  list.map(({ file, sample }) => ({ platform, name: `events/${platform}/${file}`, sample })),
);

function request(sample: Sample, headers: Record<string, string>, rawBody = sampleBody(sample)): WebhookRequest {
  return { method: sample.method, headers, query: sampleQuery(sample, secrets), rawBody };
}

describe('sample deliveries', () => {
  it.each(PLATFORMS)('events/%s holds at least %d samples', (platform, count) => {
    expect(samples.find((s) => s.platform === platform)?.list.length).toBeGreaterThanOrEqual(count);
  });

  describe.each(cases)('$name', ({ platform, sample }) => {
    const adapter = adapterFor(platform)!;
    const secret = secrets[platform] as Record<string, string>;

    // Platforms that sign the body have a `sign` scheme; the few that cannot (no signature at
    // all) carry a shared token in the query, written `{secret:<key>}` in the sample, or, like
    // Foursquare's push `secret` parameter, the (fake, local) secret itself in the body.
    const signed = sample.sign !== undefined;
    const tokenParams = Object.entries(sample.query ?? {})
      .filter(([, v]) => v.includes('{secret:'))
      .map(([k]) => k);
    const bodySecretKeys = signed ? [] : Object.keys(secret).filter((key) => sampleBody(sample).includes(secret[key]!));

    it('is a POST to its platform webhook, authenticated at replay by a signature or a token', () => {
      expect(sample).toMatchObject({ method: 'POST', path: `/webhooks/${platform}` });
      expect(signed || tokenParams.length > 0 || bodySecretKeys.length > 0).toBe(true);
      expect(sample.expect.status).toBe(200);
    });

    it('verifies once signed with the local secrets', () => {
      expect(() => adapter.verify(request(sample, signSample(sample, secrets, now)), secret, now)).not.toThrow();
    });

    it('is refused without its signature or token (401) and with a wrong one (403)', () => {
      const headers = signSample(sample, secrets, now);
      if (signed) {
        expect(rejectionOf(() => adapter.verify(request(sample, sample.headers), secret, now)).statusCode).toBe(401);
        const tampered = Buffer.from(sampleBody(sample));
        const at = tampered.indexOf(':') + 1;
        tampered[at] = tampered[at] === 0x20 ? 0x09 : 0x20;
        const error = rejectionOf(() => adapter.verify(request(sample, headers, tampered), secret, now));
        expect(error).toMatchObject({ statusCode: 403, code: 'bad_signature' });
      } else if (tokenParams.length === 0) {
        const stripped = Buffer.from(
          bodySecretKeys.reduce((text, key) => text.replaceAll(secret[key]!, ''), sampleBody(sample).toString('utf8')),
        );
        const wrong = Object.fromEntries(
          Object.entries(secret).map(([k, v]) => [k, bodySecretKeys.includes(k) ? `${v}x` : v]),
        );
        expect(rejectionOf(() => adapter.verify(request(sample, headers, stripped), secret, now)).statusCode).toBe(401);
        expect(rejectionOf(() => adapter.verify(request(sample, headers), wrong, now)).statusCode).toBe(403);
      } else {
        const query = sampleQuery(sample, secrets);
        const without = Object.fromEntries(Object.entries(query).filter(([k]) => !tokenParams.includes(k)));
        const wrong = Object.fromEntries(
          Object.entries(query).map(([k, v]) => [k, tokenParams.includes(k) ? `${v}x` : v]),
        );
        expect(
          rejectionOf(() => adapter.verify({ ...request(sample, headers), query: without }, secret, now)).statusCode,
        ).toBe(401);
        expect(
          rejectionOf(() => adapter.verify({ ...request(sample, headers), query: wrong }, secret, now)).statusCode,
        ).toBe(403);
      }
    });

    it('normalizes to exactly its expected engagements, each a valid draft', () => {
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

describe('samples that exercise exactness', () => {
  const find = (name: string) => cases.find((c) => c.name.endsWith(name))!.sample;

  it('keeps an X id beyond 2^53 and non-ASCII UTF-8 text intact', () => {
    const sample = find('x/big-id-unicode.json');
    expect(sample.rawBody).toContain('"id":1930697412345678901');
    const [event] = adapterFor('x')!.normalize(sampleBody(sample), context);
    expect(event?.draft.externalId).toBe('1930697412345678901');
    expect(event?.draft.author).toMatchObject({ id: '1234567890123456789', name: 'Zoé Müller 🌻' });
    expect(event?.draft.text).toBe(
      "@acme Le café était délicieux ☕️😍 — merci à l'équipe de Zürich ! Ñandú, naïve, 東京 too",
    );
  });

  it('carries Meta-style \\uXXXX escapes in the Facebook raw body and decodes them', () => {
    const sample = find('facebook/unicode-escaped.json');
    expect(sample.rawBody).toMatch(/\\u00e9.*\\ud83d\\ude1e/);
    expect(sample.rawBody).toContain('https:\\/\\/www.facebook.com');
    expect(/[^\x00-\x7f]/.test(sample.rawBody ?? '')).toBe(false);
    const [event] = adapterFor('facebook')!.normalize(sampleBody(sample), context);
    expect(event?.draft.text).toBe('Très déçue 😞 — la bouilloire est arrivée cassée. ¿Reembolso? 返金お願いします');
    expect(event?.draft.url).toBe('https://www.facebook.com/acmeofficial/posts/pfbid02xYzAbCdEfGhIjK');
  });

  it('refuses a generic sample replayed more than 5 minutes after it was signed', () => {
    const sample = find('generic/single-draft.json');
    const headers = signSample(sample, secrets, new Date(now.getTime() - 301_000));
    const error = rejectionOf(() =>
      adapterFor('generic')!.verify(request(sample, headers), secrets.generic as Record<string, string>, now),
    );
    expect(error).toMatchObject({ statusCode: 401, code: 'stale_timestamp' });
  });
});

describe('signSample', () => {
  it('returns the sample headers unchanged for a sample without a scheme, and names a missing secret', () => {
    const unsigned = { path: '/webhooks/x', headers: { a: 'b' }, body: {}, sign: undefined };
    expect(signSample(unsigned, {}, now)).toEqual({ a: 'b' });
    expect(() => signSample({ ...unsigned, sign: 'x' }, {}, now)).toThrow(/consumerSecret/);
  });

  it('signs a scheme spelled out in the sample, with timestamps, sha1 and secret placeholders', () => {
    const secretsFor = { demo: { key: 'k', token: 't0k' } };
    const sample = {
      path: '/webhooks/demo',
      headers: { authorization: 'Bearer {secret:token}' },
      body: { a: 1 },
      sign: {
        algorithm: 'sha1' as const,
        secretKey: 'key',
        encoding: 'hex' as const,
        payload: 'v1:{timestamp}:{body}',
        headers: { 'x-sig': 't={timestamp},s={digest}' },
      },
    };
    const ts = String(Math.floor(now.getTime() / 1000));
    const digest = createHmac('sha1', 'k').update(`v1:${ts}:{"a":1}`).digest('hex');
    expect(signSample(sample, secretsFor, now)).toEqual({
      authorization: 'Bearer t0k',
      'x-sig': `t=${ts},s=${digest}`,
    });
    expect(sampleQuery({ path: '/webhooks/demo', query: { token: '{secret:token}', plain: 'x' } }, secretsFor)).toEqual(
      { token: 't0k', plain: 'x' },
    );
  });
});
