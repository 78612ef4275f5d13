/**
 * `npm run bench:faults [-- <deliveries>]`: the proof that nothing accepted is lost or doubled
 * when AWS fails. Starts the local twin in fault mode (`SWITCHBOARD_FAULTS`, default
 * `dynamodb:0.2,eventbridge:0.2,sqs:0.2`: a fifth of the functions' requests to each service
 * fail as AWS fails them), sends unique signed deliveries (default 10,000) to its webhook,
 * re-sending on 5xx and network errors as platforms do, waits until every intake message is
 * processed or dead-lettered, and counts, per engagement, the messages the departments got:
 * accepted, routed, lost (accepted, in no department queue and no dead-letter queue), doubled
 * (a department got it more than once), dead-lettered, and stream batches the publish function's
 * event source gave up on. Target: 0 lost, 0 doubled.
 *
 * Then the lifecycle under the same faults: for up to 500 routed engagements, each department
 * that got one reports `acknowledged`, then `resolved`, over HTTPS (the same `reportId` again on
 * a 5xx, as the department API asks), and the bench counts the "Engagement Status Changed"
 * events published for each change: lost (a report answered 200 whose change was never
 * published) and doubled (published twice). Target: 0 lost, 0 doubled.
 *
 * Then replies under the same faults, to a loopback `generic` platform that fails too (a sixth of
 * its requests answered 503, a tenth making the reply and dropping the answer): for up to 300
 * of the routed engagements the department replies (the same `replyId` again on a 5xx), and the
 * bench counts, per accepted reply, its final state, its "Reply Published" events and whether the
 * platform made it: lost (accepted, never published nor failed), doubled (published twice).
 * Target: 0 lost, 0 doubled.
 *
 * `-- --outage dynamodb:30` also stops that service for the functions for 30 s halfway through
 * (the webhook must keep answering fast: 2xx only while the delivery is durable, else 5xx).
 *
 * It runs for minutes (a failed intake message waits out its visibility timeout, 180 s), so it
 * is not part of `npm run bench` or the tests.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { signSample, type SampleSecrets } from '../events/sign-sample.js';
import { LOCAL_CREDENTIALS } from '../local/emulators/local-credentials.js';
import { parseFaults } from '../local/emulators/fault-proxy.js';
import { twinOptionsFromEnv } from '../local/twin/options.js';
import { startTwin } from '../local/twin/twin.js';
import { DynamoDbRollupStore } from '../lambdas/aws/dynamodb-rollup-store.js';

const args = process.argv.slice(2);
const outageArg = args.includes('--outage') ? args[args.indexOf('--outage') + 1] : undefined;
const COUNT = Number(args.find((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--outage') ?? 10_000);
/** `--outage dynamodb:30`: halfway through sending, that service stops answering the functions for that many seconds. */
const outage = outageArg ? { service: outageArg.split(':')[0]!, seconds: Number(outageArg.split(':')[1]) } : undefined;
const CONCURRENCY = 20;
const MAX_SENDS = 10;
const faults = parseFaults(process.env.SWITCHBOARD_FAULTS ?? (outage ? '' : 'dynamodb:0.2,eventbridge:0.2,sqs:0.2'));
const stateDir = resolve('.switchboard/bench-faults');
rmSync(stateDir, { recursive: true, force: true });
const base = twinOptionsFromEnv();
const options = {
  ...base,
  webhookPort: 3420,
  dynamodbPort: 8420,
  sqsPort: 9420,
  eventBridgePort: 4420,
  stateDir,
  faults,
};

console.log(
  `Fault benchmark: ${COUNT.toLocaleString('en-US')} unique signed deliveries through the twin with ${
    Object.entries(faults)
      .map(([s, f]) => `${s} ${(f * 100).toFixed(0)}%`)
      .join(', ') || 'no'
  } of the functions' requests failing${outage ? `, and ${outage.service} down for ${outage.seconds} s halfway` : ''}`,
);
/**
 * A loopback `generic` platform for the replies: it dedupes by `Idempotency-Key` as the contract
 * asks, and fails as platforms do: one request in six is answered 503 without making the reply,
 * and one in ten makes it and then drops the connection, so the answer is lost.
 */
const platform = { requests: new Map<string, number>(), made: new Map<string, string>() };
const platformServer = createServer((req, res) => {
  const key = String(req.headers['idempotency-key'] ?? '');
  req.resume();
  req.on('end', () => {
    platform.requests.set(key, (platform.requests.get(key) ?? 0) + 1);
    const roll = Math.random();
    if (roll < 1 / 6) {
      res.writeHead(503).end();
      return;
    }
    if (!platform.made.has(key)) platform.made.set(key, `gen-${platform.made.size + 1}`);
    if (roll < 1 / 6 + 1 / 10) {
      res.socket?.destroy();
      return;
    }
    res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: platform.made.get(key) }));
  });
});
await new Promise<void>((done) => platformServer.listen(0, '127.0.0.1', done));
// The twin's config: the shipped one (or SWITCHBOARD_CONFIG's), replying to that platform.
mkdirSync(stateDir, { recursive: true });
const benchConfig = join(stateDir, 'switchboard.yaml');
writeFileSync(
  benchConfig,
  `${readFileSync(process.env.SWITCHBOARD_CONFIG ?? 'config/switchboard.yaml', 'utf8')}
platforms:
  generic: { replyUrl: "http://127.0.0.1:${(platformServer.address() as AddressInfo).port}/replies" }
`,
);
process.env.SWITCHBOARD_CONFIG = benchConfig;
const twin = await startTwin(options, { log: (line) => console.log(line) });
const sqs = new SQSClient({
  endpoint: twin.info.sqsEndpoint,
  region: twin.info.region,
  credentials: LOCAL_CREDENTIALS,
});
/** A queue of the bench's own that gets every "Engagement Status Changed" the twin publishes. */
async function observeStatusChanges(): Promise<string> {
  return observe('bench-status-changes', ['Engagement Status Changed']);
}

/** A queue of the bench's own that gets every event of these detail types the twin publishes. */
async function observe(name: string, detailTypes: string[]): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: QueueUrl!, AttributeNames: ['QueueArn'] }),
  );
  const eventBridge = new EventBridgeClient({
    endpoint: twin.info.eventBridgeEndpoint,
    region: twin.info.region,
    credentials: LOCAL_CREDENTIALS,
  });
  await eventBridge.send(
    new PutRuleCommand({
      Name: name,
      EventBusName: twin.info.eventBusName,
      EventPattern: JSON.stringify({ source: ['switchboard'], 'detail-type': detailTypes }),
    }),
  );
  await eventBridge.send(
    new PutTargetsCommand({
      Rule: name,
      EventBusName: twin.info.eventBusName,
      Targets: [{ Id: 'bench', Arn: Attributes!.QueueArn! }],
    }),
  );
  eventBridge.destroy();
  return QueueUrl!;
}

try {
  const observer = await observeStatusChanges();
  const replyObserver = await observe('bench-replies-published', ['Reply Published']);
  const secrets = JSON.parse(readFileSync(options.secretsFile, 'utf8')) as SampleSecrets;
  /** The headers a generic-scheme sender puts on `body`, signed now (the scheme the samples use). */
  const signed = (body: string) =>
    signSample(
      { path: '/webhooks/generic', headers: { 'content-type': 'application/json' }, rawBody: body, sign: 'generic' },
      secrets,
    );
  const texts = [
    'where is my refund, order 3 weeks late',
    'the app crashes when I log in',
    'how much is the pro plan for 20 seats',
    'journalist here, can you comment on the outage',
  ];
  const ids: string[] = [];
  const accepted = new Set<string>();
  let refused = 0;
  let resent = 0;
  let gaveUp = 0;
  let outageEnds = 0;
  const duringOutage = { answers: new Map<number, number>(), slowestMs: 0 };
  const started = performance.now();
  const limit = pLimit(CONCURRENCY);
  const send = async (i: number) => {
    const id = randomUUID();
    ids.push(id);
    const body = JSON.stringify({ id, text: texts[i % texts.length], author: { id: `u${i}`, handle: `user${i}` } });
    for (let attempt = 1; attempt <= MAX_SENDS; attempt++) {
      const sentAt = performance.now();
      const status = await fetch(`${twin.info.webhookBaseUrl}/webhooks/generic`, {
        method: 'POST',
        headers: signed(body),
        body,
      })
        .then(async (r) => (await r.arrayBuffer(), r.status))
        .catch(() => 0);
      if (Date.now() < outageEnds) {
        duringOutage.answers.set(status, (duringOutage.answers.get(status) ?? 0) + 1);
        duringOutage.slowestMs = Math.max(duringOutage.slowestMs, performance.now() - sentAt);
      }
      if (status >= 200 && status < 300) {
        accepted.add(`generic:${id}`);
        return;
      }
      if (status >= 400 && status < 500) {
        refused++;
        return;
      }
      resent++;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
    gaveUp++;
  };
  let done = 0;
  const progress = setInterval(
    () => process.stdout.write(`  sent ${done.toLocaleString('en-US')} / ${COUNT.toLocaleString('en-US')}\r`),
    1000,
  );
  await Promise.all(
    Array.from({ length: COUNT }, (_, i) =>
      limit(async () => {
        if (outage && i === Math.floor(COUNT / 2) && outageEnds === 0) {
          outageEnds = Date.now() + outage.seconds * 1000;
          const r = await fetch(
            `${twin.info.webhookBaseUrl}/twin/outage?service=${outage.service}&seconds=${outage.seconds}`,
            { method: 'POST' },
          );
          if (!r.ok) throw new Error(`outage refused: ${await r.text()}`);
        }
        await send(i);
        done++;
      }),
    ),
  );
  clearInterval(progress);
  const sendSeconds = (performance.now() - started) / 1000;
  console.log(
    `  sent ${COUNT.toLocaleString('en-US')} in ${sendSeconds.toFixed(1)} s: ${accepted.size.toLocaleString('en-US')} accepted, ${resent} re-sent after a 5xx, ${refused} refused (4xx), ${gaveUp} given up after ${MAX_SENDS} tries`,
  );

  // Wait until the intake and republish queues are empty (failed messages come back after their
  // visibility timeout) and the table's stream has been read to its end.
  const queueOf = async (prefix: string) => {
    const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix }));
    const url = QueueUrls.find((u) => !/DeadLetter|dlq/i.test(u));
    if (!url) throw new Error(`no queue named ${prefix}… found`);
    return url;
  };
  const [intake, republish, publishFailures, tracker] = await Promise.all([
    queueOf('Switchboard-Intake'),
    queueOf('Switchboard-Republish'),
    queueOf('Switchboard-PublishFailures'),
    queueOf('Switchboard-LifecycleTracker'),
  ]);
  const depth = async (url: string) => {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(Attributes.ApproximateNumberOfMessages ?? 0) +
      Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  };
  for (;;) {
    await twin.quiesce();
    const left = (await depth(intake)) + (await depth(republish)) + (await depth(tracker));
    if (left === 0) break;
    process.stdout.write(
      `  waiting for ${left} intake or republish message(s) to be retried or dead-lettered (${((performance.now() - started) / 1000).toFixed(0)} s)…\r`,
    );
    await new Promise((r) => setTimeout(r, 2_000));
  }
  await twin.quiesce();
  const givenUp = await depth(publishFailures);

  /** Every message body of a queue, read once (they stay invisible while the bench reads). */
  const drain = async (url: string): Promise<string[]> => {
    const bodies: string[] = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          VisibilityTimeout: 600,
        }),
      );
      if (Messages.length === 0) return bodies;
      bodies.push(...Messages.map((m) => m.Body ?? ''));
    }
  };
  const copies = new Map<string, number>(); // `${department} ${engagementId}` → messages
  const routed = new Set<string>();
  for (const [department, url] of Object.entries(twin.info.queues)) {
    for (const body of await drain(url)) {
      const id = (JSON.parse(body) as { detail?: { id?: string } }).detail?.id ?? '?';
      routed.add(id);
      copies.set(`${department} ${id}`, (copies.get(`${department} ${id}`) ?? 0) + 1);
    }
  }
  const deadLettered = new Set<string>();
  for (const url of Object.values(twin.info.deadLetterQueues)) {
    for (const body of await drain(url)) {
      for (const id of accepted) if (body.includes(id.slice('generic:'.length))) deadLettered.add(id);
    }
  }
  const lost = [...accepted].filter((id) => !routed.has(id) && !deadLettered.has(id));
  const doubled = [...copies].filter(([, n]) => n > 1);
  // The lifecycle: each department reports on what it got, through the same faults.
  const assignments = [...copies.keys()].map((k) => k.split(' ') as [string, string]).slice(0, 500);
  const applied = new Set<string>(); // `${engagementId} ${department} ${status}` answered 200 as a change
  let reportRetries = 0;
  let reportFailures = 0;
  const tokens = (secrets as unknown as { departments?: Record<string, { statusToken: string }> }).departments ?? {};
  const report = async (department: string, engagementId: string, status: 'acknowledged' | 'resolved') => {
    const body = JSON.stringify({ engagementId, status, reportId: `${engagementId}:${status}` });
    for (let attempt = 1; attempt <= MAX_SENDS; attempt++) {
      const res = await fetch(`${twin.info.webhookBaseUrl}/departments/${department}/status`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${tokens[department]?.statusToken ?? `local-${department}-status-token`}`,
          'content-type': 'application/json',
        },
        body,
      }).catch(() => undefined);
      const answer = res ? ((await res.json().catch(() => ({}))) as { status?: string }) : {};
      if (res?.status === 200 && answer.status === status) {
        applied.add(`${engagementId} ${department} ${status}`);
        return;
      }
      if (res && res.status < 500) break;
      reportRetries++;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
    reportFailures++;
  };
  const reportLimit = pLimit(CONCURRENCY);
  await Promise.all(
    assignments.map(([department, id]) =>
      reportLimit(async () => {
        await report(department, id, 'acknowledged');
        await report(department, id, 'resolved');
      }),
    ),
  );
  for (;;) {
    await twin.quiesce();
    if ((await depth(republish)) === 0) break;
    await new Promise((r) => setTimeout(r, 2_000));
  }
  await twin.quiesce();
  const published = new Map<string, number>();
  for (const body of await drain(observer)) {
    const d = (JSON.parse(body) as { detail: { engagementId: string; department: string; to: string } }).detail;
    const key = `${d.engagementId} ${d.department} ${d.to}`;
    published.set(key, (published.get(key) ?? 0) + 1);
  }
  const changesLost = [...applied].filter((k) => !published.has(k));
  const changesDoubled = [...published].filter(([, n]) => n > 1);

  // Replies under the same faults, to a platform that fails too: each department replies to up to
  // 300 of what it got (the same replyId again on a 5xx, as the API asks), and each accepted reply
  // must be published exactly once: one "Reply Published", one reply made on the platform.
  const replyTargets = [...copies.keys()].map((k) => k.split(' ') as [string, string]).slice(0, 300);
  const repliesAccepted = new Set<string>();
  let replyRetries = 0;
  const replyLimit = pLimit(CONCURRENCY);
  await Promise.all(
    replyTargets.map(([department, engagementId], i) =>
      replyLimit(async () => {
        const replyId = `bench-${i}`;
        const body = JSON.stringify({
          engagementId,
          text: 'Thanks for your patience, it is sorted now.',
          replyId,
          author: { id: `agent-${i % 7}` },
        });
        for (let attempt = 1; attempt <= MAX_SENDS; attempt++) {
          const res = await fetch(`${twin.info.webhookBaseUrl}/departments/${department}/replies`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${tokens[department]?.statusToken ?? `local-${department}-status-token`}`,
              'content-type': 'application/json',
            },
            body,
          }).catch(() => undefined);
          const answer = res ? ((await res.json().catch(() => ({}))) as { state?: string }) : {};
          if ((res?.status === 201 || res?.status === 200) && answer.state) {
            repliesAccepted.add(replyId);
            return;
          }
          if (res && res.status < 500) return;
          replyRetries++;
          await new Promise((r) => setTimeout(r, 100 * attempt));
        }
      }),
    ),
  );
  const replyQueue = await queueOf('Switchboard-RepliesQueue');
  const doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: twin.info.dynamodbEndpoint,
      region: twin.info.region,
      credentials: LOCAL_CREDENTIALS,
    }),
  );
  const replyStates = new Map<string, string>();
  const readStates = async () => {
    for (const [i, [, engagementId]] of replyTargets.entries()) {
      const replyId = `bench-${i}`;
      if (!repliesAccepted.has(replyId)) continue;
      const { Item } = await doc.send(
        new GetCommand({
          TableName: twin.info.tableName,
          Key: { pk: `ENG#${engagementId}`, sk: `REPLY#${replyId}` },
          ConsistentRead: true,
        }),
      );
      replyStates.set(replyId, String((Item?.reply as { state?: string } | undefined)?.state ?? 'missing'));
    }
  };
  // Until every accepted reply is final (attempts put off come back at their time) or ten minutes pass.
  for (const until = Date.now() + 600_000; Date.now() < until; ) {
    await twin.quiesce();
    await readStates();
    const open = [...replyStates.values()].filter((st) => st !== 'published' && st !== 'failed').length;
    if (open === 0 && (await depth(replyQueue)) === 0) break;
    process.stdout.write(
      `  waiting for ${open} reply(ies) to be published (${((performance.now() - started) / 1000).toFixed(0)} s)…\r`,
    );
    await new Promise((r) => setTimeout(r, 2_000));
  }
  await twin.quiesce();
  const replyEvents = new Map<string, number>();
  for (const body of await drain(replyObserver)) {
    const d = (JSON.parse(body) as { detail: { replyId: string } }).detail;
    replyEvents.set(d.replyId, (replyEvents.get(d.replyId) ?? 0) + 1);
  }
  const repliesPublished = [...replyStates].filter(([, st]) => st === 'published').map(([id]) => id);
  const repliesFailed = [...replyStates].filter(([, st]) => st === 'failed').length;
  const repliesLost = [...repliesAccepted].filter(
    (id) => replyStates.get(id) !== 'published' && replyStates.get(id) !== 'failed',
  );
  const repliesDoubled = [...replyEvents].filter(([, n]) => n > 1);
  const publishedUnseen = repliesPublished.filter((id) => !replyEvents.has(id) || !platform.made.has(id));
  const platformRequests = [...platform.requests.values()].reduce((a, b) => a + b, 0);

  // The rollups (a second reader of the table's stream) under the same faults: every stored
  // engagement and every published reply counted exactly once.
  const rollups = new DynamoDbRollupStore(
    new DynamoDBClient({
      endpoint: twin.info.dynamodbEndpoint,
      region: twin.info.region,
      credentials: LOCAL_CREDENTIALS,
    }),
    twin.info.tableName,
  );
  const from = new Date(Date.now() - (performance.now() - started) - 3_600_000).toISOString();
  const rolledUp = async () => {
    const hours = await rollups.hours(from, new Date(Date.now() + 3_600_000).toISOString());
    return {
      engagements: hours.reduce((a, h) => a + h.engagements, 0),
      replies: hours.reduce((a, h) => a + Object.values(h.repliesPublished).reduce((x, y) => x + y, 0), 0),
    };
  };
  let counted = await rolledUp();
  for (const until = Date.now() + 120_000; Date.now() < until; ) {
    if (counted.engagements >= accepted.size && counted.replies >= repliesPublished.length) break;
    await twin.quiesce();
    await new Promise((r) => setTimeout(r, 2_000));
    counted = await rolledUp();
  }

  const seconds = (performance.now() - started) / 1000;
  console.log(`\nFault benchmark result (${seconds.toFixed(0)} s in all):`);
  console.log(`  accepted       ${accepted.size.toLocaleString('en-US')}`);
  console.log(`  routed         ${routed.size.toLocaleString('en-US')}`);
  console.log(
    `  lost           ${lost.length}   target 0: ${lost.length === 0 ? 'met' : 'NOT met'}${lost.length ? ` (e.g. ${lost.slice(0, 3).join(', ')})` : ''}`,
  );
  console.log(
    `  doubled        ${doubled.length}   target 0: ${doubled.length === 0 ? 'met' : 'NOT met'}${
      doubled.length
        ? ` (e.g. ${doubled
            .slice(0, 3)
            .map(([k, n]) => `${k} ×${n}`)
            .join(', ')})`
        : ''
    }`,
  );
  console.log(`  dead-lettered  ${deadLettered.size}`);
  console.log(`  stream batches given up on  ${givenUp}`);
  if (outage)
    console.log(
      `  during the ${outage.service} outage: answers ${[...duringOutage.answers].map(([st, n]) => `${st === 0 ? 'no answer' : st} ×${n}`).join(', ')}; slowest ${duringOutage.slowestMs.toFixed(0)} ms`,
    );
  console.log(
    `  status reports: ${applied.size.toLocaleString('en-US')} changes applied on ${assignments.length} assignments, ${reportRetries} re-sent after a 5xx, ${reportFailures} given up`,
  );
  console.log(`  changes lost   ${changesLost.length}   target 0: ${changesLost.length === 0 ? 'met' : 'NOT met'}`);
  console.log(
    `  changes doubled ${changesDoubled.length}  target 0: ${changesDoubled.length === 0 ? 'met' : 'NOT met'}`,
  );
  console.log(
    `  replies: ${repliesAccepted.size} accepted of ${replyTargets.length} (${replyRetries} re-sent after a 5xx), ${repliesPublished.length} published, ${repliesFailed} failed; the platform got ${platformRequests} request(s) (a sixth answered 503, a tenth made the reply and lost the answer) and made ${platform.made.size} repl(ies)`,
  );
  console.log(
    `  replies lost   ${repliesLost.length}   target 0: ${repliesLost.length === 0 ? 'met' : 'NOT met'}${repliesLost.length ? ` (e.g. ${repliesLost.slice(0, 3).join(', ')})` : ''}`,
  );
  console.log(
    `  replies doubled ${repliesDoubled.length}  target 0: ${repliesDoubled.length === 0 ? 'met' : 'NOT met'} ("Reply Published" more than once)`,
  );
  console.log(
    `  published but not on the platform or not announced ${publishedUnseen.length}   target 0: ${publishedUnseen.length === 0 ? 'met' : 'NOT met'}`,
  );
  console.log(
    `  rollups        ${counted.engagements} engagements counted of ${accepted.size} accepted, ${counted.replies} replies of ${repliesPublished.length} published   target equal: ${counted.engagements === accepted.size && counted.replies === repliesPublished.length ? 'met' : 'NOT met'}`,
  );
  console.log(`  function logs: ${join(stateDir, 'logs')}`);
  process.exitCode =
    lost.length === 0 &&
    doubled.length === 0 &&
    givenUp === 0 &&
    changesLost.length === 0 &&
    changesDoubled.length === 0 &&
    repliesLost.length === 0 &&
    repliesDoubled.length === 0 &&
    publishedUnseen.length === 0
      ? 0
      : 1;
} finally {
  sqs.destroy();
  await twin.stop();
  platformServer.close();
}
