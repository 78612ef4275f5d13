import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/** Folders and files whose content decides what `cdk synth` produces (besides the config file). */
const SYNTH_INPUTS = ['bin', 'lib', 'lambdas', 'cdk.json', 'package-lock.json', 'tsconfig.json'];
/** Environment variables the CDK app reads. */
const SYNTH_ENV = ['SWITCHBOARD_CONFIG', 'CDK_DEFAULT_ACCOUNT', 'CDK_DEFAULT_REGION', 'CDK_CONTEXT_JSON'];
const STAMP = 'switchboard-synth-inputs.json';

/**
 * A digest of everything a synthesis depends on: the source the CDK app and the function bundles
 * are built from, the lockfile, the governance config in use and the environment the app reads.
 * Two starts with the same digest would synthesize the same assembly.
 */
export function synthInputsDigest(root: string, env: NodeJS.ProcessEnv = process.env): string {
  const hash = createHash('sha256');
  const files: string[] = [];
  const walk = (path: string) => {
    if (!existsSync(path)) return;
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort())
        if (name !== 'node_modules' && !name.startsWith('.')) walk(join(path, name));
    } else files.push(path);
  };
  for (const input of SYNTH_INPUTS) walk(join(root, input));
  files.push(resolve(root, env.SWITCHBOARD_CONFIG ?? 'config/switchboard.yaml'));
  for (const file of files) {
    hash.update(`${relative(root, file)}\0`);
    hash.update(existsSync(file) ? readFileSync(file) : 'missing');
    hash.update('\0');
  }
  for (const name of SYNTH_ENV) hash.update(`${name}=${env[name] ?? ''}\0`);
  return hash.digest('hex');
}

/** True when `outdir` holds a complete assembly synthesized from inputs with this digest. */
export function synthesisIsCurrent(outdir: string, digest: string): boolean {
  try {
    const stamp = JSON.parse(readFileSync(join(outdir, STAMP), 'utf8')) as { digest?: string };
    return stamp.digest === digest && existsSync(join(outdir, 'manifest.json'));
  } catch {
    return false;
  }
}

/** Records that `outdir` now holds the synthesis of inputs with this digest. */
export function recordSynthesis(outdir: string, digest: string): void {
  writeFileSync(join(outdir, STAMP), `${JSON.stringify({ digest, at: new Date().toISOString() })}\n`);
}
