import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordSynthesis, synthesisIsCurrent, synthInputsDigest } from '#local/twin/synth-inputs.js';

describe('reusing the last synthesis', () => {
  let root: string;
  const env = { SWITCHBOARD_CONFIG: 'config/switchboard.yaml' };
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'sb-synth-'));
    for (const dir of ['bin', 'lib', 'lambdas/core', 'config', 'cdk.out'])
      mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, 'lambdas/core/a.ts'), 'export const a = 1;');
    writeFileSync(join(root, 'config/switchboard.yaml'), 'departments: []');
    writeFileSync(join(root, 'package-lock.json'), '{}');
    writeFileSync(join(root, 'cdk.out/manifest.json'), '{}');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('is current only for the inputs it was recorded with', () => {
    const digest = synthInputsDigest(root, env);
    const outdir = join(root, 'cdk.out');
    expect(synthesisIsCurrent(outdir, digest)).toBe(false);
    recordSynthesis(outdir, digest);
    expect(synthesisIsCurrent(outdir, digest)).toBe(true);
    expect(synthInputsDigest(root, env)).toBe(digest);
  });

  it.each([
    ['function source', 'lambdas/core/a.ts', 'export const a = 2;'],
    ['a new source file', 'lib/stack.ts', 'export {};'],
    ['the config', 'config/switchboard.yaml', 'departments: [x]'],
    ['the lockfile', 'package-lock.json', '{"lockfileVersion":3}'],
  ])('changes when %s changes', (_what, file, content) => {
    const before = synthInputsDigest(root, env);
    writeFileSync(join(root, file), content);
    expect(synthInputsDigest(root, env)).not.toBe(before);
  });

  it('changes with the config file chosen and the target account', () => {
    const before = synthInputsDigest(root, env);
    writeFileSync(join(root, 'config/other.yaml'), 'departments: []');
    expect(synthInputsDigest(root, { SWITCHBOARD_CONFIG: 'config/other.yaml' })).not.toBe(before);
    expect(synthInputsDigest(root, { ...env, CDK_DEFAULT_ACCOUNT: '111122223333' })).not.toBe(before);
  });

  it('is not current when the assembly is incomplete', () => {
    const digest = synthInputsDigest(root, env);
    const outdir = join(root, 'cdk.out');
    recordSynthesis(outdir, digest);
    rmSync(join(outdir, 'manifest.json'));
    expect(synthesisIsCurrent(outdir, digest)).toBe(false);
  });
});
