import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig } from '../lambdas/core/config/load-config.js';
import { adapterFor } from '../lambdas/core/platforms/registry.js';
import { createRouter } from '../lambdas/core/routing/router.js';
import { simulate } from '../lambdas/core/simulate/simulate.js';

const USAGE = `Usage: switchboard simulate <file…>
  Dry-runs engagements ({platform, text, …}) or platform deliveries ({platform, headers, body},
  or samples from events/<platform>/) through enrichment and routing, without AWS.
  Files hold JSON (one object or an array) or JSON Lines. Prints one JSON line per engagement.
  The config is config/switchboard.yaml, or the file SWITCHBOARD_CONFIG names.`;

/** Reads JSON (object or array) or JSON Lines. */
function readInputs(file: string): unknown[] {
  const text = readFileSync(file, 'utf8');
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    return text.split('\n').filter((l) => l.trim()).map((line, n) => {
      try {
        return JSON.parse(line) as unknown;
      } catch (err) {
        throw new Error(`${file}:${n + 1}: not JSON: ${(err as Error).message}`);
      }
    });
  }
}

function main(argv: string[]): number {
  const [command, ...files] = argv;
  if (command !== 'simulate' || files.length === 0) {
    console.error(USAGE);
    return command === '--help' || command === '-h' ? 0 : 2;
  }
  const router = createRouter(loadConfig());
  let failed = false;
  for (const file of files) {
    for (const result of simulate(readInputs(file), router, adapterFor)) {
      if ('engagement' in result) console.log(JSON.stringify(result.engagement));
      else {
        failed = true;
        console.error(`${file}: input ${result.input}: ${result.error}`);
      }
    }
  }
  return failed ? 1 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `switchboard: ${(err as Error).message}`);
  process.exitCode = 1;
}
