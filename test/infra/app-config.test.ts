import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs the CDK app (bin/app.ts) as `cdk synth` would, without bundling, with the given config file. */
function synthApp(configText: string) {
  const dir = mkdtempSync(join(tmpdir(), 'sb-app-'));
  const config = join(dir, 'switchboard.yaml');
  writeFileSync(config, configText);
  const out = spawnSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'bin/app.ts'], {
    env: {
      ...process.env,
      SWITCHBOARD_CONFIG: config,
      CDK_OUTDIR: join(dir, 'out'),
      CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [] }),
    },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { ...out, outdir: join(dir, 'out') };
}

describe('the CDK app reads SWITCHBOARD_CONFIG', () => {
  it('builds one queue per department of the config file it is pointed at', () => {
    const out = synthApp(
      'departments:\n  - { id: hr, name: People }\n  - { id: care, name: Care }\ndefaultDepartment: hr\n',
    );
    expect(out.stderr).not.toMatch(/error/i);
    expect(out.status).toBe(0);
    const template = JSON.parse(readFileSync(join(out.outdir, 'Switchboard.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties?: { QueueName?: string } }>;
    };
    const names = Object.values(template.Resources).flatMap((r) =>
      r.Type === 'AWS::SQS::Queue' && r.Properties?.QueueName ? [r.Properties.QueueName] : [],
    );
    expect(names).toEqual(expect.arrayContaining(['Switchboard-hr', 'Switchboard-care']));
    expect(names).not.toContain('Switchboard-customer-care');
  });

  it('refuses a bad config with the file, line and field', () => {
    const out = synthApp('departments:\n  - { id: hr, name: People }\ndefaultDepartment: legal\n');
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(
      /switchboard\.yaml:3:\d+ defaultDepartment: "legal" is not a declared department \(declared: hr\)/,
    );
  });
});
