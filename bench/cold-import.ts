import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { functionEsbuildOptions } from '../lib/constructs/function-bundling.js';
import { readCloudAssembly } from '../local/template/cloud-assembly.js';
import { IntrinsicResolver } from '../local/template/intrinsics.js';
import { localFunctions } from '../local/template/local-resources.js';
import { median } from './measure.js';

/**
 * Cold start of the function bundles: each synthesized bundle (`cdk.out`, as deployed) imported
 * in a fresh Node process, timed from the start of the import to its end (the module's top-level
 * work included: config, router, clients), beside an empty bundle and two bundles that only
 * create the three bare AWS SDK clients (DynamoDB, SQS, EventBridge): one built plainly (esbuild
 * or a NodejsFunction with its defaults: the issue's yardstick), one built as the functions are
 * (with the built-in shims, which make any bundle cheaper, bare clients included).
 *
 * Targets (issue: "cold start"): the webhook's extra over the empty bundle at most 1.0× the
 * plainly built clients' extra, the process function's at most 1.5×, as the functions run
 * (without source maps at run time: `lib/constructs/app-function.ts`). The ratio to the clients
 * built the functions' way and the extra with `--enable-source-maps` are printed beside them.
 */

const RUNS = 7;

/** Milliseconds to import `file` in a fresh process with `env`. */
function importMs(file: string, env: NodeJS.ProcessEnv, sourceMaps: boolean): number {
  const script = `const t0 = performance.now(); await import(${JSON.stringify(`file://${file}`)}); process.stdout.write(String(performance.now() - t0));`;
  const out = spawnSync(
    process.execPath,
    [...(sourceMaps ? ['--enable-source-maps'] : []), '--input-type=module', '-e', script],
    { env: { ...env, NODE_OPTIONS: '' }, encoding: 'utf8' },
  );
  if (out.status !== 0) throw new Error(`importing ${file} failed: ${out.stderr.slice(0, 500)}`);
  return Number(out.stdout);
}

/** Runs the cold-import comparison and prints its table. */
export function benchColdImport(outdir = resolve('cdk.out')): void {
  const work = mkdtempSync(join(tmpdir(), 'cold-import-'));
  try {
    const empty = join(work, 'empty.mjs');
    const clients = join(work, 'clients.mjs');
    writeFileSync(join(work, 'empty.ts'), 'export const handler = async () => ({});\n');
    writeFileSync(
      join(work, 'clients.ts'),
      [
        "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
        "import { SQSClient } from '@aws-sdk/client-sqs';",
        "import { EventBridgeClient } from '@aws-sdk/client-eventbridge';",
        'const clients = [new DynamoDBClient({}), new SQSClient({}), new EventBridgeClient({})];',
        'export const handler = async () => clients.length;',
      ].join('\n'),
    );
    buildSync(functionEsbuildOptions({ entryPoints: [join(work, 'empty.ts')], outfile: empty }));
    buildSync(
      functionEsbuildOptions({
        entryPoints: [join(work, 'clients.ts')],
        outfile: clients,
        nodePaths: [resolve('node_modules')],
      }),
    );
    // The same clients bundled without the built-in aliases, as a plain esbuild (or a
    // NodejsFunction with its defaults) bundles them: what the issue's yardstick measured.
    const clientsPlain = join(work, 'clients-plain.mjs');
    buildSync(
      functionEsbuildOptions({
        entryPoints: [join(work, 'clients.ts')],
        outfile: clientsPlain,
        nodePaths: [resolve('node_modules')],
        alias: {},
      }),
    );

    const stack = readCloudAssembly(outdir);
    const resolver = new IntrinsicResolver(stack, {
      region: 'us-east-1',
      accountId: '123456789012',
      sqsEndpoint: 'http://127.0.0.1:9',
      sqsAccountId: '123456789012',
    });
    const baseEnv = {
      PATH: process.env.PATH,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
    };
    const bundles = [
      { name: 'empty bundle', file: empty, env: baseEnv },
      { name: '3 bare SDK clients', file: clients, env: baseEnv },
      { name: '3 bare SDK clients, plain build', file: clientsPlain, env: baseEnv },
      ...localFunctions(stack, resolver).map((f) => ({
        name: f.name.replace(/^Switchboard-/, '').replace(/[A-F0-9]{8}$/, ''),
        file: f.bundle,
        env: { ...baseEnv, ...f.environment },
      })),
    ];
    const times = new Map<string, number[]>();
    for (let run = 0; run < RUNS; run++) {
      for (const b of bundles) {
        for (const maps of [false, true]) {
          const key = `${b.name}|${maps}`;
          times.set(key, [...(times.get(key) ?? []), importMs(b.file, b.env, maps)]);
        }
      }
    }
    const at = (name: string, maps: boolean) => median(times.get(`${name}|${maps}`)!);
    console.log(
      `Cold import of the function bundles (fresh process each, median of ${RUNS}; extra = over the empty bundle)`,
    );
    const rows = [
      [
        'bundle',
        'size',
        'import ms',
        'extra ms',
        '÷ plain clients',
        '÷ clients, our build',
        'extra, source maps on',
        'target',
      ],
    ];
    const extraOf = (name: string, maps: boolean) => at(name, maps) - at('empty bundle', maps);
    for (const b of bundles) {
      const size = `${(statSync(b.file).size / 1024).toFixed(0)} KiB`;
      const extra = extraOf(b.name, false);
      const plain = extra / extraOf('3 bare SDK clients, plain build', false);
      const ours = extra / extraOf('3 bare SDK clients', false);
      const limit = /Webhook/.test(b.name) ? 1.0 : /Process/.test(b.name) ? 1.5 : undefined;
      const verdict = limit === undefined ? '' : `≤ ${limit.toFixed(1)}× plain: ${plain <= limit ? 'met' : 'NOT met'}`;
      const empty = b.name === 'empty bundle';
      rows.push([
        b.name,
        size,
        at(b.name, false).toFixed(0),
        extra.toFixed(0),
        empty ? '' : `${plain.toFixed(2)}×`,
        empty ? '' : `${ours.toFixed(2)}×`,
        extraOf(b.name, true).toFixed(0),
        verdict,
      ]);
    }
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    for (const [i, r] of rows.entries()) {
      console.log(
        r
          .map((cell, c) => (c === 0 || c === r.length - 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
          .join('  ')
          .trimEnd(),
      );
      if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    }
    console.log();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) benchColdImport();
