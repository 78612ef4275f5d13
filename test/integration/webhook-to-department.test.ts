import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { localSecrets } from '../support/local-secrets.js';
import { hubSignature } from '../support/signatures.js';
import { dynamodb, post, receiveUntil, twin } from './twin-client.js';
import { adapters } from '#core/platforms/registry.js';
import { readSamples } from '#events/sign-sample.js';

const fbSign = (body: Buffer) => hubSignature(body, localSecrets.facebook!.appSecret!);

/** A Facebook Page feed comment, as Meta delivers it, with a fresh id. */
function facebookComment(text: string) {
  const commentId = `${Date.now()}_${Math.floor(Math.random() * 1e9)}`;
  const body = {
    object: 'page',
    entry: [
      {
        id: '1122334455',
        time: Math.floor(Date.now() / 1000),
        changes: [
          {
            field: 'feed',
            value: {
              item: 'comment',
              verb: 'add',
              post_id: '1122334455_777',
              comment_id: commentId,
              parent_id: '1122334455_777',
              // A commenter of their own per comment: two comments of one person on one post are
              // one case (docs/lifecycle.md), and each test here is about routing alone.
              from: { id: `555${Math.floor(Math.random() * 1e9)}`, name: 'Sam Lee' },
              message: text,
              created_time: Math.floor(Date.now() / 1000),
            },
          },
        ],
      },
    ],
  };
  return {
    id: `facebook:${commentId}`,
    sample: {
      path: '/webhooks/facebook',
      headers: { 'content-type': 'application/json' },
      body,
      sign: 'facebook' as const,
    },
  };
}

const stored = async (id: string) =>
  (
    await dynamodb.send(
      new GetItemCommand({ TableName: twin.tableName, Key: { pk: { S: `ENG#${id}` }, sk: { S: 'ENGAGEMENT' } } }),
    )
  ).Item;

describe('local twin: webhook to department queue', () => {
  it('writes local.json with every department queue and dead-letter queue', () => {
    expect(Object.keys(twin.queues).sort()).toEqual([
      'communications',
      'customer-care',
      'engineering',
      'it-crisis',
      'it-fast',
      'it-worker',
      'legal',
      'sales',
    ]);
    expect(Object.keys(twin.deadLetterQueues).length).toBeGreaterThanOrEqual(11);
    expect(twin).toMatchObject({ region: 'us-east-1', eventBusName: expect.stringContaining('engagements') });
  });

  it('routes a signed Facebook comment to the department its rule names', async () => {
    const { id, sample } = facebookComment('My order never arrived and I want a refund');
    const res = await post(sample);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 1, engagements: [id] });

    const [message] = await receiveUntil('customer-care', (m) => m.detail.id === id);
    expect(message).toMatchObject({ source: 'switchboard', 'detail-type': 'Engagement Routed' });
    expect(message?.detail.routing).toMatchObject({
      departments: ['customer-care'],
      rules: ['care-orders-and-refunds'],
    });
    expect(message?.detail).toMatchObject({
      platform: 'facebook',
      kind: 'comment',
      text: 'My order never arrived and I want a refund',
    });
    expect(await stored(id)).toBeDefined();
  });

  it('sends an engagement no rule matches to the default department', async () => {
    const { id, sample } = facebookComment('What a lovely sunset over the harbour');
    expect((await post(sample)).status).toBe(200);
    const [message] = await receiveUntil('communications', (m) => m.detail.id === id);
    expect(message?.detail.routing).toMatchObject({ departments: ['communications'], rules: [] });
  });

  it('produces one department message for a redelivered platform event', async () => {
    const { id, sample } = facebookComment('The app crashes every time I log in');
    expect((await post(sample)).status).toBe(200);
    expect((await post(sample)).status).toBe(200);
    const marker = facebookComment('Another crash report, sent after the redelivery');
    expect((await post(marker.sample)).status).toBe(200);

    const seen = await receiveUntil('engineering', (m) => m.detail.id === marker.id || m.detail.id === id);
    // keep reading until the marker (sent last) has arrived, so a second copy would have too
    const more = seen.some((m) => m.detail.id === marker.id)
      ? []
      : await receiveUntil('engineering', (m) => m.detail.id === marker.id || m.detail.id === id);
    const all = [...seen, ...more];
    expect(all.filter((m) => m.detail.id === marker.id)).toHaveLength(1);
    const extra = await receiveUntil('engineering', (m) => m.detail.id === id, 3_000);
    expect([...all, ...extra].filter((m) => m.detail.id === id)).toHaveLength(1);
  });

  describe('refuses bad requests and changes nothing', () => {
    const refusals: [
      string,
      (s: ReturnType<typeof facebookComment>['sample']) => { headers: Record<string, string>; body: Buffer },
      number,
      string,
    ][] = [
      [
        'a tampered body',
        (s) => {
          const body = Buffer.from(JSON.stringify(s.body));
          return {
            headers: { 'content-type': 'application/json', 'x-hub-signature-256': fbSign(body) },
            body: Buffer.from(body.toString().replace('refund', 'REFUND')),
          };
        },
        403,
        'bad_signature',
      ],
      [
        'an unsigned request',
        (s) => ({ headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(s.body)) }),
        401,
        'missing_signature',
      ],
      [
        'a signature made with another secret',
        (s) => {
          const body = Buffer.from(JSON.stringify(s.body));
          return {
            headers: {
              'content-type': 'application/json',
              'x-hub-signature-256': hubSignature(body, 'not-the-secret'),
            },
            body,
          };
        },
        403,
        'bad_signature',
      ],
      [
        'a malformed but signed body',
        () => {
          const body = Buffer.from('{"object":"page","entry":[{"id":"1",');
          return { headers: { 'content-type': 'application/json', 'x-hub-signature-256': fbSign(body) }, body };
        },
        400,
        'malformed_body',
      ],
    ];

    it.each(refusals)('%s', async (_name, build, status, error) => {
      const { id, sample } = facebookComment('I want a refund for this');
      const { headers, body } = build(sample);
      const res = await post(sample, headers, body);
      expect(res.status).toBe(status);
      expect(await res.json()).toMatchObject({ error, message: expect.any(String) });
      // Other test files share the twin, so the intake queue is not empty; what must not exist is
      // anything for this delivery, by the time a queued delivery would have been processed.
      expect(await receiveUntil('customer-care', (m) => m.detail.id === id, 2_000)).toEqual([]);
      expect(await stored(id)).toBeUndefined();
    });

    it('answers 404 for an unknown platform and 413 for an oversized body', async () => {
      const unknown = await fetch(`${twin.webhookBaseUrl}/webhooks/myspace`, { method: 'POST', body: '{}' });
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ error: 'unknown_platform' });
      const big = await fetch(`${twin.webhookBaseUrl}/webhooks/generic`, {
        method: 'POST',
        body: 'x'.repeat(300 * 1024),
      });
      expect(big.status).toBe(413);
      expect(await big.json()).toMatchObject({ error: 'payload_too_large' });
    });
  });

  it('answers the X CRC handshake and the Meta verification through the API', async () => {
    const crc = await fetch(`${twin.webhookBaseUrl}/webhooks/x?crc_token=${randomUUID()}`);
    expect(crc.status).toBe(200);
    expect(await crc.json()).toEqual({ response_token: expect.stringMatching(/^sha256=[A-Za-z0-9+/]+=*$/) });
    const verify = await fetch(
      `${twin.webhookBaseUrl}/webhooks/facebook?hub.mode=subscribe&hub.challenge=12345&hub.verify_token=${localSecrets.facebook!.verifyToken}`,
    );
    expect(verify.status).toBe(200);
    expect(await verify.text()).toBe('12345');
  });

  it('takes every shipped sample of every platform end to end: accepted, stored, routed and published', async () => {
    const { replaySamples } = await import('#local/demo.js');
    const results = await replaySamples(twin.webhookBaseUrl, 'config/local-secrets.json');
    expect(new Set(results.map((r) => r.file.split('/')[0])).size).toBe(adapters.size);
    expect(results.filter((r) => r.status !== r.expectedStatus)).toEqual([]);

    const ids = new Set(results.flatMap((r) => (JSON.parse(r.body) as { engagements?: string[] }).engagements ?? []));
    const deletedOnly = new Set(await deletionsOfUnseen());
    // Every engagement is stored…
    const departments = new Map<string, Set<string>>();
    const deadline = Date.now() + 30_000;
    for (const id of ids) {
      if (deletedOnly.has(id)) continue;
      let item = await stored(id);
      while (!item && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        item = await stored(id);
      }
      expect({ id, stored: Boolean(item) }).toEqual({ id, stored: true });
      for (const d of item?.engagement?.M?.routing?.M?.departments?.L ?? [])
        departments.set(d.S!, (departments.get(d.S!) ?? new Set()).add(id));
    }
    // …and, published from the table's stream, reaches each of its departments.
    for (const [department, want] of departments) {
      const missing = new Set(want);
      while (missing.size > 0 && Date.now() < deadline + 30_000) {
        for (const m of await receiveUntil(department, (x) => missing.has(x.detail.id), 5_000))
          missing.delete(m.detail.id);
      }
      expect({ department, missing: [...missing] }).toEqual({ department, missing: [] });
    }
  });
});

/** Ids whose only samples are deletions: a deletion of an engagement never seen stores nothing. */
async function deletionsOfUnseen(): Promise<string[]> {
  const expected = (await Promise.all([...adapters.keys()].map((p) => readSamples(`events/${p}`))))
    .flat()
    .flatMap(({ sample }) => sample.expect.engagements);
  const created = new Set(expected.filter((e) => (e.change ?? 'created') !== 'deleted').map((e) => e.id));
  return expected.filter((e) => e.change === 'deleted' && !created.has(e.id)).map((e) => e.id);
}
