import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { assertPortFree } from './port-check.js';
import { LOCAL_CREDENTIALS } from './local-credentials.js';

const run = promisify(execFile);

export const DYNAMODB_PORT_ENV = 'DYNAMODB_PORT';
export const DEFAULT_DYNAMODB_PORT = 8000;
/** The npm package that ships AWS's DynamoDB Local jar (1.25.1) in `package/emulator/`. */
export const DYNAMODB_LOCAL_PACKAGE = 'amplify-dynamodb-simulator@2.9.30';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const JAR = 'DynamoDBLocal.jar';
const INSTALL_JAVA =
  'Install Java 17 or newer, e.g. `sudo apt-get install -y openjdk-17-jre-headless` (Debian/Ubuntu) or `brew install openjdk@17` (macOS), and make sure `java` is on PATH.';

export interface EnsureDynamoDbLocalOptions {
  /** Where the emulator folder lives; default `node_modules/.cache/switchboard/dynamodb-local`. */
  dir?: string;
  /** Told when a download starts (it takes a while: ~56 MB). */
  log?: (message: string) => void;
}

const ensuring = new Map<string, Promise<string>>();

/**
 * Makes sure DynamoDB Local is on disk and returns its folder (holding DynamoDBLocal.jar and
 * DynamoDBLocal_lib/). The jar is not reachable from its own download host here, so it comes
 * from the npm registry: `npm pack` of {@link DYNAMODB_LOCAL_PACKAGE}, of which only
 * `package/emulator/` is extracted (installing the package would pull 283 dependencies).
 * Extraction goes to a temporary folder renamed into place, so an interrupted download never
 * leaves a half folder that later runs would trust.
 */
export function ensureDynamoDbLocal(options: EnsureDynamoDbLocalOptions = {}): Promise<string> {
  const dir = options.dir ?? join(PROJECT_ROOT, 'node_modules', '.cache', 'switchboard', 'dynamodb-local');
  if (existsSync(join(dir, JAR))) return Promise.resolve(dir);
  let pending = ensuring.get(dir);
  if (!pending) {
    pending = download(dir, options.log).finally(() => ensuring.delete(dir));
    ensuring.set(dir, pending);
  }
  return pending;
}

async function download(dir: string, log?: (message: string) => void): Promise<string> {
  const parent = join(dir, '..');
  await mkdir(parent, { recursive: true });
  const work = await mkdtemp(join(parent, '.dynamodb-local-'));
  try {
    log?.(`Fetching DynamoDB Local (${DYNAMODB_LOCAL_PACKAGE}, ~56 MB) from the npm registry, once…`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    await run(npm, ['pack', DYNAMODB_LOCAL_PACKAGE, '--pack-destination', work, '--silent'], {
      cwd: PROJECT_ROOT,
      maxBuffer: 16 * 1024 * 1024,
      shell: process.platform === 'win32',
    }).catch((error: unknown) => {
      throw new Error(
        `Could not download ${DYNAMODB_LOCAL_PACKAGE} with npm pack: ${lastLines(errorOutput(error), 5)}`,
      );
    });
    const tarball = (await readdir(work)).find((name) => name.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack ${DYNAMODB_LOCAL_PACKAGE} produced no tarball.`);
    await run('tar', ['-xzf', join(work, tarball), '-C', work, 'package/emulator']).catch((error: unknown) => {
      throw new Error(`Could not extract DynamoDB Local from ${tarball}: ${lastLines(errorOutput(error), 5)}`);
    });
    const extracted = join(work, 'package', 'emulator');
    if (!existsSync(join(extracted, JAR)))
      throw new Error(`${DYNAMODB_LOCAL_PACKAGE} no longer contains emulator/${JAR}.`);
    try {
      await rename(extracted, dir);
    } catch (error) {
      // Another process may have won the race; its complete folder is as good as ours.
      if (!existsSync(join(dir, JAR))) throw error;
    }
    return dir;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export interface StartDynamoDbLocalOptions {
  /** Default 8000; 0 picks a free port. */
  port?: number;
  /** Emulator folder; default: {@link ensureDynamoDbLocal}'s. */
  dir?: string;
  /** How long to wait for ListTables to answer; default 30 s. */
  startTimeoutMs?: number;
  /** Keep the data in this folder (`-dbPath`), so it survives a restart; default: in memory. */
  dataDir?: string;
  /** Environment for `java` (its PATH finds it); default: this process's. */
  env?: NodeJS.ProcessEnv;
  log?: (message: string) => void;
}

export interface DynamoDbLocal {
  /** e.g. `http://127.0.0.1:8000`. */
  readonly endpoint: string;
  readonly port: number;
  /** Kills the Java process and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts DynamoDB Local in memory with Java and resolves once it answers ListTables.
 * Fails with a message that says what to do when Java is missing or too old, when the port is
 * taken (move it with DYNAMODB_PORT), or when the process dies before it is ready (with the
 * last lines it printed).
 */
export async function startDynamoDbLocal(options: StartDynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const env = options.env ?? process.env;
  await assertJava(env);
  const requested = options.port ?? DEFAULT_DYNAMODB_PORT;
  await assertPortFree(requested, DYNAMODB_PORT_ENV, { service: 'DynamoDB Local' });
  const port = requested === 0 ? await freePort() : requested;
  const dir = options.dir ?? (await ensureDynamoDbLocal({ log: options.log }));

  // -sharedDb: one database for every access key and region, so any credentials see the
  // twin's tables (docs/design.md: "any AWS SDK client pointed at those endpoints works").
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  const storage = options.dataDir ? ['-dbPath', options.dataDir] : ['-inMemory'];
  const child = spawn(
    'java',
    [
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(dir, JAR),
      ...storage,
      '-sharedDb',
      '-port',
      String(port),
    ],
    {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  if (child.pid !== undefined) watchOver(child.pid);
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(
      ...chunk
        .toString('utf8')
        .split(/\r?\n/)
        .filter((line) => line.trim() !== ''),
    );
    if (output.length > 40) output.splice(0, output.length - 40);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // A twin killed with Ctrl-C must not leave a JVM holding the port.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    process.off('exit', killOnExit);
    await stopProcess(child, exited);
  };
  try {
    await waitUntilReady(endpoint, exited, options.startTimeoutMs ?? 30_000, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, port, stop };
}

/**
 * A twin killed with SIGKILL runs no exit handler, and its JVM would keep the port (the next
 * `npm start` then fails). A small detached watchdog process kills the JVM once this process is
 * gone, and ends by itself when the JVM does.
 */
function watchOver(childPid: number): void {
  const script = `const [parent, child] = process.argv.slice(1).map(Number);
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
setInterval(() => {
  if (!alive(child)) process.exit(0);
  if (!alive(parent)) { try { process.kill(child, 'SIGKILL'); } catch {} process.exit(0); }
}, 500);`;
  const watchdog = spawn(process.execPath, ['-e', script, String(process.pid), String(childPid)], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.unref();
}

/** Fails with install instructions when `java` is missing or older than 17 (DynamoDB Local needs it). */
export async function assertJava(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let versionText: string;
  try {
    const { stdout, stderr } = await run('java', ['-version'], { env });
    versionText = `${stderr}${stdout}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error(`DynamoDB Local needs Java, and \`java\` is not on PATH. ${INSTALL_JAVA}`);
    throw new Error(`\`java -version\` failed: ${lastLines(errorOutput(error), 3)}. ${INSTALL_JAVA}`);
  }
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionText);
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : undefined;
  if (major !== undefined && major < 17)
    throw new Error(`DynamoDB Local here needs Java 17+, and \`java\` is Java ${major}. ${INSTALL_JAVA}`);
}

async function waitUntilReady(
  endpoint: string,
  exited: Promise<number | null>,
  timeoutMs: number,
  output: () => string[],
): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
    requestHandler: { requestTimeout: 2_000, connectionTimeout: 1_000, throwOnRequestTimeout: true },
  });
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (exitCode !== undefined) {
        throw new Error(
          `DynamoDB Local exited (code ${String(exitCode)}) before it was ready. Last output:\n${lastLines(output().join('\n'), 10)}`,
        );
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) {
        throw new Error(
          `DynamoDB Local did not answer ListTables within ${timeoutMs} ms. Last output:\n${lastLines(output().join('\n'), 10)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  } finally {
    client.destroy();
  }
}

async function stopProcess(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const forced = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(forced);
}

/** An ephemeral port the OS considers free; Java needs a concrete number. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function errorOutput(error: unknown): string {
  const e = error as { stderr?: string; stdout?: string; message?: string };
  return [e.stderr, e.stdout, e.message]
    .filter((text): text is string => typeof text === 'string' && text.trim() !== '')
    .join('\n');
}

const lastLines = (text: string, count: number) => text.trim().split(/\r?\n/).slice(-count).join('\n');
