import { relative } from 'node:path';
import { configPath } from '../lambdas/core/config/load-config.js';
import { describeRouting, replaySamples } from './demo.js';
import { type DemoPlatform, demoConfig, demoReply, startDemoPlatform } from './demo-replies.js';
import { twinOptionsFromEnv } from './twin/options.js';
import { startTwin, type RunningTwin } from './twin/twin.js';

const USAGE = `Usage: npm start [-- --demo] [-- --verbose]
  --demo     replay every sample delivery under events/ once the twin is ready
  --verbose  print the functions' logs here too (they always go to .switchboard/logs/)`;

/**
 * `npm start [-- --demo] [-- --verbose]`: runs the local twin until it is told to stop. Ctrl-C
 * (SIGINT), SIGTERM and SIGHUP stop every part it started, and so does the end of the process
 * that started it (`npm start` killed by a process manager or an IDE), so no port stays taken.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--demo' && a !== '--verbose');
  if (unknown.length > 0) {
    console.error(`Unknown option ${unknown.join(' ')}\n${USAGE}`);
    process.exit(2);
  }
  const demo = args.includes('--demo');
  const verbose = args.includes('--verbose');
  const options = twinOptionsFromEnv();

  let twin: RunningTwin | undefined;
  let platform: DemoPlatform | undefined;
  let stopping = false;
  const shutdown = async (why: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${why}: stopping the local twin…`);
    await twin?.stop();
    platform?.close();
    console.log('Stopped.');
    process.exit(0);
  };
  // Registered before anything starts, so a signal during start-up also stops what is running.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(signal));
  watchParent(() => void shutdown('the process that started the twin has exited'));

  // The demo replies to a loopback platform: the config (read by the synth) must name it.
  platform = demo ? await startDemoPlatform() : undefined;
  if (platform) {
    const config = demoConfig(configPath(), options.stateDir, platform.url);
    if (config) process.env.SWITCHBOARD_CONFIG = config;
  }
  console.log('Starting the Switchboard local twin…');
  twin = await startTwin(options, { verbose });
  if (stopping) return;

  const { info } = twin;
  console.log(`Webhooks:     ${info.webhookBaseUrl}/webhooks/{platform}`);
  console.log(`Console:      ${info.consoleUrl}`);
  console.log(`DynamoDB:     ${info.dynamodbEndpoint} (table ${info.tableName})`);
  console.log(`SQS:          ${info.sqsEndpoint}`);
  for (const [dept, url] of Object.entries(info.queues)) console.log(`  ${dept.padEnd(16)} ${url}`);
  console.log(`EventBridge:  ${info.eventBridgeEndpoint} (bus ${info.eventBusName})`);
  console.log(
    `Logs:         ${relative(process.cwd(), twin.logDir) || '.'}/<function>.log${verbose ? ' (and here)' : ' (npm start -- --verbose prints them here too)'}`,
  );
  console.log(`Written:      ${relative(process.cwd(), options.stateDir) || '.'}/local.json`);
  console.log(`Switchboard local twin ready in ${(twin.startedInMs / 1000).toFixed(1)} s (Ctrl-C to stop)`);

  if (demo) {
    const results = await replaySamples(info.webhookBaseUrl, options.secretsFile);
    const failed = results.filter((r) => r.status !== r.expectedStatus);
    for (const r of failed)
      console.log(`demo FAIL ${r.file}: answered ${r.status}, expected ${r.expectedStatus}: ${r.body}`);
    await twin.quiesce();
    for (const line of await describeRouting(info, results)) console.log(line);
    console.log(
      `Demo: replayed ${results.length} sample deliveries (${results.length - failed.length} answered as expected); read the department queues with \`npx switchboard queue read <department>\`.`,
    );
    if (platform) for (const line of await demoReply(info, options.secretsFile, platform)) console.log(line);
  }
}

/**
 * Calls `onGone` when the process that started this one exits. A signal sent to `npm start`
 * does not always reach this process (npm runs the script through a shell, which exits without
 * passing SIGTERM on), and a parent killed with SIGKILL sends nothing: the parent's end is
 * seen as this process being re-parented.
 */
function watchParent(onGone: () => void): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      onGone();
    }
  }, 500);
  timer.unref();
}

main().catch((err: Error) => {
  console.error(`Switchboard local twin failed to start: ${err.message}`);
  process.exit(1);
});
