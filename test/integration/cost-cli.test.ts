import { spawnSync } from 'node:child_process';
import type { CostReport } from '../../bin/commands/cost.js';
import { TEST_STATE_DIR } from './state-dir.js';
import { post, receiveUntil } from './twin-client.js';

/** `npx switchboard cost` against the running twin. */
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/switchboard.js', 'cost', ...args], {
    encoding: 'utf8',
    env: { ...process.env, SWITCHBOARD_STATE_DIR: TEST_STATE_DIR },
  });

describe('npx switchboard cost', () => {
  it('prices what the twin did for the engagements it routed, line by line beside the floor', async () => {
    const ids = ['cost-cli-1', 'cost-cli-2', 'cost-cli-3'];
    for (const id of ids) {
      const res = await post({
        path: '/webhooks/generic',
        headers: { 'content-type': 'application/json' },
        body: { id, text: 'the app crashes when I log in', author: { id: 'u1' } },
        sign: 'generic',
      });
      expect(res.status).toBe(200);
    }
    const seen: string[] = [];
    while (seen.length < ids.length)
      seen.push(
        ...(await receiveUntil('engineering', (m) => ids.map((i) => `generic:${i}`).includes(m.detail.id))).map(
          (m) => m.detail.id,
        ),
      );

    const out = cli('--json');
    expect(out.status).toBe(0);
    const report = JSON.parse(out.stdout) as CostReport;
    expect(report.engagements).toBeGreaterThanOrEqual(3);
    expect(report.lines.map((l) => l.service)).toEqual([
      'API Gateway (REST)',
      'Lambda requests',
      'Lambda duration',
      'DynamoDB writes',
      'DynamoDB reads',
      'EventBridge events',
      'SQS',
    ]);
    const line = (s: string) => report.lines.find((l) => l.service === s)!;
    // every engagement was written to the table and published once
    expect(line('DynamoDB writes').unitsPerEngagement).toBeGreaterThan(1);
    expect(line('EventBridge events').unitsPerEngagement).toBe(1);
    expect(line('Lambda requests').unitsPerEngagement).toBeGreaterThan(0.5);
    expect(report.perMillion.ratio).toBeCloseTo(report.perMillion.total / report.perMillion.floor);

    const text = cli();
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(
      /total \$\d+\.\d\d per million; floor \$\d+\.\d\d; \d+\.\d\d× the floor \(target ≤ 1\.3×: (met|NOT met)\)/,
    );
    expect(cli('--bogus').status).toBe(2);
  });
});
