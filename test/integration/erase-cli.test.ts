import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { TEST_STATE_DIR } from './state-dir.js';
import { dynamodb, engage, receiveUntil, twin } from './twin-client.js';

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/switchboard.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, SWITCHBOARD_STATE_DIR: TEST_STATE_DIR, SWITCHBOARD_REQUESTED_BY: 'dpo@example.com' },
  });
const partition = async (pk: string) =>
  (
    await dynamodb.send(
      new QueryCommand({
        TableName: twin.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: pk } },
        ConsistentRead: true,
      }),
    )
  ).Items?.map((i) => unmarshall(i)) ?? [];

describe('npx switchboard erase --author', () => {
  const out = mkdtempSync(join(tmpdir(), 'switchboard-erase-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('removes the person’s words and identity everywhere, tells the departments, keeps a tombstone and the chain', async () => {
    const person = `u-erase-${randomUUID().slice(0, 8)}`;
    const secret = `zebra${randomUUID().slice(0, 6)}`;
    const mine = [
      await engage(`my refund for order ${secret} never arrived`, { author: person }),
      await engage(`still waiting on ${secret}, where is my refund`, { author: person }),
    ];
    const theirs = await engage(`my refund for ${secret}-other never came`, { author: `${person}-other` });
    for (const id of [...mine, theirs]) await receiveUntil('customer-care', (m) => m.detail.id === id);
    // Handed on to sales, so a delivery copy of it exists too.
    await fetch(`${twin.webhookBaseUrl}/departments/customer-care/status`, {
      method: 'POST',
      headers: { authorization: 'Bearer local-customer-care-status-token', 'content-type': 'application/json' },
      body: JSON.stringify({ engagementId: mine[0], status: 'rerouted', to: 'sales', reportId: 'erase-1' }),
    });
    await receiveUntil('sales', (m) => m.detail.id === mine[0]);
    // A reply that quotes them: its text goes too, in the reply and in its audit event.
    const reply = await fetch(`${twin.webhookBaseUrl}/departments/customer-care/replies`, {
      method: 'POST',
      headers: { authorization: 'Bearer local-customer-care-status-token', 'content-type': 'application/json' },
      body: JSON.stringify({
        engagementId: mine[1],
        text: `Thanks! The refund for ${secret} is on its way`,
        replyId: `erase-reply-${randomUUID().slice(0, 8)}`,
        author: { id: 'agent-9' },
      }),
    });
    expect(reply.status).toBe(201);

    const dry = cli('erase', '--author', `generic:${person}`, '--dry-run', '--json');
    expect(JSON.parse(dry.stdout)).toEqual({ author: `generic:${person}`, engagements: expect.any(Array), erased: 0 });
    expect((JSON.parse(dry.stdout) as { engagements: string[] }).engagements.sort()).toEqual([...mine].sort());

    const erased = cli('erase', '--author', `generic:${person}`, '--json');
    expect(erased.stderr).toBe('');
    expect(JSON.parse(erased.stdout)).toMatchObject({ author: `generic:${person}`, erased: 2 });

    // The table: no text, no author, in the engagement and in its delivery copy; the other person untouched.
    for (const id of mine) {
      const items = await partition(`ENG#${id}`);
      expect(JSON.stringify(items)).not.toContain(secret);
      expect(JSON.stringify(items)).not.toContain(`"${person}"`);
      expect(items.find((i) => i.sk === 'ENGAGEMENT')?.engagement).toMatchObject({
        text: '',
        author: { id: 'erased', handle: '', name: '' },
      });
    }
    expect(JSON.stringify(await partition(`ENG#${theirs}`))).toContain(secret);
    // Nor in the raw deliveries they came in (other deliveries of those batches stay).
    for (const id of mine) {
      const rawKey = (await partition(`ENG#${id}`)).find((i) => i.sk === 'ENGAGEMENT')?.decision?.rawKey as string;
      const parts = (await partition(`RAW#${rawKey}`)).sort((a, b) => String(a.sk).localeCompare(String(b.sk)));
      const raw = parts.length
        ? gunzipSync(Buffer.concat(parts.map((p) => Buffer.from(p.body as Uint8Array)))).toString()
        : '';
      expect(raw).not.toMatch(new RegExp(`${secret}(?!-other)`));
    }

    // The departments that received them are told.
    const told = await receiveUntil(
      'customer-care',
      (m) =>
        m['detail-type'] === 'Engagement Erased' &&
        mine.includes((m.detail as { engagementId?: string }).engagementId ?? ''),
    );
    expect(told[0]?.detail).toMatchObject({ author: `generic:${person}`, at: expect.any(String) });

    // The next export: none of it, the erasure on record, and every audit chain still whole.
    expect(cli('audit', 'export', '--out', join(out, 'export')).status).toBe(0);
    const data = readdirSync(join(out, 'export', 'data'))
      .map((f) => gunzipSync(readFileSync(join(out, 'export', 'data', f))).toString('utf8'))
      .join('\n');
    expect(data).not.toMatch(new RegExp(`${secret}(?!-other)`));
    const rows = cli(
      'audit',
      'query',
      '--json',
      '--export',
      join(out, 'export'),
      `SELECT author, requested_by, engagement_ids FROM erasures WHERE author = 'generic:${person}'`,
    );
    expect(JSON.parse(rows.stdout)).toEqual([
      { author: `generic:${person}`, requested_by: 'dpo@example.com', engagement_ids: expect.any(Array) },
    ]);
    const verify = cli('audit', 'verify', join(out, 'export'));
    expect(verify.stderr).toBe('');
    expect(verify.status).toBe(0);
  });

  it('refuses a person it cannot read (exit 2)', () => {
    expect(cli('erase').status).toBe(2);
    expect(cli('erase', '--author', 'nobody').status).toBe(2);
  });
});
