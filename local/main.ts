import { describeRouting, replaySamples } from './demo.js';
import { twinOptionsFromEnv } from './twin/options.js';
import { startTwin } from './twin/twin.js';

/**
 * `npm start [-- --demo]`: runs the local twin until Ctrl-C. With `--demo`, replays the sample
 * deliveries in events/ once it is ready and prints where each engagement went.
 */
async function main(): Promise<void> {
  const demo = process.argv.includes('--demo');
  const options = twinOptionsFromEnv();
  const twin = await startTwin(options);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the local twin…`);
    await twin.stop();
    console.log('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  const { info } = twin;
  console.log(`Webhooks:     ${info.webhookBaseUrl}/webhooks/{platform}`);
  console.log(`DynamoDB:     ${info.dynamodbEndpoint} (table ${info.tableName})`);
  console.log(`SQS:          ${info.sqsEndpoint}`);
  for (const [dept, url] of Object.entries(info.queues)) console.log(`  ${dept.padEnd(16)} ${url}`);
  console.log(`EventBridge:  ${info.eventBridgeEndpoint} (bus ${info.eventBusName})`);
  console.log(`Written:      ${options.stateDir}/local.json`);
  console.log('Switchboard local twin ready (Ctrl-C to stop)');

  if (demo) {
    const results = await replaySamples(info.webhookBaseUrl, options.secretsFile);
    for (const r of results) console.log(`demo ${r.status === r.expectedStatus ? 'ok  ' : 'FAIL'} ${r.file}: ${r.status} ${r.body}`);
    await twin.quiesce();
    for (const line of await describeRouting(info, results)) console.log(line);
    console.log(`Demo: replayed ${results.length} sample deliveries; read the department queues at ${info.sqsEndpoint}.`);
  }
}

main().catch((err: Error) => {
  console.error(`Switchboard local twin failed to start: ${err.message}`);
  process.exit(1);
});
