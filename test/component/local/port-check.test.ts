import { createServer } from 'node:net';
import { assertPortFree, closeServer, listenOn, portFromEnv, PortInUseError } from '#local/emulators/port-check.js';
import { occupyPort as occupy } from '#test-support/tcp-ports.js';

describe('port check', () => {
  it('passes for a free port and for 0 (ephemeral)', async () => {
    const { server, port } = await occupy();
    await closeServer(server);
    await expect(assertPortFree(port, 'SQS_PORT')).resolves.toBeUndefined();
    await expect(assertPortFree(0, 'SQS_PORT')).resolves.toBeUndefined();
  });

  it('names the port, the service and the env var to change it when taken', async () => {
    const { server, port } = await occupy();
    try {
      const error = await assertPortFree(port, 'DYNAMODB_PORT', { service: 'DynamoDB Local' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PortInUseError);
      expect((error as Error).message).toBe(
        `Port ${port} is already in use (needed by DynamoDB Local). Stop the process that holds it, or pick another port with DYNAMODB_PORT=<port> (e.g. DYNAMODB_PORT=${port + 1}).`,
      );
    } finally {
      await closeServer(server);
    }
  });

  it('turns EADDRINUSE on listen into the same clear error', async () => {
    const { server, port } = await occupy();
    try {
      const second = createServer();
      await expect(listenOn(second, port, '127.0.0.1', 'EVENTBRIDGE_PORT')).rejects.toThrow(/EVENTBRIDGE_PORT=<port>/);
    } finally {
      await closeServer(server);
    }
  });

  it('rejects invalid ports', async () => {
    await expect(assertPortFree(70000, 'SQS_PORT')).rejects.toThrow('SQS_PORT');
  });

  it('reads ports from the environment with a clear error for bad values', () => {
    expect(portFromEnv('SQS_PORT', 9324, {})).toBe(9324);
    expect(portFromEnv('SQS_PORT', 9324, { SQS_PORT: '9400' })).toBe(9400);
    expect(() => portFromEnv('SQS_PORT', 9324, { SQS_PORT: 'abc' })).toThrow('SQS_PORT=abc is not a valid port');
  });
});
