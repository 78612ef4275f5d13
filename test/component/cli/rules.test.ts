import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const shipped = readFileSync('config/switchboard.yaml', 'utf8');
const { SWITCHBOARD_CONFIG: _ignored, ...env } = process.env;
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/switchboard.js', ...args], { encoding: 'utf8', env });
const dir = mkdtempSync(join(tmpdir(), 'sb-rules-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('npx switchboard rules test', () => {
  it('runs the examples of the given config, one ✓ line each and a summary, and exits 0', () => {
    const out = cli('rules', 'test', 'config/switchboard.yaml');
    expect(out.status).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('✓ ')).length).toBeGreaterThanOrEqual(14);
    expect(lines.some((l) => l.startsWith('✗'))).toBe(false);
    expect(out.stdout).toMatch(/✓ big-voices routes .*followers/);
    expect(lines.at(-1)).toMatch(/^\d+ examples of 7 rules: \d+ passed, 0 failed$/);
  });

  it('reads SWITCHBOARD_CONFIG when no file is given', () => {
    const out = spawnSync(process.execPath, ['bin/switchboard.js', 'rules', 'test'], {
      encoding: 'utf8',
      env: { ...process.env, SWITCHBOARD_CONFIG: 'config/switchboard.yaml' },
    });
    expect(out.status).toBe(0);
  });

  it('exits 1 and names the rule when an example fails', () => {
    // Lowering the big-voices threshold makes its 9999-follower example match.
    const changed = file('lower-threshold.yaml', shipped.replace('numeric: [">=", 10000]', 'numeric: [">=", 5000]'));
    const out = cli('rules', 'test', changed);
    expect(out.status).toBe(1);
    expect(out.stdout).toMatch(
      /^✗ big-voices does not route "Really disappointed with the new update" \(x, 9999 followers\): matches, but should not/m,
    );
    expect(out.stdout).toMatch(/1 failed \(big-voices\)$/m);
  });

  it('exits 1 with file, line, rule and field for an invalid example', () => {
    const bad = file(
      'bad-example.yaml',
      shipped.replace('author: { followers: 10000 }', 'author: { follower: 10000 }'),
    );
    const line =
      readFileSync(bad, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('follower: 10000')) + 1;
    const out = cli('rules', 'test', bad);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain(`${bad}:${line}:`);
    expect(out.stderr).toMatch(
      /rules\[6\]\.examples\.routes\[1\]\.author: in rule "big-voices": Unrecognized key: "follower"/,
    );
  });
});

describe('npx switchboard rules diff', () => {
  const changed = file(
    'changed.yaml',
    shipped
      .replace('keywords: [refund, refunds, order, delivery,', 'keywords: [refund, refunds, delivery,')
      .replace('- "My order never arrived and nobody answers the phone"', '- "My delivery never arrived"'),
  );
  const inputs = file(
    'in.jsonl',
    '{"platform":"x","text":"my order is late"}\n{"platform":"x","text":"my refund please"}\n{"platform":"generic","text":"hello"}\n',
  );

  it('prints a readable line per engagement that routes differently and exits 0', () => {
    const out = cli('rules', 'diff', 'config/switchboard.yaml', changed, inputs);
    expect(out.status).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /^x:simulated-\w+ "my order is late": customer-care \[normal\] → communications \[normal\] \(rules -care-orders-and-refunds\)$/,
    );
    expect(lines.at(-1)).toBe('1 engagement of 3 inputs routes differently');
  });

  it('prints JSON lines with --json', () => {
    const out = cli('rules', 'diff', '--json', 'config/switchboard.yaml', changed, inputs);
    expect(out.status).toBe(0);
    const lines = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    expect(lines).toEqual([
      {
        file: inputs,
        id: expect.stringMatching(/^x:/),
        text: 'my order is late',
        input: 0,
        before: { departments: ['customer-care'], rules: ['care-orders-and-refunds'], priority: 'normal' },
        after: { departments: ['communications'], rules: [], priority: 'normal' },
      },
    ]);
  });

  it('prints only the summary when nothing changes', () => {
    const out = cli('rules', 'diff', 'config/switchboard.yaml', 'config/switchboard.yaml', inputs);
    expect(out.status).toBe(0);
    expect(out.stdout.trim()).toBe('0 engagements of 3 inputs route differently');
  });

  it('exits 1 naming the input that is not an engagement', () => {
    const bad = file('bad.jsonl', '{"platform":"x","text":"ok"}\n{"platform":"myspace","text":"x"}\n');
    const out = cli('rules', 'diff', 'config/switchboard.yaml', changed, bad);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain(`${bad}: input 1: "platform" must be one of`);
  });
});

describe('npx switchboard rules usage', () => {
  it.each([
    [['rules'], 'rules needs a subcommand'],
    [['rules', 'lint'], 'unknown rules subcommand "lint"'],
    [['rules', 'test', 'a.yaml', 'b.yaml'], 'at most one config file'],
    [['rules', 'diff', 'config/switchboard.yaml', 'config/switchboard.yaml'], 'rules diff needs'],
    [['rules', 'diff', '--yaml', 'a.yaml', 'b.yaml', 'c.json'], 'no option --yaml'],
  ])('exits 2 with usage for %j', (args, message) => {
    const out = cli(...args);
    expect(out.status).toBe(2);
    expect(out.stderr).toContain(message);
    expect(out.stderr).toContain('switchboard rules diff [--json] <old.yaml> <new.yaml> <file…>');
  });
});
