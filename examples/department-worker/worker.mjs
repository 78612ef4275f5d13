// A department's reference worker: reads its Switchboard queue, reports each engagement's status
// back, and deletes a message only once Switchboard has the final word. Copy it and replace
// `handle`. Guide: docs/consuming-a-queue.md; how to run it: README.md beside this file.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';

/** A wrong or missing token: retrying cannot help, so the worker stops instead of looping. */
export class FatalReportError extends Error {
  name = 'FatalReportError';
}

/** Default work: log what arrived without its text or author (no personal data in logs) and pretend. */
export async function defaultHandle(engagement) {
  console.log(`[worker] handling ${engagement.id} (${engagement.kind}, priority ${engagement.routing?.priority})`);
  await sleep(100);
  return { status: 'resolved' };
}

/** Starts the loop; see worker.d.mts for the options and the handle it returns. */
export function runWorker(options) {
  const { department, via = 'https', handle = defaultHandle, waitSeconds = 20, maxMessages, idleStopAfterMs } = options;
  const log = options.log ?? ((line) => console.log(`[worker ${department}] ${line}`));
  const local = typeof options.localJson === 'string' ? readJson(options.localJson) : options.localJson;
  if (!department) throw new Error('department is required');
  const queueUrl = options.queueUrl ?? local?.queues?.[department];
  const statusUrl =
    options.statusUrl ?? (local && `${local.webhookBaseUrl}/departments/${encodeURIComponent(department)}/status`);
  const eventBusName = options.eventBusName ?? local?.eventBusName;
  if (!queueUrl) throw new Error(`no queue URL for department "${department}" (queueUrl or localJson)`);
  if (via === 'https' && !(statusUrl && options.statusToken))
    throw new Error('via https needs statusUrl and statusToken');
  if (via === 'bus' && !eventBusName) throw new Error('via bus needs eventBusName');
  // The twin accepts any credentials; on AWS the SDK's default chain (role, profile) applies.
  const client = (endpoint) => ({
    region: options.region ?? local?.region ?? process.env.AWS_REGION,
    ...(local ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
  const sqs = options.sqs ?? new SQSClient(client(local?.sqsEndpoint));
  const events =
    via === 'bus' ? (options.eventBridge ?? new EventBridgeClient(client(local?.eventBridgeEndpoint))) : undefined;

  // Switchboard reads the reporting department from the source, never from the body.
  const Source = `switchboard.department.${department}`;
  const abort = new AbortController();
  const worker = { processed: 0, reports: [], rejected: [], stopped: false, error: undefined, done: undefined };
  worker.stop = async () => {
    worker.stopped = true;
    abort.abort(); // ends a long poll at once instead of up to `waitSeconds` later
    await worker.done.catch(() => {});
  };

  // One report. Resolves to its entry in `worker.reports`: `outcome` is the HTTP status, 'accepted'
  // (bus) or 'failed' (not delivered); throws FatalReportError when retrying cannot help.
  async function report(engagementId, status, extra = {}) {
    // Derived, not random: a redelivered message repeats the same reportIds, which Switchboard
    // answers as the first time, so reporting again is harmless.
    // A reportId has at most 200 characters and an engagement id up to 600: hash the long ones.
    const key = engagementId.length > 180 ? createHash('sha256').update(engagementId).digest('hex') : engagementId;
    const body = { engagementId, status, reportId: `${key}:${status}`, ...extra };
    const entry = { engagementId, status, reportId: body.reportId, via, outcome: 'failed' };
    worker.reports.push(entry);
    try {
      if (via === 'bus') {
        // The bus does not keep order: `at` lets Switchboard order acknowledged before resolved.
        body.at = new Date().toISOString();
        const Detail = JSON.stringify(body);
        const Entries = [{ EventBusName: eventBusName, Source, DetailType: 'Status Reported', Detail }];
        const out = await events.send(new PutEventsCommand({ Entries }));
        if (out.FailedEntryCount) throw new Error(`PutEvents refused the entry: ${out.Entries?.[0]?.ErrorCode}`);
        entry.outcome = 'accepted';
        return entry;
      }
      // Over HTTPS Switchboard stamps the time of receipt, which also sidesteps clock skew.
      const res = await fetch(statusUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.statusToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      entry.outcome = res.status;
      entry.body = await res.json().catch(() => undefined);
    } catch (err) {
      if (err.name === 'AccessDeniedException') throw new FatalReportError(`PutEvents denied: ${err.message}`);
      log(`${body.reportId}: not delivered (${err.name}: ${err.message}); the message will come back`);
      return entry;
    }
    if (entry.outcome === 401 || entry.outcome === 403) {
      throw new FatalReportError(
        `status report answered ${entry.outcome}: the statusToken is missing, wrong, or another department's`,
      );
    }
    if (entry.outcome === 200 && entry.body?.status !== status) {
      log(`${body.reportId}: recorded as late, the state stays ${entry.body?.status}`);
    } else if (entry.outcome !== 200 && entry.outcome !== 404 && entry.outcome !== 409) {
      // 5xx, 429: transient. 400: a bug here; left alone the message dead-letters, which alarms.
      log(`${body.reportId}: answered ${entry.outcome} ${entry.body?.message ?? ''}; the message will come back`);
    }
    return entry;
  }

  async function onMessage(m) {
    let event;
    try {
      event = JSON.parse(m.Body);
    } catch {}
    const kind = event?.['detail-type'];
    if (kind === 'Status Rejected' && event.detail) {
      // Only the bus way gets these: a report that was not applied, and why.
      log(`report ${event.detail.reportId} rejected: ${event.detail.reason}`);
      worker.rejected.push(event.detail);
      return finish(m);
    }
    if (kind !== 'Engagement Routed' || !event.detail?.id) {
      // Not ours to judge: left alone it comes back and, after 10 receives, dead-letters (alarm).
      return log(`message ${m.MessageId} of unknown kind "${kind}" left on the queue`);
    }
    const engagement = event.detail;
    const ack = await report(engagement.id, 'acknowledged');
    // 404: not routed here (any more). 409 with nothing allowed: already final. Nothing to do.
    if (ack.outcome === 404 || (ack.outcome === 409 && !ack.body?.allowed?.length)) return finish(m);
    // 409 with something allowed: acknowledged already by another report; carry on.
    if (![200, 409, 'accepted'].includes(ack.outcome)) return;
    let result;
    try {
      // At least once: a redelivered message is handled again, so `handle` must be idempotent.
      result = (await handle(engagement)) ?? {};
    } catch (err) {
      return log(`handle failed for ${engagement.id} (${err?.name}); the message will come back`);
    }
    const { status = 'resolved', to, note } = result;
    const final = await report(engagement.id, status, { ...(to ? { to } : {}), ...(note ? { note } : {}) });
    // Delete only once Switchboard has the final word: 200 (or accepted), 409 (already final), 404.
    if ([200, 404, 409, 'accepted'].includes(final.outcome)) return finish(m);
  }

  async function finish(m) {
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    worker.processed++;
  }

  async function loop() {
    // Idle means nothing finished: a message that keeps coming back unfinished is not progress.
    let lastProgressAt = Date.now();
    while (!worker.stopped) {
      let messages;
      try {
        const max = Math.min(10, (maxMessages ?? 10) - worker.processed);
        const receive = { QueueUrl: queueUrl, MaxNumberOfMessages: max, WaitTimeSeconds: waitSeconds };
        const out = await sqs.send(new ReceiveMessageCommand(receive), { abortSignal: abort.signal });
        messages = out.Messages ?? [];
      } catch (err) {
        if (worker.stopped) break;
        log(`receive failed (${err.name}); retrying in 5 s`);
        await sleep(5_000, undefined, { signal: abort.signal }).catch(() => {});
        continue;
      }
      const before = worker.processed;
      for (const [i, m] of messages.entries()) {
        if (worker.stopped) {
          // Hand back what we will not work on now, rather than hide it for the visibility timeout.
          for (const rest of messages.slice(i)) await release(rest);
          break;
        }
        try {
          await onMessage(m);
        } catch (err) {
          if (err instanceof FatalReportError) throw err;
          log(`message ${m.MessageId} failed (${err.name}); it will come back`);
        }
      }
      if (maxMessages !== undefined && worker.processed >= maxMessages) break;
      if (worker.processed > before) lastProgressAt = Date.now();
      else if (idleStopAfterMs !== undefined && Date.now() - lastProgressAt >= idleStopAfterMs) break;
    }
  }
  function release(m) {
    const visible = { QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 };
    return sqs.send(new ChangeMessageVisibilityCommand(visible)).catch(() => {});
  }

  worker.done = loop()
    .catch((err) => {
      log(err.message);
      worker.error = err;
      throw err;
    })
    .finally(() => {
      worker.stopped = true;
    });
  worker.done.catch(() => {}); // logged above; whoever awaits `done` still sees the rejection
  return worker;
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

// Run as a script: the twin by default; QUEUE_URL (with STATUS_URL and STATUS_TOKEN, or EVENT_BUS) for AWS.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { department: { type: 'string' }, via: { type: 'string' }, once: { type: 'boolean' } },
  });
  const env = process.env;
  const department = values.department ?? env.DEPARTMENT;
  if (!department) {
    console.error('usage: node worker.mjs --department <id> [--via https|bus] [--once]');
    process.exit(2);
  }
  const local = env.QUEUE_URL ? undefined : readJson(env.SWITCHBOARD_LOCAL_JSON ?? '.switchboard/local.json');
  const token =
    env.STATUS_TOKEN ??
    (local &&
      readJson(env.SWITCHBOARD_SECRETS_FILE ?? 'config/local-secrets.json').departments?.[department]?.statusToken);
  const worker = runWorker({
    department,
    via: values.via ?? 'https',
    localJson: local,
    queueUrl: env.QUEUE_URL,
    statusUrl: env.STATUS_URL,
    statusToken: token,
    eventBusName: env.EVENT_BUS,
    region: local ? undefined : env.AWS_REGION, // the twin's region wins over a stray AWS_REGION
    ...(values.once ? { waitSeconds: 1, idleStopAfterMs: 0 } : {}),
  });
  process.once('SIGINT', () => worker.stop());
  process.once('SIGTERM', () => worker.stop());
  worker.done.then(
    () => console.log(`[worker ${department}] stopped after ${worker.processed} message(s)`),
    () => {
      process.exitCode = 1; // the reason is logged already
    },
  );
}
