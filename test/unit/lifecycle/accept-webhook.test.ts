import {
  acceptWebhook,
  connectionSignal,
  SecretIncompleteError,
  type AcceptWebhookDependencies,
} from '#core/lifecycle/accept-webhook.js';
import type { IntakeDelivery } from '#core/intake/delivery.js';
import type { PlatformAdapter } from '#core/platforms/adapter.js';
import { adapterFor } from '#core/platforms/registry.js';
import { switchboardHeaders, unixSeconds } from '#test-support/signatures.js';
import { postRequest } from '#test-support/webhook-requests.js';

const SECRET = 'test-signing-secret';
const NOW = new Date('2026-11-25T12:00:00.000Z');

function deps(overrides: Partial<AcceptWebhookDependencies> = {}) {
  const enqueued: IntakeDelivery[] = [];
  const d: AcceptWebhookDependencies = {
    adapterFor,
    secretFor: async () => ({ signingSecret: SECRET }),
    enqueue: async (delivery) => void enqueued.push(delivery),
    now: () => NOW,
    ...overrides,
  };
  return { d, enqueued };
}

const signed = (body: string, timestamp = unixSeconds(NOW)) =>
  postRequest(body, { 'content-type': 'application/json', ...switchboardHeaders(SECRET, timestamp, body) });

describe('accepting a webhook', () => {
  it('enqueues the exact bytes and answers 200 with the engagement ids only after enqueueing', async () => {
    const { d, enqueued } = deps();
    const body = '{"id":"42","text":"héllo","author":{"id":"u1"}}';
    const res = await acceptWebhook('generic', signed(body), d);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ accepted: 1, engagements: ['generic:42'] });
    expect(enqueued).toEqual([
      {
        v: 1,
        platform: 'generic',
        receivedAt: NOW.toISOString(),
        headers: { 'content-type': 'application/json' },
        body,
      },
    ]);
  });

  it('does not answer 2xx when the queue refuses the delivery', async () => {
    const { d } = deps({ enqueue: async () => Promise.reject(new Error('SQS unavailable')) });
    await expect(acceptWebhook('generic', signed('{"id":"1","text":"x","author":{"id":"u"}}'), d)).rejects.toThrow(
      'SQS unavailable',
    );
  });

  it('tells accepted deliveries and wrong signatures apart for connector health, and ignores unsigned noise', async () => {
    const { d } = deps();
    const body = '{"id":"1","text":"x","author":{"id":"u"}}';
    const signals = [
      await acceptWebhook('generic', signed(body), d),
      await acceptWebhook(
        'generic',
        postRequest(body, {
          'x-switchboard-timestamp': String(unixSeconds(NOW)),
          'x-switchboard-signature': 'sha256=00',
        }),
        d,
      ),
      await acceptWebhook('generic', postRequest(body, {}), d),
    ].map(connectionSignal);
    expect(signals).toEqual([{ accepted: 1 }, { refused: 'bad_signature' }, undefined]);
  });

  it('refuses to verify with an incomplete secret, naming the missing keys and never their values', async () => {
    const { d, enqueued } = deps({ secretFor: async () => ({ signingSecret: '' }) });
    const err = await acceptWebhook('generic', signed('{"id":"1","text":"x","author":{"id":"u"}}'), d).catch(
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(SecretIncompleteError);
    expect((err as Error).message).toContain('has no value for: signingSecret');
    expect(enqueued).toEqual([]);
  });

  it('refuses a body that would not fit in an intake message once escaped, and enqueues nothing', async () => {
    const lenient: PlatformAdapter = {
      id: 'generic',
      secretKeys: [],
      verify: () => undefined,
      normalize: () => [
        {
          change: 'created',
          draft: {
            platform: 'generic',
            kind: 'post',
            externalId: '1',
            text: '',
            createdAt: NOW.toISOString(),
            author: { id: 'u', handle: '', name: '' },
          },
        },
      ],
    };
    const { d, enqueued } = deps({ adapterFor: () => lenient });
    // control characters are JSON-escaped to six bytes each
    const res = await acceptWebhook('generic', postRequest(Buffer.alloc(200 * 1024, 1), {}), d);
    expect(res.statusCode).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({
      error: 'payload_too_large',
      message: expect.stringContaining('once encoded for the intake queue'),
    });
    expect(res.errorCode).toBe('payload_too_large');
    expect(enqueued).toEqual([]);
  });

  it.each([
    ['an unknown platform', 'myspace', signed('{}'), 404, 'unknown_platform'],
    ['an oversized body', 'generic', signed('x'.repeat(300 * 1024)), 413, 'payload_too_large'],
    ['an empty body', 'generic', { ...signed(''), rawBody: Buffer.alloc(0) }, 400, 'empty_body'],
    ['a GET on a platform without handshake', 'generic', { ...signed(''), method: 'GET' }, 405, 'method_not_allowed'],
    ['a PUT', 'generic', { ...signed('{}'), method: 'PUT' }, 405, 'method_not_allowed'],
    [
      'a stale timestamp',
      'generic',
      signed('{"id":"1","text":"x","author":{"id":"u"}}', unixSeconds(NOW) - 301),
      401,
      'stale_timestamp',
    ],
    ['a malformed draft', 'generic', signed('{"text":"no id"}'), 400, 'malformed_body'],
    [
      'an id too long to key an engagement',
      'generic',
      signed(`{"id":"${'9'.repeat(600)}","text":"x","author":{"id":"u"}}`),
      400,
      'malformed_body',
    ],
  ])('refuses %s with %i and enqueues nothing', async (_name, platform, request, status, error) => {
    const { d, enqueued } = deps();
    const res = await acceptWebhook(platform, request, d);
    expect(res.statusCode).toBe(status);
    expect(JSON.parse(res.body)).toMatchObject({ error, message: expect.any(String) });
    expect(res.headers['content-type']).toBe('application/json');
    expect(enqueued).toEqual([]);
  });
});
