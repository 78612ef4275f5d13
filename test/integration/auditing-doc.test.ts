import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_STATE_DIR } from './state-dir.js';
import { engage, receiveUntil, twin } from './twin-client.js';

/** `npx switchboard audit …` against the running twin. */
const audit = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/switchboard.js', 'audit', ...args], {
    encoding: 'utf8',
    env: { ...process.env, SWITCHBOARD_STATE_DIR: TEST_STATE_DIR },
  });

/** The SQL blocks of docs/auditing.md, with the bold question above each. */
function documentedQueries(): { question: string; sql: string }[] {
  const text = readFileSync('docs/auditing.md', 'utf8');
  return [...text.matchAll(/^\*\*([^*]+)\*\*[^`]*?```sql\n([\s\S]*?)```/gm)].map((m) => ({
    question: m[1]!,
    sql: m[2]!.trim(),
  }));
}

describe('docs/auditing.md against an export of the twin', () => {
  const out = mkdtempSync(join(tmpdir(), 'switchboard-audit-'));
  const ids: string[] = [];
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  beforeAll(async () => {
    ids.push(await engage('my refund never arrived, this is awful'), await engage('lovely new shop window 🌟'));
    await receiveUntil('customer-care', (m) => m.detail.id === ids[0]);
    await receiveUntil('communications', (m) => m.detail.id === ids[1]);
    const res = await fetch(`${twin.webhookBaseUrl}/departments/customer-care/status`, {
      method: 'POST',
      headers: { authorization: 'Bearer local-customer-care-status-token', 'content-type': 'application/json' },
      body: JSON.stringify({
        engagementId: ids[0],
        status: 'resolved',
        reportId: 'audit-1',
        actor: { id: 'auditor-test' },
      }),
    });
    expect(res.status).toBe(200);
    const exported = audit('export', '--out', join(out, 'export'), '--json');
    expect(exported.status).toBe(0);
  });

  it('finds what was posted, joined with its decision, assignment and status change in one query', () => {
    const query = audit(
      'query',
      '--json',
      '--export',
      join(out, 'export'),
      `SELECT e.engagement_id, d.rule_ids, a.department, a.state, s.to_state, s.actor_id
       FROM engagements e JOIN routing_decisions d USING (engagement_id) JOIN assignments a USING (engagement_id)
       LEFT JOIN status_changes s ON s.engagement_id = a.engagement_id AND s.department = a.department
       WHERE e.engagement_id IN ('${ids.join("','")}') ORDER BY e.engagement_id = '${ids[0]}' DESC`,
    );
    expect(query.stderr).toBe('');
    expect(JSON.parse(query.stdout)).toEqual([
      {
        engagement_id: ids[0],
        rule_ids: ['care-orders-and-refunds'],
        department: 'customer-care',
        state: 'resolved',
        to_state: 'resolved',
        actor_id: 'auditor-test',
      },
      {
        engagement_id: ids[1],
        rule_ids: [],
        department: 'communications',
        state: 'new',
        to_state: null,
        actor_id: null,
      },
    ]);
  });

  it.each(documentedQueries().map((q) => [q.question, q.sql]))('runs the documented query "%s"', (_q, sql) => {
    const query = audit('query', '--json', '--export', join(out, 'export'), sql);
    expect(query.stderr).toBe('');
    expect(query.status).toBe(0);
    expect(Array.isArray(JSON.parse(query.stdout))).toBe(true);
  });

  it('documents the questions auditors ask (the page has them all)', () => {
    expect(documentedQueries().map((q) => q.question)).toEqual([
      'Everything about one engagement',
      'Decisions by rule and config version',
      'Engagements no rule matched',
      'SLA escalations by department and week',
      'Who changed what',
      'Open work by department',
      'Negative engagements by platform and day.',
    ]);
  });
});
