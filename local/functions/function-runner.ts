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
 * A deployed function, locally: its bundle runs in a worker thread whose `process.env` is the
 * function's template environment (plus endpoints of the local emulators), so the code, its
 * SDK clients and its configuration are exactly what Lambda would run. Invocations are
 * concurrent within the worker, as in one warm Lambda environment.
 */
export class LocalFunction {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }>();

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
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        // As on Lambda, a timed-out invocation does not keep running: its environment is
        // replaced, so it cannot publish after SQS has handed its batch to someone else.
        void this.recycle();
        reject(new FunctionError(this.spec.functionName, 'Timeout', `Task timed out after ${this.spec.timeoutMs / 1000} seconds`));
      }, this.spec.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      worker.postMessage({ id, event });
    });
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failPending('Runtime.Stopped', 'the local twin is stopping');
    if (worker) await worker.terminate();
  }

  private failPending(errorType: string, message: string): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new FunctionError(this.spec.functionName, errorType, message));
      this.pending.delete(id);
    }
  }

  private async recycle(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failPending('Runtime.ExitError', 'the environment was recycled after a timeout');
    if (worker) await worker.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const { bundle, handler, functionName, timeoutMs, memorySize, environment } = this.spec;
    const captured = this.spec.log !== undefined;
    const worker = new Worker(WORKER, { workerData: { bundle, handler, functionName, timeoutMs, memorySize }, env: environment, stdout: captured, stderr: captured });
    if (this.spec.log) {
      const log = this.spec.log;
      for (const stream of [worker.stdout, worker.stderr]) createInterface({ input: stream, crlfDelay: Infinity }).on('line', log);
    }
    worker.on('message', (msg: { id: number; ok: boolean; result?: unknown; error?: { name: string; message: string } }) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new FunctionError(functionName, msg.error?.name ?? 'Error', msg.error?.message ?? 'unknown error'));
    });
    worker.on('error', (err) => {
      if (this.worker === worker) this.worker = undefined;
      this.failPending('Runtime.ExitError', err.message);
    });
    worker.on('exit', (code) => {
      // A worker that dies (process.exit in a handler, an out-of-memory crash) is replaced on the next invoke.
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failPending('Runtime.ExitError', `the function's environment exited with code ${code}`);
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }
}
