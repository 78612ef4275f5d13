import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createServer as createHttp2Server, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';

/** The feed the twin's poller reads in the tests: one item, then 304 for the same ETag. */
const FEED = `<?xml version="1.0"?><rss version="2.0"><channel><title>Newsroom</title><item><guid>it-legal-notice</guid><title>Notice from our lawyer</title><link>https://news.example.com/legal-notice</link><description>Our lawyer says: données personnelles 🔒</description></item></channel></rss>`;

/** Just enough of Reddit's and Bluesky's APIs (shapes as in the pollers' unit tests) for one item each. */
function apiAnswer(method: string, path: string): { status: number; body?: unknown } | undefined {
  const nowSeconds = Math.floor(Date.now() / 1000);
  const jwtPart = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  switch (`${method} ${path}`) {
    case 'POST /reddit/api/v1/access_token':
      return { status: 200, body: { access_token: 'it-token', token_type: 'bearer', expires_in: 86_400, scope: '*' } };
    case 'GET /reddit/r/acme/new':
      return {
        status: 200,
        body: {
          kind: 'Listing',
          data: {
            after: null,
            before: null,
            dist: 1,
            children: [
              {
                kind: 't3',
                data: {
                  name: 't3_itcrash',
                  id: 'itcrash',
                  author: 'zoe_42',
                  author_fullname: 't2_zoe',
                  created_utc: nowSeconds - 30,
                  permalink: '/r/acme/comments/itcrash/app/',
                  subreddit: 'acme',
                  title: 'App crash on login',
                  selftext: 'Plante au démarrage 😩',
                  score: 1,
                  num_comments: 0,
                },
              },
            ],
          },
        },
      };
    case 'POST /bsky/xrpc/com.atproto.server.createSession':
      return {
        status: 200,
        body: {
          accessJwt: ['eyJhbGciOiJFUzI1NksifQ', jwtPart({ sub: 'did:plc:acme', exp: nowSeconds + 7200 }), 'c2ln'].join(
            '.',
          ),
          refreshJwt: 'it-refresh',
          handle: 'acme.com',
          did: 'did:plc:acme',
          active: true,
        },
      };
    case 'GET /bsky/xrpc/app.bsky.notification.listNotifications':
      return {
        status: 200,
        body: {
          notifications: [
            {
              uri: 'at://did:plc:ana/app.bsky.feed.post/itpricing',
              cid: 'bafyreiitpricing',
              author: { did: 'did:plc:ana', handle: 'ana.bsky.social', displayName: 'Ana 🌸' },
              reason: 'mention',
              record: {
                $type: 'app.bsky.feed.post',
                text: '@acme.com what is your pricing for teams?',
                createdAt: new Date(Date.now() - 60_000).toISOString(),
              },
              isRead: false,
              indexedAt: new Date(Date.now() - 50_000).toISOString(),
              labels: [],
            },
          ],
          priority: false,
        },
      };
    default:
      return undefined;
  }
}

function startFeedServer(): Promise<Server> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const api = apiAnswer(req.method ?? 'GET', path);
    req.resume();
    if (api) res.writeHead(api.status, { 'content-type': 'application/json' }).end(JSON.stringify(api.body));
    else if (path !== '/feed.xml') res.writeHead(404).end();
    else if (req.headers['if-none-match'] === '"feed-v1"') res.writeHead(304).end();
    else res.writeHead(200, { 'content-type': 'application/rss+xml', etag: '"feed-v1"' }).end(FEED);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** What the fake platform saw: every request, and the replies it made (one per idempotency key). */
interface ReplyPlatformLog {
  requests: {
    idempotencyKey: string;
    replyId: string;
    inReplyTo: string;
    text: string;
    signatureOk: boolean;
    at: string;
  }[];
  replies: Record<string, string>;
}

/** Replies whose text holds this are made at once but answered after 12 s: past the publisher's 10 s. */
const SLOW_FIRST = '[slow-first]';

/**
 * A loopback `generic` platform taking replies as docs/design.md says one does (`POST /replies`
 * `{ replyId, inReplyTo, text }`, signed like generic webhooks, `Idempotency-Key`, answered
 * `2xx { id }`), deduping by the key as the contract asks of it. `GET /log` tells a test what it
 * got. A reply whose text holds {@link SLOW_FIRST} is made on its first request, whose answer then
 * comes too late: the publisher times out and must send it again, and must not make it twice.
 */
function startReplyPlatform(secretsFile = 'config/local-secrets.json'): Promise<Server> {
  const secret = (JSON.parse(readFileSync(secretsFile, 'utf8')) as { generic: { signingSecret: string } }).generic
    .signingSecret;
  const log: ReplyPlatformLog = { requests: [], replies: {} };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/log') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(log));
        return;
      }
      if (req.method !== 'POST' || req.url !== '/replies') {
        res.writeHead(404).end();
        return;
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      const timestamp = String(req.headers['x-switchboard-timestamp'] ?? '');
      const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${raw}`).digest('hex')}`;
      const given = String(req.headers['x-switchboard-signature'] ?? '');
      const signatureOk =
        given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
      const body = JSON.parse(raw) as { replyId: string; inReplyTo: string; text: string };
      const key = String(req.headers['idempotency-key'] ?? '');
      log.requests.push({ idempotencyKey: key, ...body, signatureOk, at: new Date().toISOString() });
      if (!signatureOk || !key) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"bad signature or no key"}');
        return;
      }
      const first = !(key in log.replies);
      log.replies[key] ??= `gen-${randomUUID().slice(0, 8)}`;
      const answer = () =>
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: log.replies[key] }));
      if (first && body.text.includes(SLOW_FIRST)) setTimeout(answer, 12_000).unref();
      else answer();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** The drafts the loopback Bedrock writes: one the voice policy allows, one it refuses (no-promises). */
export const FAKE_MODEL_DRAFTS = [
  'So sorry for the wait, {author.name}! Could you DM us your order number so we can check today?',
  'We guarantee your refund today!',
];

/**
 * A loopback stand-in for Bedrock's Converse API (`POST /model/<id>/converse`) over cleartext
 * HTTP/2, as the Bedrock client speaks it. It answers every prompt with {@link FAKE_MODEL_DRAFTS}
 * and appends each request (model id, system and user text) to `bedrock-prompts.jsonl`, where a
 * test checks what was sent.
 */
function startFakeBedrock(promptLog: string): Promise<Http2Server> {
  writeFileSync(promptLog, '');
  const server = createHttp2Server((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const model = /^\/model\/([^/]+)\/converse$/.exec(req.url ?? '')?.[1];
      if (req.method !== 'POST' || !model) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"not found"}');
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        system?: { text: string }[];
        messages?: { content: { text: string }[] }[];
      };
      const entry = {
        model: decodeURIComponent(model),
        system: body.system?.map((s) => s.text).join('\n') ?? '',
        user: body.messages?.flatMap((m) => m.content.map((c) => c.text)).join('\n') ?? '',
      };
      writeFileSync(promptLog, `${JSON.stringify(entry)}\n`, { flag: 'a' });
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          output: {
            message: { role: 'assistant', content: [{ text: JSON.stringify({ drafts: FAKE_MODEL_DRAFTS }) }] },
          },
          stopReason: 'end_turn',
          usage: { inputTokens: 100, outputTokens: 40, totalTokens: 140 },
          metrics: { latencyMs: 5 },
        }),
      );
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * Starts the local twin the way a user does (`npm start`, i.e. local/main.ts) on test ports,
 * with its local.json in .switchboard/it/ so a twin the developer is running is untouched.
 * Its config is the shipped one plus a fast-SLA department, polling targets on a feed served here on loopback, and
 * schedules run 60 times faster, so the poller's one-minute beat comes every second.
 * Tests read that local.json and talk to the twin with real SDK clients.
 */
export default async function globalSetup(): Promise<void> {
  // Same folder as TEST_STATE_DIR in state-dir.ts (Jest resolves no .js→.ts mapping for global setup files).
  const stateDir = resolve('.switchboard/it');
  rmSync(join(stateDir, 'local.json'), { force: true });
  mkdirSync(stateDir, { recursive: true });
  const feed = await startFeedServer();
  (globalThis as { __FEED__?: Server }).__FEED__ = feed;
  const replyPlatform = await startReplyPlatform();
  (globalThis as { __REPLY_PLATFORM__?: Server }).__REPLY_PLATFORM__ = replyPlatform;
  const replyBase = `http://127.0.0.1:${(replyPlatform.address() as AddressInfo).port}`;
  // Where the replies tests read what the platform got.
  writeFileSync(join(stateDir, 'reply-platform.json'), JSON.stringify({ baseUrl: replyBase }));
  const bedrock = await startFakeBedrock(join(stateDir, 'bedrock-prompts.jsonl'));
  (globalThis as { __BEDROCK__?: Http2Server }).__BEDROCK__ = bedrock;
  const config = join(stateDir, 'switchboard.yaml');
  const base = `http://127.0.0.1:${(feed.address() as AddressInfo).port}`;
  // Plus a department whose SLA runs out in seconds (escalating to communications), and the rule
  // that routes to it, so the lifecycle tests see a breach without waiting an hour; and one only
  // the reference department worker reads (it takes every message of its queue).
  const shipped = readFileSync('config/switchboard.yaml', 'utf8')
    // After the shipped departments, so lists of departments start as they do in the shipped config.
    .replace(
      /^defaultDepartment:/m,
      `  - id: it-worker
    name: IT reference worker
    sla: { firstResponse: PT1H }
  - id: it-fast
    name: IT fast SLA
    sla: { firstResponse: PT3S, resolution: PT8S }
    escalation: { to: communications, priority: urgent }
  - id: it-crisis
    name: IT crisis room

defaultDepartment:`,
    )
    // An approval whose deadline runs out in seconds, so the approval SLA shows without waiting hours.
    .replace(
      /^approval:\n/m,
      `approval:
  - { id: it-approval-fast, when: { reply: { keywords: [itapprovalfast] } }, approvers: legal, within: PT3S }
`,
    )
    // Spikes and crisis of a keyword only these tests use, so no other test's burst starts a
    // crisis (the shipped entries would), and a crisis changes no other test's replies.
    .replace(
      /^# Spikes \(docs\/management\.md\)[\s\S]*$/m,
      `spikes:
  - { id: it-storm, key: "keyword:itstorm", window: PT5M, sensitivity: 3, minCount: 5, cooldown: PT1H, startsCrisis: true }
crisis:
  team: it-crisis
  when: { keywords: [itstorm] }
  priority: urgent
  approvalsRequired: false
  slaFactor: 0.5
`,
    )
    // Model drafts too, from the loopback Bedrock.
    .replace(/^ {2}templates:\n/m, '  drafts:\n    bedrock: { modelId: test.fake-drafts-v1, count: 2 }\n  templates:\n')
    .replace(
      /^rules:\n/m,
      `rules:
  - id: it-worker
    when: { keywords: [itworker] }
    routeTo: [it-worker]
    priority: low
  - id: it-fast-sla
    when: { keywords: [itfastsla] }
    routeTo: [it-fast]
    priority: low
`,
    );
  writeFileSync(
    config,
    `${shipped}
polling:
  - { platform: rss, id: it-newsroom, url: "${base}/feed.xml", every: PT15M }
  - { platform: reddit, id: it-acme, subreddit: acme, every: PT15M, apiBaseUrl: "${base}/reddit", authBaseUrl: "${base}/reddit", userAgent: "server:switchboard.test:1.0 (by /u/acme)" }
  - { platform: bluesky, id: it-mentions, mode: notifications, every: PT15M, serviceUrl: "${base}/bsky" }
platforms:
  generic: { replyUrl: "${replyBase}/replies" }
`,
  );
  const env = {
    ...process.env,
    PORT: process.env.IT_PORT ?? '3310',
    DYNAMODB_PORT: process.env.IT_DYNAMODB_PORT ?? '8310',
    SQS_PORT: process.env.IT_SQS_PORT ?? '9310',
    EVENTBRIDGE_PORT: process.env.IT_EVENTBRIDGE_PORT ?? '4310',
    SWITCHBOARD_STATE_DIR: stateDir,
    SWITCHBOARD_CDK_OUT: join(stateDir, 'cdk.out'),
    SWITCHBOARD_CONFIG: config,
    SWITCHBOARD_SCHEDULE_SPEEDUP: '60',
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: `http://127.0.0.1:${(bedrock.address() as AddressInfo).port}`,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`local twin not ready after 240 s:\n${output.join('')}`)), 240_000);
    const onData = (d: Buffer) => {
      output.push(d.toString());
      if (output.join('').includes('Switchboard local twin ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`local twin exited (${code}) before it was ready:\n${output.join('')}`));
    });
  });
  // Keep draining the pipes (a full pipe would block the twin) into a log for whoever debugs a failure.
  const log = createWriteStream(join(stateDir, 'twin.log'));
  log.write(output.join(''));
  child.stdout?.removeAllListeners('data');
  child.stderr?.removeAllListeners('data');
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  console.log(`\nLocal twin for integration tests is up; its output goes to ${join(stateDir, 'twin.log')}`);
  child.removeAllListeners('exit');
  (globalThis as { __TWIN__?: ChildProcess }).__TWIN__ = child;
}
