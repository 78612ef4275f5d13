import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';

/** Runs `npm start`'s entry point with the given environment and returns how it ended. */
function startTwin(env: Record<string, string>) {
  return spawnSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'local/main.ts'], {
    env: {
      ...process.env,
      PORT: '3391',
      DYNAMODB_PORT: '8391',
      SQS_PORT: '9391',
      EVENTBRIDGE_PORT: '4391',
      SWITCHBOARD_STATE_DIR: '.switchboard/startup-test',
      ...env,
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('starting the local twin', () => {
  let blocker: Server;
  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(9391, '127.0.0.1', resolve));
  });
  afterAll(async () => new Promise<void>((resolve) => blocker.close(() => resolve())));

  it('stops at once with a message naming a taken port and the variable that moves it', () => {
    const out = startTwin({});
    expect(out.status).toBe(1);
    expect(out.stderr).toContain('Port 9391 is already in use (needed by the SQS emulator)');
    expect(out.stderr).toContain('SQS_PORT=');
    expect(out.stdout).not.toContain('Synthesizing');
  });

  it('stops at once with install instructions when Java is missing', () => {
    const out = startTwin({ SQS_PORT: '9392', PATH: '/nonexistent' });
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/needs Java.*not on PATH/);
    expect(out.stderr).toContain('openjdk-17-jre-headless');
  });

  it('stops at once naming DYNAMODB_ENDPOINT when no DynamoDB answers there', () => {
    const out = startTwin({ SQS_PORT: '9393', DYNAMODB_ENDPOINT: 'http://127.0.0.1:1' });
    expect(out.status).toBe(1);
    expect(out.stderr).toContain('DYNAMODB_ENDPOINT is http://127.0.0.1:1, and no DynamoDB answers there');
  });

  it('refuses a DYNAMODB_ENDPOINT that is not a URL', () => {
    const out = startTwin({ SQS_PORT: '9393', DYNAMODB_ENDPOINT: 'localhost-8000' });
    expect(out.status).toBe(1);
    expect(out.stderr).toContain('DYNAMODB_ENDPOINT must be a URL');
  });
});
