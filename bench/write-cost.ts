import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import pLimit from 'p-limit';
import { costReport, type TwinUsage } from '../bin/commands/cost.js';
import { signSample, type SampleSecrets } from '../events/sign-sample.js';
import { twinOptionsFromEnv } from '../local/twin/options.js';
import { startTwin } from '../local/twin/twin.js';

/** Targets of the write path and of the cost per engagement. */
const WRU_TARGET = 3;
const COST_RATIO_TARGET = 1.3;
const DELIVERIES = Number(process.env.WRITE_COST_DELIVERIES ?? 600);
const CONCURRENCY = 10;

/** A delivery the size social platforms send: a couple of sentences, an author with a name and followers, a thread and a link. */
function realisticBody(i: number): string {
  const texts = [
    'ordered the blue one 3 weeks ago and still nothing?? tracking says "label created" since the 2nd. where is my refund @acme',
    'the app crashes every time I open settings on android 14, tried reinstalling twice. pls fix',
    'how much is the team plan for ~20 seats, and do you do invoicing for EU companies?',
    'Hi, I am a reporter at a regional paper working on a story about the outage yesterday. Could someone comment before 5pm?',
  ];
  return JSON.stringify({
    id: randomUUID(),
    kind: 'comment',
    text: texts[i % texts.length],
    url: `https://social.example.com/acme/posts/${1_000_000 + i}#comment-${i}`,
    createdAt: new Date().toISOString(),
    author: { id: `u${100_000 + i}`, handle: `customer_${i}`, name: `Customer ${i}`, followers: 40 + (i % 900) },
    account: { id: 'acme-main', handle: 'acme' },
    thread: { parentId: `${1_000_000 + i}`, conversationId: `${1_000_000 + i}` },
  });
}

/**
 * Write units per engagement and cost per million engagements, measured on the twin: warm the
 * functions up, reset the twin's counters, send realistic signed deliveries ten at a time (so
 * the intake and the stream form batches, as traffic does), wait until each is published, then
 * price what the functions used with the same report as `npx switchboard cost`.
 */
export async function benchWriteCost(): Promise<void> {
  console.log(
    `Write path and cost per engagement (the twin, ${DELIVERIES} realistic signed deliveries, ${CONCURRENCY} at a time)`,
  );
  const stateDir = resolve('.switchboard/bench-cost');
  rmSync(stateDir, { recursive: true, force: true });
  const options = {
    ...twinOptionsFromEnv(),
    webhookPort: 3440,
    dynamodbPort: 8440,
    sqsPort: 9440,
    eventBridgePort: 4440,
    stateDir,
    faults: {},
  };
  const twin = await startTwin(options, { log: () => undefined });
  try {
    const secrets = JSON.parse(readFileSync(options.secretsFile, 'utf8')) as SampleSecrets;
    const usageUrl = `${twin.info.webhookBaseUrl}/twin/usage`;
    const usage = async (method = 'GET') => (await (await fetch(usageUrl, { method })).json()) as TwinUsage;
    const send = async (i: number) => {
      const body = realisticBody(i);
      const headers = signSample(
        { path: '/webhooks/generic', headers: { 'content-type': 'application/json' }, rawBody: body, sign: 'generic' },
        secrets,
      );
      const res = await fetch(`${twin.info.webhookBaseUrl}/webhooks/generic`, { method: 'POST', headers, body });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`delivery ${i} answered ${res.status}`);
    };
    const published = async () => (await usage()).services.eventbridge?.events ?? 0;
    const untilPublished = async (n: number) => {
      const deadline = Date.now() + 180_000;
      while ((await published()) < n) {
        if (Date.now() > deadline)
          throw new Error(`only ${await published()} of ${n} engagements published after 3 minutes`);
        await new Promise((r) => setTimeout(r, 250));
      }
      await twin.quiesce();
    };
    // Warm-up: cold starts are paid once per instance, not per engagement.
    const limit = pLimit(CONCURRENCY);
    await Promise.all(Array.from({ length: 40 }, (_, i) => limit(() => send(i))));
    await untilPublished(40);
    await usage('DELETE');
    let sent = 0;
    const progress = setInterval(() => process.stdout.write(`  sent ${sent} / ${DELIVERIES}\r`), 1000);
    await Promise.all(Array.from({ length: DELIVERIES }, (_, i) => limit(async () => (await send(1_000 + i), sent++))));
    clearInterval(progress);
    await untilPublished(DELIVERIES);
    const report = costReport(await usage());
    const writes = report.lines.find((l) => l.service === 'DynamoDB writes')!;
    console.log(
      `  DynamoDB write units per engagement: ${writes.unitsPerEngagement.toFixed(2)} ${writes.operation.replace(/^WRU /, '')} (target ≤ ${WRU_TARGET}: ${writes.unitsPerEngagement <= WRU_TARGET ? 'met' : 'NOT met'})`,
    );
    for (const l of report.lines)
      console.log(
        `  ${l.service.padEnd(20)} ${l.unitsPerEngagement.toFixed(3).padStart(8)} per engagement  $${l.usdPerMillion.toFixed(2).padStart(5)} / M  (floor $${l.floorUsdPerMillion.toFixed(2)})  ${l.operation}`,
      );
    const { total, floor, ratio } = report.perMillion;
    console.log(
      `  cost per million engagements: $${total.toFixed(2)}, ${ratio.toFixed(2)}× the $${floor.toFixed(2)} floor of a REST API front door (target ≤ ${COST_RATIO_TARGET}×: ${ratio <= COST_RATIO_TARGET ? 'met' : 'NOT met'})`,
    );
    console.log(
      "  Lambda time is the twin's wall-clock time on this machine (emulators included), not AWS's; the other lines are counts.\n",
    );
  } finally {
    await twin.stop();
  }
}
