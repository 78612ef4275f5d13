import type { ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import type { Http2Server } from 'node:http2';

/** Stops the twin started by global-setup.ts (SIGINT, as Ctrl-C would) and waits for it to exit. */
export default async function globalTeardown(): Promise<void> {
  const feed = (globalThis as { __FEED__?: Server }).__FEED__;
  feed?.close();
  (globalThis as { __REPLY_PLATFORM__?: Server }).__REPLY_PLATFORM__?.close();
  (globalThis as { __BEDROCK__?: Http2Server }).__BEDROCK__?.close();
  const child = (globalThis as { __TWIN__?: ChildProcess }).__TWIN__;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
