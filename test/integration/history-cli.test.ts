import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { TEST_STATE_DIR } from './state-dir.js';
import { engage, receiveUntil, twin } from './twin-client.js';

/** `npx switchboard history` against the running twin, with the config the twin runs (for its SLA deadlines). */
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/switchboard.js', 'history', ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      SWITCHBOARD_STATE_DIR: TEST_STATE_DIR,
      SWITCHBOARD_CONFIG: join(TEST_STATE_DIR, 'switchboard.yaml'),
    },
  });

/** Reports a status over HTTPS as Customer Care's system does. */
async function report(body: object): Promise<number> {
  const res = await fetch(`${twin.webhookBaseUrl}/departments/customer-care/status`, {
    method: 'POST',
    headers: { authorization: 'Bearer local-customer-care-status-token', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return res.status;
}

const iso = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

describe('npx switchboard history', () => {
  it('tells an engagement’s story from the table: its routing and why, and each change its department reported', async () => {
    const id = await engage('my order never arrived, refund please');
    // Routed (and stored) once Customer Care has it.
    expect((await receiveUntil('customer-care', (m) => m.detail.id === id)).length).toBe(1);
    expect(
      await report({
        engagementId: id,
        status: 'acknowledged',
        reportId: 'hist-1',
        actor: { id: 'agent-7', name: 'Kim' },
      }),
    ).toBe(200);
    expect(await report({ engagementId: id, status: 'resolved', reportId: 'hist-2', actor: { id: 'agent-7' } })).toBe(
      200,
    );

    const json = cli(id, '--json');
    expect(json.stderr).toBe('');
    expect(json.status).toBe(0);
    const out = JSON.parse(json.stdout) as {
      engagement: { id: string; receivedAt: string; routing: { configVersion: string } };
      assignments: { events: { at: string }[] }[];
    };
    // Exactly the contract's keys (no case: this engagement belongs to no conversation).
    expect(Object.keys(out).sort()).toEqual(['assignments', 'decision', 'engagement', 'replies']);
    expect(out).toEqual({
      engagement: expect.objectContaining({
        id,
        text: 'my order never arrived, refund please',
        routing: expect.objectContaining({ departments: ['customer-care'], rules: ['care-orders-and-refunds'] }),
      }),
      decision: {
        rules: ['care-orders-and-refunds'],
        reasons: [
          {
            rule: 'care-orders-and-refunds',
            matched: expect.arrayContaining([expect.objectContaining({ field: 'keywords', operator: 'exact' })]),
          },
        ],
        configVersion: out.engagement.routing.configVersion,
        at: iso,
      },
      assignments: [
        {
          department: 'customer-care',
          state: 'resolved',
          version: 3,
          // Customer Care answers within an hour of receipt.
          slaDueAt: new Date(Date.parse(out.engagement.receivedAt) + 3_600_000).toISOString(),
          events: [
            {
              at: iso,
              from: 'new',
              to: 'acknowledged',
              reportId: 'hist-1',
              actor: { id: 'agent-7', name: 'Kim' },
              by: 'department',
            },
            {
              at: iso,
              from: 'acknowledged',
              to: 'resolved',
              reportId: 'hist-2',
              actor: { id: 'agent-7' },
              by: 'department',
            },
          ],
        },
      ],
      replies: [],
    });
    const [first, second] = out.assignments[0]!.events;
    expect(Date.parse(second!.at)).toBeGreaterThanOrEqual(Date.parse(first!.at));

    const text = cli(id);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain(`engagement ${id}: generic post by @sam`);
    expect(text.stdout).toContain('routed to customer-care (rule care-orders-and-refunds: keywords = ');
    expect(text.stdout).toContain(`${first!.at}  customer-care: new → acknowledged by agent-7 (Kim), report hist-1`);
    expect(text.stdout).toContain(`${second!.at}  customer-care: acknowledged → resolved by agent-7, report hist-2`);
    expect(text.stdout).toContain('  customer-care: resolved (version 3); first response due ');
  });

  it('exits 1 for an engagement the table does not hold, and 2 for a command line that does not fit', () => {
    const missing = `generic:${randomUUID()}`;
    const run = cli(missing, '--json');
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`no engagement ${missing} in table ${twin.tableName}\n`);
    expect(cli().status).toBe(2);
    expect(cli(missing, '--nope').status).toBe(2);
  });
});
