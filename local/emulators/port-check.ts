import { createConnection, createServer, type Server } from 'node:net';

/** Raised when a port an emulator needs is taken; the message tells the user how to move it. */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';

  constructor(
    readonly port: number,
    readonly envVarName: string,
    readonly service?: string,
  ) {
    super(portInUseMessage(port, envVarName, service));
  }
}

/** The text shown when `port` is taken, naming the env var that moves the emulator elsewhere. */
export function portInUseMessage(port: number, envVarName: string, service?: string): string {
  const who = service ? ` (needed by ${service})` : '';
  return (
    `Port ${port} is already in use${who}. Stop the process that holds it, ` +
    `or pick another port with ${envVarName}=<port> (e.g. ${envVarName}=${port + 1}).`
  );
}

export interface PortCheckOptions {
  /** Human name of what will listen there, e.g. "DynamoDB Local"; used in the message. */
  service?: string;
  /** Address to test binding on; default: every interface, the strictest test. */
  host?: string;
}

/**
 * Fails with a {@link PortInUseError} when `port` is already taken.
 *
 * Two probes, because neither alone is reliable everywhere: a connect to 127.0.0.1 catches a
 * listener even where SO_REUSEADDR would let a second bind succeed (macOS), and a trial bind
 * catches listeners on other addresses. Port 0 (ephemeral) is always free.
 */
export async function assertPortFree(port: number, envVarName: string, options: PortCheckOptions = {}): Promise<void> {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`Invalid port ${String(port)}: set ${envVarName} to an integer between 1 and 65535.`);
  }
  if (port === 0) return;
  if (await acceptsConnections(port)) throw new PortInUseError(port, envVarName, options.service);
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new PortInUseError(port, envVarName, options.service));
      else if (error.code === 'EACCES')
        reject(
          new Error(`Port ${port} needs elevated privileges; choose a port above 1024 with ${envVarName}=<port>.`),
        );
      else reject(error);
    });
    probe.listen({ port, host: options.host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Starts `server` listening and resolves with the bound port. EADDRINUSE (a race lost after
 * {@link assertPortFree}) becomes a {@link PortInUseError} with the same clear message.
 */
export function listenOn(
  server: Server,
  port: number,
  host: string,
  envVarName: string,
  service?: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port, envVarName, service) : error);
    };
    server.once('error', onError);
    server.listen({ port, host }, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

/** Closes `server` and every open connection (keep-alive sockets, long polls) so the port is released now. */
export function closeServer(server: Server & { closeAllConnections?: () => void }): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}

/** Reads a port from the environment, falling back to `fallback`; rejects non-numeric values clearly. */
export function portFromEnv(envVarName: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[envVarName];
  if (raw === undefined || raw.trim() === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${envVarName}=${raw} is not a valid port: use an integer between 0 and 65535.`);
  }
  return port;
}
