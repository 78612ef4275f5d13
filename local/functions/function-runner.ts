import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

/** What the runner needs to start one function from its synthesized bundle. */
export interface LocalFunctionSpec {
  logicalId: string;
  functionName: string;
  /** Absolute path of the bundle's entry file (e.g. cdk.out/asset.<hash>/index.mjs). */
  bundle: string;
  /** Export name, from the template's `Handler` (`index.handler` → `handler`). */
  handler: string;
  environment: Record<string, string>;
  timeoutMs: number;
  memorySize: number;
  /**
   * Receives each line the function writes to stdout or stderr (its logs, as CloudWatch Logs
   * would). Without it the lines go to this process's own stdout and stderr.
   */
  log?: (line: string) => void;
}

/** Raised when a function throws or times out; the caller maps it as Lambda would (5xx, redelivery). */
export class FunctionError extends Error {
  constructor(
    readonly functionName: string,
    readonly errorType: string,
    message: string,
  ) {
    super(message);
    this.name = 'FunctionError';
  }
}

const WORKER = fileURLToPath(new URL('./function-worker.mjs', import.meta.url));

/**
 * Most environments (worker threads) one function gets: twice the machine's cores (every
 * environment holds its own copy of the bundle, and more threads than cores only add switching);
 * past it, invocations share the least busy one.
 */
export const MAX_ENVIRONMENTS = Math.max(2, 2 * availableParallelism());

/** One execution environment: a worker thread with the bundle loaded, and what it is running. */
interface Environment {
  worker: Worker;
  running: Set<number>;
}

/**
 * A deployed function, locally: its bundle runs in worker threads whose `process.env` is the
 * function's template environment (plus endpoints of the local emulators), so the code, its
 * SDK clients and its configuration are exactly what Lambda would run. As on Lambda, each
 * invocation gets an environment of its own: an idle one is reused (warm), else a new one starts
 * (cold), up to {@link MAX_ENVIRONMENTS}. A timed-out invocation takes down only its own
 * environment, never the others' work.
 */
export class LocalFunction {
  private readonly environments: Environment[] = [];
  private nextId = 0;
  private readonly pending = new Map<
    number,
    { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout; env: Environment }
  >();

  /** Invocations and billed time (Lambda bills each invocation's duration rounded up to 1 ms), for the cost report. */
  readonly usage = { invocations: 0, billedMs: 0 };

  constructor(readonly spec: LocalFunctionSpec) {}

  invoke(event: unknown): Promise<unknown> {
    const started = performance.now();
    this.usage.invocations++;
    const bill = () => void (this.usage.billedMs += Math.ceil(performance.now() - started));
    return this.run(event).finally(bill);
  }

  private run(event: unknown): Promise<unknown> {
    const env = this.environmentFor();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        env.running.delete(id);
        // As on Lambda, a timed-out invocation does not keep running: its environment is
        // replaced, so it cannot publish after SQS has handed its batch to someone else.
        void this.retire(env, 'Runtime.ExitError', 'the environment was recycled after a timeout');
        reject(
          new FunctionError(
            this.spec.functionName,
            'Timeout',
            `Task timed out after ${this.spec.timeoutMs / 1000} seconds`,
          ),
        );
      }, this.spec.timeoutMs);
      this.pending.set(id, { resolve, reject, timer, env });
      env.running.add(id);
      env.worker.postMessage({ id, event });
    });
  }

  async stop(): Promise<void> {
    await Promise.all(
      [...this.environments].map((env) => this.retire(env, 'Runtime.Stopped', 'the local twin is stopping')),
    );
  }

  /** Fails what an environment is running, forgets it and ends its worker. */
  private async retire(env: Environment, errorType: string, message: string): Promise<void> {
    const at = this.environments.indexOf(env);
    if (at >= 0) this.environments.splice(at, 1);
    for (const id of env.running) {
      const p = this.pending.get(id);
      if (!p) continue;
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(new FunctionError(this.spec.functionName, errorType, message));
    }
    env.running.clear();
    await env.worker.terminate();
  }

  /** An idle environment, else a new one while under the cap, else the least busy. */
  private environmentFor(): Environment {
    const idle = this.environments.find((e) => e.running.size === 0);
    if (idle) return idle;
    if (this.environments.length < MAX_ENVIRONMENTS) return this.start();
    return this.environments.reduce((a, b) => (b.running.size < a.running.size ? b : a));
  }

  private start(): Environment {
    const { bundle, handler, functionName, timeoutMs, memorySize, environment } = this.spec;
    const captured = this.spec.log !== undefined;
    const worker = new Worker(WORKER, {
      workerData: { bundle, handler, functionName, timeoutMs, memorySize },
      env: environment,
      stdout: captured,
      stderr: captured,
    });
    const env: Environment = { worker, running: new Set() };
    if (this.spec.log) {
      const log = this.spec.log;
      for (const stream of [worker.stdout, worker.stderr])
        createInterface({ input: stream, crlfDelay: Infinity }).on('line', log);
    }
    worker.on(
      'message',
      (msg: { id: number; ok: boolean; result?: unknown; error?: { name: string; message: string } }) => {
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        env.running.delete(msg.id);
        clearTimeout(p.timer);
        if (msg.ok) p.resolve(msg.result);
        else
          p.reject(new FunctionError(functionName, msg.error?.name ?? 'Error', msg.error?.message ?? 'unknown error'));
      },
    );
    worker.on('error', (err) => void this.retire(env, 'Runtime.ExitError', err.message));
    // A worker that dies (process.exit in a handler, an out-of-memory crash) is replaced by the next invoke.
    worker.on('exit', (code) => {
      if (this.environments.includes(env))
        void this.retire(env, 'Runtime.ExitError', `the function's environment exited with code ${code}`);
    });
    worker.unref();
    this.environments.push(env);
    return env;
  }
}
