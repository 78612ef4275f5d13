import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { signSample, type SampleSecrets } from '#events/sign-sample.js';
import { twinOptionsFromEnv } from '#local/twin/options.js';
import { startTwin, type RunningTwin } from '#local/twin/twin.js';
import { localCredentials } from '../support/aws-local.js';
import { TEST_STATE_DIR } from './state-dir.js';

/**
 * A stall anywhere between the webhook and the department never loses or doubles a message: the
 * table frozen while the process function stores, the bus frozen while the publish function
 * publishes. On a twin of its own (the stack the global set-up synthesized, other ports), as an
 * outage would hold up the other test files' deliveries for minutes.
 */
describe('outages of the table and of the bus (a twin of their own)', () => {
  let twin: RunningTwin;
  let sqs: SQSClient;
  let secrets: SampleSecrets;

  beforeAll(async () => {
    const stateDir = resolve('.switchboard/it-outages');
    rmSync(stateDir, { recursive: true, force: true });
    const options = {
      ...twinOptionsFromEnv(),
      webhookPort: 3312,
      dynamodbPort: 8312,
      sqsPort: 9312,
      eventBridgePort: 4312,
      stateDir,
      outdir: join(TEST_STATE_DIR, 'cdk.out'),
      synth: false,
      faults: {},
    };
    secrets = JSON.parse(readFileSync(options.secretsFile, 'utf8')) as SampleSecrets;
    twin = await startTwin(options, { log: () => undefined });
    sqs = new SQSClient({ endpoint: twin.info.sqsEndpoint, region: twin.info.region, credentials: localCredentials });
  }, 120_000);
  afterAll(async () => {
    sqs?.destroy();
    await twin?.stop();
  });

  /** Sends ten deliveries during an outage and counts, per engagement, the messages engineering gets. */
  async function sendAndCount(outage: { service: string; seconds: number }): Promise<number[]> {
    const freeze = await fetch(
      `${twin.info.webhookBaseUrl}/twin/outage?service=${outage.service}&seconds=${outage.seconds}`,
      { method: 'POST' },
    );
    expect(freeze.status).toBe(200);
    const ids = Array.from({ length: 10 }, () => randomUUID());
    for (const id of ids) {
      const body = JSON.stringify({ id, text: 'the app crashes when I log in', author: { id: 'outage' } });
      const headers = signSample(
        { path: '/webhooks/generic', headers: { 'content-type': 'application/json' }, rawBody: body, sign: 'generic' },
        secrets,
      );
      const res = await fetch(`${twin.info.webhookBaseUrl}/webhooks/generic`, { method: 'POST', headers, body });
      expect(res.status).toBe(200); // the webhook needs only the intake queue
    }
    const wanted = new Set(ids.map((id) => `generic:${id}`));
    const counts = new Map<string, number>();
    const url = twin.info.queues.engineering!;
    // Until every engagement has arrived, then a few seconds more: a second copy would come then.
    let quietUntil = Infinity;
    // An engagement the bus refused waits in the republish queue up to its 180 s visibility timeout.
    const deadline = Date.now() + 200_000;
    while (Date.now() < Math.min(deadline, quietUntil)) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      for (const m of Messages) {
        const id = (JSON.parse(m.Body ?? '{}') as { detail?: { id?: string } }).detail?.id ?? '';
        if (wanted.has(id)) {
          counts.set(id, (counts.get(id) ?? 0) + 1);
          await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
        } else
          await sqs.send(
            new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }),
          );
      }
      if (quietUntil === Infinity && counts.size === wanted.size) quietUntil = Date.now() + 4_000;
    }
    return [...wanted].map((id) => counts.get(id) ?? 0);
  }

  it('delivers each engagement once when the table stalls while the process function stores', async () => {
    expect(await sendAndCount({ service: 'dynamodb', seconds: 4 })).toEqual(Array(10).fill(1));
  }, 240_000);

  it('delivers each engagement once when the bus stalls while the publish function publishes', async () => {
    expect(await sendAndCount({ service: 'eventbridge', seconds: 4 })).toEqual(Array(10).fill(1));
  }, 240_000);
});
