/**
 * Set up after the framework in the `unit` project: a unit test opens no socket and starts no
 * process. Listening, connecting (which `fetch` and every AWS SDK client do underneath) and
 * spawning throw at once with the rule, so a test that needs them belongs in `test/component`
 * (loopback servers, child processes) or `test/integration` (the twin). The originals come back
 * after the file's tests, because Jest reuses its worker processes for the other projects.
 */
import { createRequire } from 'node:module';

// Through require, not import: an ESM import here would make Jest snapshot the module's exports
// for this file's registry before they are replaced, and the test file would get the originals.
const require = createRequire(import.meta.url);
const childProcess = require('node:child_process') as typeof import('node:child_process');
const net = require('node:net') as typeof import('node:net');

function refuse(what: string): never {
  throw new Error(
    `unit tests open no socket and start no process (${what}); move this test to test/component or test/integration`,
  );
}

const listen = net.Server.prototype.listen;
const connect = net.Socket.prototype.connect;
const SPAWNERS = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const;
const spawners = SPAWNERS.map((name) => [name, childProcess[name]] as const);

net.Server.prototype.listen = function refusedListen(): never {
  refuse('net.Server.listen');
};
net.Socket.prototype.connect = function refusedConnect(): never {
  refuse('net.Socket.connect');
};
for (const name of SPAWNERS)
  Object.defineProperty(childProcess, name, {
    value: () => refuse(`child_process.${name}`),
    configurable: true,
    writable: true,
  });

afterAll(() => {
  net.Server.prototype.listen = listen;
  net.Socket.prototype.connect = connect;
  for (const [name, original] of spawners)
    Object.defineProperty(childProcess, name, { value: original, configurable: true, writable: true });
});
