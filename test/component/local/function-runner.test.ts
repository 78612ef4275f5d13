import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FunctionError, LocalFunction } from '#local/functions/function-runner.js';

/** A bundle whose handler waits `ms` and says which environment (worker thread) ran it. */
const dir = mkdtempSync(join(tmpdir(), 'fn-runner-'));
const bundle = join(dir, 'index.mjs');
writeFileSync(
  bundle,
  "import { threadId } from 'node:worker_threads';\nexport const handler = async (e) => { await new Promise((r) => setTimeout(r, e.ms)); return { threadId }; };\n",
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fn = (timeoutMs = 5_000) =>
  new LocalFunction({
    logicalId: 'Fn',
    functionName: 'fn',
    bundle,
    handler: 'handler',
    environment: {},
    timeoutMs,
    memorySize: 128,
    log: () => undefined,
  });
type Result = { threadId: number };

describe('local function runner', () => {
  it('gives each concurrent invocation its own environment, and reuses an idle one', async () => {
    const f = fn();
    try {
      const [a, b] = (await Promise.all([f.invoke({ ms: 200 }), f.invoke({ ms: 200 })])) as Result[];
      expect(a!.threadId).not.toBe(b!.threadId);
      const c = (await f.invoke({ ms: 0 })) as Result;
      expect([a!.threadId, b!.threadId]).toContain(c.threadId);
      expect(f.usage.invocations).toBe(3);
    } finally {
      await f.stop();
    }
  });

  it('fails only the invocation that timed out: another one running at the same time completes', async () => {
    const f = fn(1_000);
    try {
      const slow = f.invoke({ ms: 3_000 }).catch((e: unknown) => e);
      // started 700 ms later, so it is still running when the slow one times out at 1,000 ms
      await new Promise((r) => setTimeout(r, 700));
      const quick = f.invoke({ ms: 500 });
      expect(((await quick) as Result).threadId).toBeGreaterThan(0);
      const error = await slow;
      expect(error).toBeInstanceOf(FunctionError);
      expect((error as FunctionError).errorType).toBe('Timeout');
      // and the function still answers afterwards
      expect(((await f.invoke({ ms: 0 })) as Result).threadId).toBeGreaterThan(0);
    } finally {
      await f.stop();
    }
  });
});
