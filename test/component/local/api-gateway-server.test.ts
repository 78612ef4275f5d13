import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApiGatewayServer } from '#local/api/api-gateway-server.js';
import type { LocalFunction } from '#local/functions/function-runner.js';

/** The twin's API Gateway front door on a loopback port, with one webhook route and a function that echoes. */
async function start(
  invoke: (event: unknown) => Promise<unknown>,
  extra?: Parameters<typeof createApiGatewayServer>[2],
): Promise<{ server: Server; base: string }> {
  const fn = { invoke } as unknown as LocalFunction;
  const server = createApiGatewayServer(
    { routes: [{ method: 'POST', path: '/webhooks/{platform}', functionLogicalId: 'Webhook' }], binaryMediaTypes: [] },
    new Map([['Webhook', fn]]),
    extra,
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('twin API Gateway server', () => {
  let server: Server;
  let base: string;
  const calls: unknown[] = [];
  beforeAll(async () => {
    ({ server, base } = await start(async (event) => {
      calls.push(event);
      return { statusCode: 202, body: '{"accepted":1}' };
    }));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('answers a malformed escape in the path with 404 and keeps serving', async () => {
    const bad = await fetch(`${base}/webhooks/%ZZ`, { method: 'POST', body: '{}' });
    expect(bad.status).toBe(404);
    expect(await bad.json()).toEqual({ message: 'Missing Authentication Token' });
    const good = await fetch(`${base}/webhooks/x`, { method: 'POST', body: '{}' });
    expect(good.status).toBe(202);
  });

  it('answers a 20 kB path with 431 and a JSON body naming the limit, and keeps serving', async () => {
    const before = calls.length;
    const res = await fetch(`${base}/webhooks/${'a'.repeat(20_000)}`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(431);
    expect((await res.json()) as { message: string }).toEqual({ message: expect.stringMatching(/16 KiB/) });
    expect(calls.length).toBe(before);
    expect((await fetch(`${base}/webhooks/x`, { method: 'POST', body: '{}' })).status).toBe(202);
  });

  it('turns a function that throws into 502 and one that breaks the server path into 500, never a crash', async () => {
    const failing = await start(async () => {
      throw new Error('boom');
    });
    try {
      const res = await fetch(`${failing.base}/webhooks/x`, { method: 'POST', body: '{}' });
      expect(res.status).toBe(502);
      // a failure in the server's own path (here its extra-route hook) is caught too
      const odd = await start(
        async () => ({ statusCode: 202, body: '' }),
        (req) => {
          if (req.url?.includes('explode')) throw new Error('hook failed');
          return false;
        },
      );
      try {
        const r = await fetch(`${odd.base}/webhooks/explode`, { method: 'POST', body: '{}' });
        expect(r.status).toBe(500);
        expect(await r.json()).toEqual({ message: 'Internal server error' });
        expect((await fetch(`${odd.base}/webhooks/x`, { method: 'POST', body: '{}' })).status).toBe(202);
      } finally {
        await new Promise<void>((resolve) => odd.server.close(() => resolve()));
      }
    } finally {
      await new Promise<void>((resolve) => failing.server.close(() => resolve()));
    }
  });
});
