import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const { SWITCHBOARD_CONFIG: _ignored, ...env } = process.env;
const cli = (args: string[], config = 'config/switchboard.yaml') =>
  spawnSync(process.execPath, ['bin/switchboard.js', 'voice', ...args], {
    encoding: 'utf8',
    env: { ...env, SWITCHBOARD_CONFIG: config },
  });

describe('npx switchboard voice', () => {
  it('check explains a refusal: each violation with its rule, where it is and the text, exit 1', () => {
    const run = cli(['check', '--platform', 'x', 'We GUARANTEE a fix lol, see https://evil.example.com']);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('refused: 2 violations');
    expect(run.stdout).toContain('✗ no-promises at 3–12 "GUARANTEE": Legal bans promises');
    expect(run.stdout).toContain('! casual at 19–22 "lol"');
    expect(run.stdout).toMatch(
      /✗ links at 28–52 "https:\/\/evil\.example\.com": .*evil\.example\.com is not one of them/,
    );
  });

  it('check allows what the policy allows, exit 0, and --json gives the verdict', () => {
    const run = cli(['check', '--department', 'legal', '--json', 'We guarantee nothing beyond the warranty']);
    expect(run.status).toBe(0);
    const verdict = JSON.parse(run.stdout) as { refused: boolean; checks: { rule: string; ok: boolean }[] };
    expect(verdict.refused).toBe(false);
    expect(verdict.checks.map((c) => c.rule)).not.toContain('no-promises');
  });

  it('test runs the shipped examples, and fails a config whose example breaks', () => {
    const shipped = cli(['test']);
    expect(shipped.status).toBe(0);
    expect(shipped.stdout).toMatch(/voice examples: (\d+) passed, 0 failed/);

    const dir = mkdtempSync(join(tmpdir(), 'sb-voice-'));
    const config = join(dir, 'voice.yaml');
    writeFileSync(
      config,
      `departments: [{ id: care, name: Care }]
defaultDepartment: care
voice:
  terms: [{ id: no-promises, match: [guarantee], message: No promises. }]
  examples:
    allowed: ["We guarantee it"]
`,
    );
    const broken = cli(['test', config]);
    expect(broken.status).toBe(1);
    expect(broken.stdout).toContain('✗ allowed "We guarantee it": refused by no-promises');
  });

  it('a command line that does not fit exits 2 with the usage', () => {
    expect(cli(['check']).status).toBe(2);
    expect(cli(['check', '--platform', 'myspace', 'hi']).status).toBe(2);
    expect(cli(['nope']).status).toBe(2);
  });
});
