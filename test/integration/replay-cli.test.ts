import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_STATE_DIR } from './state-dir.js';
import { engage, type RoutedMessage, receiveUntil, twin } from './twin-client.js';

const TWIN_CONFIG = join(TEST_STATE_DIR, 'switchboard.yaml');

/** `npx switchboard replay` against the running test twin, with the given config. */
const cli = (config: string, ...args: string[]) =>
  spawnSync(process.execPath, ['bin/switchboard.js', 'replay', ...args], {
    encoding: 'utf8',
    env: { ...process.env, SWITCHBOARD_STATE_DIR: TEST_STATE_DIR, SWITCHBOARD_CONFIG: config },
  });

/** Every message for these engagements that reaches the department's queue within the time. */
async function receiveAll(department: string, ids: string[], timeoutMs: number): Promise<RoutedMessage[]> {
  const seen: RoutedMessage[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !ids.every((id) => seen.some((m) => m.detail.id === id)))
    seen.push(...(await receiveUntil(department, (m) => ids.includes(m.detail.id), deadline - Date.now())));
  return seen;
}

describe('npx switchboard replay', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-replay-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives a department its history once: what its new rule would have sent it, marked replayed', async () => {
    // A keyword of this run only, so no other test's engagement matches the new rule.
    const keyword = `itreplay${Array.from({ length: 10 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('')}`;
    const since = new Date(Date.now() - 1_000).toISOString();
    const ids = [await engage(`${keyword} hello there`), await engage(`${keyword} one more thing`)];
    // No rule routes them today: they go to the default department (and are stored by then).
    const today = await receiveAll('communications', ids, 30_000);
    expect(today.map((m) => m.detail.id).sort()).toEqual([...ids].sort());

    // The config with a rule that would have sent them to legal.
    const config = join(dir, 'switchboard.yaml');
    writeFileSync(
      config,
      readFileSync(TWIN_CONFIG, 'utf8').replace(
        /^rules:\n/m,
        `rules:\n  - id: it-replay\n    when: { keywords: [${keyword}] }\n    routeTo: [legal]\n`,
      ),
    );

    const dryRun = cli(config, '--department', 'legal', '--since', since, '--dry-run');
    expect(dryRun.stderr).toBe('');
    expect(dryRun.status).toBe(0);
    expect(dryRun.stdout.trim().split('\n').slice(0, -1).sort()).toEqual([...ids].sort());
    expect(dryRun.stdout.trim().split('\n').at(-1)).toBe(
      'replayed to legal: 2 matched, 0 sent, 0 skipped (already replayed)',
    );

    const first = cli(config, '--department', 'legal', '--since', since, '--json');
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    // 2 sent, not skipped: the dry run wrote nothing.
    expect(JSON.parse(first.stdout)).toEqual({ matched: 2, sent: 2, skipped: 0 });
    expect(existsSync(join(TEST_STATE_DIR, 'replay', 'legal.json'))).toBe(false);

    const replayed = await receiveAll('legal', ids, 30_000);
    expect(replayed.map((m) => m.detail.id).sort()).toEqual([...ids].sort());
    for (const m of replayed) {
      const before = today.find((t) => t.detail.id === m.detail.id)!;
      expect(m.source).toBe('switchboard');
      expect(m['detail-type']).toBe('Engagement Routed');
      const { routing, ...engagement } = m.detail;
      const { routing: _first, ...sameEngagement } = before.detail;
      expect(engagement).toEqual(sameEngagement);
      expect(routing).toEqual({
        departments: ['legal'],
        rules: ['it-replay'],
        priority: 'normal',
        // The config replay loaded, not the twin's.
        configVersion: createHash('sha256').update(readFileSync(config)).digest('hex').slice(0, 16),
        replayed: true,
      });
    }

    const again = cli(config, '--department', 'legal', '--since', since, '--json');
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ matched: 2, sent: 0, skipped: 2 });
    const text = cli(config, '--department', 'legal', '--since', since);
    expect(text.status).toBe(0);
    expect(text.stdout).toBe('replayed to legal: 2 matched, 0 sent, 2 skipped (already replayed)\n');
    const dryAgain = cli(config, '--department', 'legal', '--since', since, '--dry-run');
    expect(dryAgain.stdout).toBe('replayed to legal: 2 matched, 0 sent, 2 skipped (already replayed)\n');
    // Nothing new arrives.
    expect(await receiveUntil('legal', (m) => ids.includes(m.detail.id), 5_000)).toEqual([]);
    // The department works what it got from history as any other engagement.
    const res = await fetch(`${twin.webhookBaseUrl}/departments/legal/status`, {
      method: 'POST',
      headers: { authorization: 'Bearer local-legal-status-token', 'content-type': 'application/json' },
      body: JSON.stringify({ engagementId: ids[0], status: 'dismissed', reportId: 'replay-1' }),
    });
    expect(await res.json()).toEqual({ engagementId: ids[0], department: 'legal', status: 'dismissed', version: 2 });
  });

  it('exits 1 for a department the config does not have (naming those it has) or without a twin, 2 for a bad command line', () => {
    const unknown = cli(TWIN_CONFIG, '--department', 'nobody', '--since', '2026-01-01');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(
      /no department "nobody" in .*; departments: customer-care, engineering, sales, communications, legal, it-worker, it-fast, it-crisis\n$/,
    );

    const noTwin = spawnSync(
      process.execPath,
      ['bin/switchboard.js', 'replay', '--department', 'legal', '--since', '2026-01-01'],
      {
        encoding: 'utf8',
        env: { ...process.env, SWITCHBOARD_STATE_DIR: dir, SWITCHBOARD_CONFIG: TWIN_CONFIG },
      },
    );
    expect(noTwin.status).toBe(1);
    expect(noTwin.stderr).toMatch(/no running local twin found/);

    expect(cli(TWIN_CONFIG, '--department', 'legal').status).toBe(2);
    expect(cli(TWIN_CONFIG, '--since', '2026-01-01').status).toBe(2);
    expect(cli(TWIN_CONFIG, '--department', 'legal', '--since', 'last tuesday').status).toBe(2);
    // A job on AWS always starts from the beginning: --restart means nothing there.
    const restart = cli(TWIN_CONFIG, '--department', 'legal', '--since', '2026-01-01', '--stack', 'Prod', '--restart');
    expect(restart.status).toBe(2);
    expect(restart.stderr).toContain('--restart');
  });
});
