import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ConfigError, loadConfig } from '../../lambdas/core/config/load-config.js';
import { makeDigest } from '../../lambdas/core/management/digest-run.js';
import { consoleSources } from '../../lambdas/aws/console-sources.js';
import { readTwinInfo, twinTable } from './twin-info.js';

/** Usage of `switchboard digest`; also part of the CLI's usage text. */
export const DIGEST_USAGE = 'switchboard digest [--date YYYY-MM-DD]';

/** A command line that does not fit the usage (exit 2). */
export class DigestUsageError extends Error {}

/**
 * `switchboard digest [--date YYYY-MM-DD]` (docs/management.md, "Digest"): the day's digest
 * (UTC; default today so far) from the running twin's rollups, written to
 * `.switchboard/digests/<date>.html` (`SWITCHBOARD_STATE_DIR` moves it), where the console
 * links it. Prints what it is doing, then the file's path last. Exit 0 written, 1 failed, 2 usage.
 */
export async function digestCommand(args: string[]): Promise<number> {
  let date: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--date') {
      date = args[++i];
      if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new DigestUsageError('--date needs a day as YYYY-MM-DD');
    } else throw new DigestUsageError(`digest takes no "${args[i]}"; expected: ${DIGEST_USAGE}`);
  }
  let loaded: ReturnType<typeof loadConfig>;
  try {
    loaded = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
  const stateDir = resolve(process.env.SWITCHBOARD_STATE_DIR ?? '.switchboard');
  const info = readTwinInfo() as ReturnType<typeof readTwinInfo> & { consoleUrl?: string };
  const { tableName, client } = twinTable();
  try {
    const dir = join(stateDir, 'digests');
    const sources = consoleSources(client, tableName, loaded, {
      digests: async () => [],
      digest: async () => undefined,
    });
    console.error(`Reading the rollups of ${date ?? 'today'} and the 28 days before from ${tableName}…`);
    const digest = await makeDigest(sources, {
      ...(date ? { date } : {}),
      ...(info.consoleUrl ? { consoleUrl: info.consoleUrl } : {}),
    });
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${digest.date}.html`);
    writeFileSync(file, digest.html);
    console.error(`Digest of ${digest.date} written (${Math.round(digest.html.length / 1024)} KB, charts inline).`);
    if (info.consoleUrl) console.error(`In the console: ${info.consoleUrl}digest.html?date=${digest.date}`);
    console.log(relative(process.cwd(), file) || file);
    return 0;
  } catch (err) {
    if (err instanceof RangeError) {
      console.error(`switchboard: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    client.destroy();
  }
}
