import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { bundledConfigDefines, functionEsbuildOptions } from '../lib/constructs/function-bundling.js';
import { stringify } from 'yaml';
import { parseConfig } from '../lambdas/core/config/load-config.js';
import { median } from './measure.js';

/**
 * Config load at 10,000 rules, in a fresh process each time, the way each path really loads it:
 * - the functions at cold start: the bundle carries the validated config as data (no YAML, no
 *   schema); measured from the start of importing a bundle built as the CDK builds the process
 *   function's, through building the router (every rule compiled into the pattern index);
 * - the CLI and `cdk synth`: reading the YAML and validating it, once per command.
 * Targets: the functions' path ≤ 200 ms and ≤ 150 MB resident.
 */
const RULES = 10_000;
const RUNS = 5;
const TIME_TARGET_MS = 200;
const MEMORY_TARGET_MB = 150;

/** A config with `n` rules of the shapes real rule sets have (platform + keywords, intents + language…). */
function configYaml(n: number): string {
  const platforms = ['x', 'facebook', 'instagram', 'reddit'];
  const intents = ['complaint', 'question', 'praise', 'purchase_intent', 'bug_report'];
  const departments = ['customer-care', 'engineering', 'sales', 'communications', 'legal'];
  const rules = Array.from({ length: n }, (_, i) => ({
    id: `rule-${i}`,
    description: `generated rule ${i}`,
    when:
      i % 3 === 0
        ? { platform: [platforms[i % 4]], keywords: [`kw${i}`, `kx${i}`, `ky${i}`] }
        : i % 3 === 1
          ? { intents: [intents[i % 5]], language: ['en', 'de'], account: { id: [`acct${i}`] } }
          : { keywords: [`kw${i}`], author: { followers: [{ numeric: ['>=', (i % 50) * 1_000] }] } },
    routeTo: [departments[i % 5]],
    priority: i % 7 === 0 ? 'high' : 'normal',
  }));
  return stringify({
    departments: departments.map((id) => ({ id, name: id, sla: { firstResponse: 'PT1H' } })),
    defaultDepartment: 'communications',
    rules,
  });
}

function run(args: string[]): { ms: number; rssMb: number } {
  const out = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1' },
    maxBuffer: 1 << 20,
  });
  if (out.status !== 0) throw new Error(out.stderr.slice(0, 500));
  const [ms, rss] = out.stdout.trim().split(' ').map(Number);
  return { ms: ms!, rssMb: rss! / 2 ** 20 };
}

/** Runs the comparison and prints its table. */
export function benchConfigLoad(): void {
  const work = mkdtempSync(join(tmpdir(), 'config-load-'));
  try {
    const yamlText = configYaml(RULES);
    const yamlFile = join(work, 'switchboard.yaml');
    writeFileSync(yamlFile, yamlText);
    const loaded = { ...parseConfig(yamlText), path: 'switchboard.yaml (bundled)' };
    const root = resolve('.');
    writeFileSync(
      join(work, 'function.ts'),
      `import { bundledConfig } from '${root}/lambdas/aws/bundled-config.ts';\nimport { createRouter } from '${root}/lambdas/core/routing/router.ts';\nexport const router = createRouter(bundledConfig);\n`,
    );
    buildSync(
      functionEsbuildOptions({
        entryPoints: [join(work, 'function.ts')],
        outfile: join(work, 'function.mjs'),
        nodePaths: [resolve('node_modules')],
        define: bundledConfigDefines(loaded),
        sourcemap: false,
        logLevel: 'error',
      }),
    );
    writeFileSync(
      join(work, 'yaml.ts'),
      `import { readFileSync } from 'node:fs';\nimport { parseConfig } from '${root}/lambdas/core/config/load-config.ts';\nexport const loaded = parseConfig(readFileSync(${JSON.stringify(yamlFile)}, 'utf8'));\n`,
    );
    buildSync(
      functionEsbuildOptions({
        entryPoints: [join(work, 'yaml.ts')],
        outfile: join(work, 'yaml.mjs'),
        nodePaths: [resolve('node_modules')],
        sourcemap: false,
        logLevel: 'error',
      }),
    );
    const timed = (file: string) => [
      '--input-type=module',
      '-e',
      `const t = performance.now(); await import('file://${file}'); process.stdout.write((performance.now() - t) + ' ' + process.memoryUsage().rss);`,
    ];
    const results = { function: [] as { ms: number; rssMb: number }[], yaml: [] as { ms: number; rssMb: number }[] };
    for (let i = 0; i < RUNS; i++) {
      results.function.push(run(timed(join(work, 'function.mjs'))));
      results.yaml.push(run(timed(join(work, 'yaml.mjs'))));
    }
    const ms = (xs: { ms: number }[]) => median(xs.map((x) => x.ms));
    const mb = (xs: { rssMb: number }[]) => median(xs.map((x) => x.rssMb));
    console.log(`Config load at ${RULES.toLocaleString('en-US')} rules (fresh process each, median of ${RUNS})`);
    const fn = { ms: ms(results.function), mb: mb(results.function) };
    console.log(
      `  functions at cold start (config as data + router): ${fn.ms.toFixed(0)} ms, ${fn.mb.toFixed(0)} MB resident   target ≤ ${TIME_TARGET_MS} ms and ≤ ${MEMORY_TARGET_MB} MB: ${fn.ms <= TIME_TARGET_MS && fn.mb <= MEMORY_TARGET_MB ? 'met' : 'NOT met'}`,
    );
    console.log(
      `  CLI and synth (read YAML + validate):              ${ms(results.yaml).toFixed(0)} ms, ${mb(results.yaml).toFixed(0)} MB resident   (once per command; no target)`,
    );
    console.log();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) benchConfigLoad();
