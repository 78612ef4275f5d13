import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Runs `cdk synth` into `outdir` exactly as an admin would before deploying, so the twin runs
 * the synthesized template and bundles (with cdk-nag's checks, which fail the synth).
 */
export async function synthesize(outdir: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const cdk = fileURLToPath(new URL('../../node_modules/aws-cdk/bin/cdk', import.meta.url));
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [cdk, 'synth', '--quiet', '--output', outdir], {
      env: { ...env, CDK_DISABLE_VERSION_CHECK: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr.on('data', (d: Buffer) => output.push(d.toString()));
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`cdk synth failed (exit ${code}):\n${output.join('').trim()}`);
}
