import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from '#local/emulators/dynamodb-local.js';
import { LOCAL_CREDENTIALS } from '#local/emulators/local-credentials.js';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

/**
 * `npm start` as a process manager or an IDE runs it: started with npm, stopped by a signal to
 * the npm process. Every port the twin took must be free again afterwards, and a second start
 * with nothing changed must reuse the first one's synthesis.
 */
const PORTS = { PORT: 3392, DYNAMODB_PORT: 8392, SQS_PORT: 9392, EVENTBRIDGE_PORT: 4392 };
const stateDir = resolve('.switchboard/lifecycle-test');
const env = {
  ...process.env,
  ...Object.fromEntries(Object.entries(PORTS).map(([k, v]) => [k, String(v)])),
  SWITCHBOARD_STATE_DIR: stateDir,
  SWITCHBOARD_CDK_OUT: join(stateDir, 'cdk.out'),
};

/** Starts `npm start` and resolves with its process and output once the twin says it is ready. */
async function npmStart(extraEnv: Record<string, string> = {}): Promise<{ npm: ChildProcess; output: () => string }> {
  const npm = spawn('npm', ['start'], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  npm.stdout?.on('data', (d: Buffer) => (text += d.toString()));
  npm.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  await new Promise<void>((done, fail) => {
    const check = () => {
      if (text.includes('Switchboard local twin ready')) done();
    };
    npm.stdout?.on('data', check);
    npm.once('exit', (code) => fail(new Error(`npm start exited (${code}) before it was ready:\n${text}`)));
  });
  return { npm, output: () => text };
}

/** True when nothing listens on the port (on any address). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, () => server.close(() => done(true)));
  });
}

/** Waits until every twin port is free again, or the deadline passes; returns those still taken. */
async function portsStillTaken(deadlineMs: number): Promise<number[]> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const taken: number[] = [];
    for (const port of Object.values(PORTS)) if (!(await portIsFree(port))) taken.push(port);
    if (taken.length === 0 || Date.now() > deadline) return taken;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('npm start stopped by a signal to the npm process', () => {
  beforeAll(() => rmSync(stateDir, { recursive: true, force: true }));
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  it.each(['SIGTERM', 'SIGHUP', 'SIGINT'] as const)('%s stops every part and frees every port', async (signal) => {
    expect(await portsStillTaken(0)).toEqual([]);
    const { npm, output } = await npmStart();
    expect(await portsStillTaken(0)).toEqual(Object.values(PORTS));
    const npmExited = new Promise((done) => npm.once('exit', done));
    npm.kill(signal);
    await npmExited;
    expect(await portsStillTaken(20_000)).toEqual([]);
    expect(output()).not.toContain('failed to start');
  });

  it('reports each start-up step, and a second start reuses the synthesis', async () => {
    // The runs above synthesized into this state folder; nothing has changed since.
    const { npm, output } = await npmStart();
    const exited = new Promise((done) => npm.once('exit', done));
    npm.kill('SIGTERM');
    await exited;
    expect(output()).toContain('stack unchanged since the last start');
    expect(output()).not.toContain('synthesizing the stack');
    expect(output()).toMatch(
      /✓ DynamoDB Local on http:\/\/127\.0\.0\.1:8392, SQS on http:\/\/127\.0\.0\.1:9392 \(\d+\.\d s\)/,
    );
    expect(output()).toMatch(/Switchboard local twin ready in \d+\.\d s/);
    expect(await portsStillTaken(20_000)).toEqual([]);
  });

  it('uses a DynamoDB you run (DYNAMODB_ENDPOINT), reuses its tables on the next start, and leaves it running', async () => {
    const external = await startDynamoDbLocal({ port: 0 });
    try {
      for (const run of [1, 2]) {
        const { npm, output } = await npmStart({ DYNAMODB_ENDPOINT: external.endpoint });
        const exited = new Promise((done) => npm.once('exit', done));
        npm.kill('SIGTERM');
        await exited;
        expect(output()).toContain(`DynamoDB at ${external.endpoint} (yours)`);
        expect(output()).not.toContain('starting DynamoDB Local');
        if (run === 2) expect(output()).toMatch(/reusing table \S+ found at/);
        else expect(output()).not.toContain('reusing table');
      }
      const client = new DynamoDBClient({
        endpoint: external.endpoint,
        region: 'us-east-1',
        credentials: LOCAL_CREDENTIALS,
      });
      try {
        expect((await client.send(new ListTablesCommand({}))).TableNames?.length).toBeGreaterThan(0);
      } finally {
        client.destroy();
      }
    } finally {
      await external.stop();
    }
    expect(await portsStillTaken(20_000)).toEqual([]);
  });

  it('frees every port when the twin itself is killed with SIGKILL', async () => {
    const { npm } = await npmStart();
    // npm → sh → node (the twin): kill the twin's own process, which runs no handler.
    const twinPid = Number(
      execSync(
        `pgrep -f "local/main.ts" -P $(pgrep -P ${npm.pid} || echo ${npm.pid}) || pgrep -f "local/main.ts" -P ${npm.pid}`,
        { encoding: 'utf8' },
      )
        .trim()
        .split('\n')[0],
    );
    expect(twinPid).toBeGreaterThan(0);
    const npmExited = new Promise((done) => npm.once('exit', done));
    process.kill(twinPid, 'SIGKILL');
    await npmExited;
    expect(await portsStillTaken(20_000)).toEqual([]);
  });
});
