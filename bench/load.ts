/**
 * `npm run bench:load`: load on the twin's webhook with autocannon, at 10 and 50 connections:
 * deliveries per second, latency p50/p99, errors, and the end-to-end delay from sending a
 * delivery until its department can read it. Each request is a unique, correctly signed
 * generic delivery whose id carries its send time; a reader drains the department queue during
 * the run and afterwards until every accepted delivery has arrived (or a minute has passed).
 * (A request in flight when a run ends can be routed without autocannon counting its 2xx, so
 * routed may exceed 2xx by a few; a delivery read twice is counted as doubled.)
 * Minutes long and load-heavy, so not part of `npm run bench` or the tests. Figures are from the
 * twin on this machine (one process, emulators included), not from AWS.
 */
import { readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import autocannon from 'autocannon';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { signSample, type SampleSecrets } from '../events/sign-sample.js';
import { LOCAL_CREDENTIALS } from '../local/emulators/local-credentials.js';
import { twinOptionsFromEnv } from '../local/twin/options.js';
import { startTwin } from '../local/twin/twin.js';

const SECONDS = Number(process.env.LOAD_SECONDS ?? 10);
const CONNECTIONS = [10, 50];
const stateDir = resolve('.switchboard/bench-load');
rmSync(stateDir, { recursive: true, force: true });
const options = {
  ...twinOptionsFromEnv(),
  webhookPort: 3430,
  dynamodbPort: 8430,
  sqsPort: 9430,
  eventBridgePort: 4430,
  stateDir,
  faults: {},
};
const secrets = JSON.parse(readFileSync(options.secretsFile, 'utf8')) as SampleSecrets;
/** The headers a generic-scheme sender puts on `body`, signed now (the scheme the samples use). */
const signed = (body: string) =>
  signSample(
    { path: '/webhooks/generic', headers: { 'content-type': 'application/json' }, rawBody: body, sign: 'generic' },
    secrets,
  );

const percentile = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

const twin = await startTwin(options, { log: () => undefined });
const sqs = new SQSClient({
  endpoint: twin.info.sqsEndpoint,
  region: twin.info.region,
  credentials: LOCAL_CREDENTIALS,
});
const queueUrl = twin.info.queues.engineering!;
try {
  console.log(
    `Webhook load on the local twin (${SECONDS} s per run; unique signed generic deliveries routed to engineering)`,
  );
  console.log(
    'connections  deliveries/s  p50 ms  p99 ms  non-2xx  errors  routed/2xx  doubled  end-to-end p50 / p99 ms',
  );
  for (const connections of CONNECTIONS) {
    const run = `c${connections}`;
    let n = 0;
    const delays: number[] = [];
    const arrived = new Set<string>();
    let doubled = 0;
    let reading = true;
    let accepted = Infinity;
    let deadline = Infinity;
    // Drains the department queue while the load runs, noting each delivery's end-to-end delay.
    const reader = (async () => {
      while (reading || arrived.size < accepted) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        const now = Date.now();
        for (const m of Messages) {
          const id = (JSON.parse(m.Body ?? '{}') as { detail?: { externalId?: string } }).detail?.externalId ?? '';
          const [tag, sentAt] = id.split('-');
          if (tag !== run) continue;
          if (arrived.has(id)) {
            doubled++;
            continue;
          }
          arrived.add(id);
          delays.push(now - Number(sentAt));
        }
        if (Messages.length > 0)
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
            }),
          );
        if (!reading && Date.now() > deadline) break;
      }
    })();
    const result = await autocannon({
      url: `${twin.info.webhookBaseUrl}/webhooks/generic`,
      method: 'POST',
      connections,
      duration: SECONDS,
      requests: [
        {
          method: 'POST',
          setupRequest: (request) => {
            const body = JSON.stringify({
              id: `${run}-${Date.now()}-${n++}`,
              text: 'the app crashes when I log in, error 502',
              author: { id: 'load' },
            });
            return { ...request, body, headers: signed(body) };
          },
        },
      ],
    });
    accepted = result['2xx'];
    deadline = Date.now() + 60_000;
    reading = false;
    await reader;
    console.log(
      [
        String(connections).padStart(11),
        Math.round(result.requests.average).toLocaleString('en-US').padStart(12),
        String(result.latency.p50).padStart(6),
        String(result.latency.p99).padStart(6),
        String(result.non2xx).padStart(7),
        String(result.errors + result.timeouts).padStart(6),
        `${arrived.size}/${accepted}`.padStart(10),
        String(doubled).padStart(7),
        `  ${percentile(delays, 50).toFixed(0)} / ${percentile(delays, 99).toFixed(0)}`,
      ].join('  '),
    );
  }
} finally {
  sqs.destroy();
  await twin.stop();
}
