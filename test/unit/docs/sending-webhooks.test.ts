import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { acceptWebhook } from '#core/lifecycle/accept-webhook.js';
import type { IntakeDelivery } from '#core/intake/delivery.js';
import { genericAdapter } from '#core/platforms/generic.js';
import { adapterFor } from '#core/platforms/registry.js';
import { localSecrets } from '#test-support/local-secrets.js';
import { postRequest, rejectionOf } from '#test-support/webhook-requests.js';

/**
 * The worked example of docs/sending-webhooks.md, checked with the repository's own generic
 * verification: the printed digest must be the one the adapter expects for the documented
 * secret, timestamp and body, so the guide cannot drift from the code. No sockets, no processes.
 */
const doc = readFileSync(fileURLToPath(new URL('../../../docs/sending-webhooks.md', import.meta.url)), 'utf8');

/** Every capture of `pattern` (a /gm regex with one group) in the guide. */
function allOf(pattern: RegExp): string[] {
  return [...doc.matchAll(pattern)].map((m) => m[1]!);
}

/** The one value `pattern` captures; several occurrences must agree (the live curl repeats them). */
function theOne(pattern: RegExp, what: string): string {
  const values = allOf(pattern);
  if (values.length === 0) throw new Error(`docs/sending-webhooks.md has no ${what}`);
  if (new Set(values).size > 1)
    throw new Error(`docs/sending-webhooks.md has different ${what}s: ${values.join(' | ')}`);
  return values[0]!;
}

const secret = theOne(/^secret='([^']+)'$/gm, "secret='…' line");
const timestamp = theOne(/^ts=(\d+)$/gm, 'ts=<digits> line');
const body = theOne(/^body='([^']+)'$/gm, "body='…' line");
const signature = theOne(/^X-Switchboard-Signature: (sha256=[0-9a-f]{64})$/gm, 'X-Switchboard-Signature line');
const now = new Date(Number(timestamp) * 1000);

const request = (raw: string, headers: Record<string, string> = {}) =>
  postRequest(raw, {
    'content-type': 'application/json',
    'x-switchboard-timestamp': timestamp,
    'x-switchboard-signature': signature,
    ...headers,
  });
const verify =
  (raw: string, headers: Record<string, string> = {}, at = now) =>
  () =>
    genericAdapter.verify(request(raw, headers), { signingSecret: secret }, at);

describe('docs/sending-webhooks.md worked example', () => {
  it('uses the local twin’s generic signing secret, so the curl line works against `npm start`', () => {
    expect(secret).toBe(localSecrets.generic?.signingSecret);
  });

  it('prints the same timestamp and digest in the openssl output and in the headers', () => {
    expect(theOne(/^X-Switchboard-Timestamp: (\d+)$/gm, 'X-Switchboard-Timestamp line')).toBe(timestamp);
    expect(theOne(/^SHA2-256\(stdin\)= ([0-9a-f]{64})$/gm, 'openssl output line')).toBe(
      signature.slice('sha256='.length),
    );
  });

  it('has a signature the generic adapter accepts for that body and timestamp', () => {
    expect(verify(body)).not.toThrow();
  });

  it('has a signature the adapter refuses for a changed body, a changed timestamp or another secret', () => {
    const changed = body.replace('refund', 'refunds');
    expect(changed).not.toBe(body);
    expect(rejectionOf(verify(changed))).toMatchObject({ statusCode: 403, code: 'bad_signature' });
    expect(rejectionOf(verify(`${body} `))).toMatchObject({ statusCode: 403, code: 'bad_signature' });
    expect(rejectionOf(verify(body, { 'x-switchboard-timestamp': String(Number(timestamp) + 1) }))).toMatchObject({
      statusCode: 403,
      code: 'bad_signature',
    });
    const otherSecret = () => genericAdapter.verify(request(body), { signingSecret: `${secret}-rotated` }, now);
    expect(rejectionOf(otherSecret)).toMatchObject({ statusCode: 403, code: 'bad_signature' });
  });

  it('is refused as stale once more than 5 minutes have passed, as the guide says', () => {
    expect(verify(body, {}, new Date(now.getTime() + 300_000))).not.toThrow();
    expect(rejectionOf(verify(body, {}, new Date(now.getTime() + 301_000)))).toMatchObject({
      statusCode: 401,
      code: 'stale_timestamp',
    });
  });

  it('gets the 200 answer the guide prints, with the engagement id generic:<id>', async () => {
    const enqueued: IntakeDelivery[] = [];
    const response = await acceptWebhook('generic', request(body), {
      adapterFor,
      secretFor: async () => ({ signingSecret: secret }),
      enqueue: async (delivery) => void enqueued.push(delivery),
      now: () => now,
    });
    expect(response.statusCode).toBe(200);
    const { id } = JSON.parse(body) as { id: string };
    expect(JSON.parse(response.body)).toEqual({ accepted: 1, engagements: [`generic:${id}`] });
    expect(doc).toContain(response.body);
    expect(enqueued).toHaveLength(1);
  });
});
