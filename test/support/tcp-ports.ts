import { createServer, type Server } from 'node:net';

/** Holds an ephemeral port on `host` with a bare TCP server, for tests of what happens when a port is taken. */
export function occupyPort(host = '127.0.0.1'): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, host, () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address !== null ? address.port : 0 });
    });
  });
}

/** Resolves once `port` could be listened on (and released again); rejects when it is still taken. */
export async function expectPortFree(port: number, host = '127.0.0.1'): Promise<void> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(port, host, () => resolve());
  });
  await new Promise((resolve) => probe.close(resolve));
}

/** Resolves once `port` can be bound again, polling; rejects with the port named after `timeoutMs`. */
export async function waitForPortFree(port: number, timeoutMs: number, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await expectPortFree(port, host);
      return;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`port ${port} still taken after ${timeoutMs} ms: ${(err as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
