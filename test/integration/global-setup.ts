import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';

/** The feed the twin's poller reads in the tests: one item, then 304 for the same ETag. */
const FEED = `<?xml version="1.0"?><rss version="2.0"><channel><title>Newsroom</title><item><guid>it-legal-notice</guid><title>Notice from our lawyer</title><link>https://news.example.com/legal-notice</link><description>Our lawyer says: données personnelles 🔒</description></item></channel></rss>`;

function startFeedServer(): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.headers['if-none-match'] === '"feed-v1"') res.writeHead(304).end();
    else res.writeHead(200, { 'content-type': 'application/rss+xml', etag: '"feed-v1"' }).end(FEED);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * Starts the local twin the way a user does (`npm start`, i.e. local/main.ts) on test ports,
 * with its local.json in .switchboard/it/ so a twin the developer is running is untouched.
 * Its config is the shipped one plus a polling target on a feed served here on loopback, and
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
  const config = join(stateDir, 'switchboard.yaml');
  const feedUrl = `http://127.0.0.1:${(feed.address() as AddressInfo).port}/feed.xml`;
  writeFileSync(config, `${readFileSync('config/switchboard.yaml', 'utf8')}\npolling:\n  - { platform: rss, id: it-newsroom, url: "${feedUrl}", every: PT15M }\n`);
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
  };
  const child = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'local/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
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
