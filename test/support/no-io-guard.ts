/**
 * Setup file of the `unit` project: a unit test opens no socket and starts no process. Listening,
 * connecting (which `fetch` and every AWS SDK client do underneath) and spawning throw at once
 * with the rule, so a test that needs them belongs in `test/component` (loopback servers, child
 * processes) or `test/integration` (the twin).
 */
import childProcess from 'node:child_process';
import net from 'node:net';

function refuse(what: string): never {
  throw new Error(`unit tests open no socket and start no process (${what}); move this test to test/component or test/integration`);
}

net.Server.prototype.listen = function listen(): never {
  refuse('net.Server.listen');
};
net.Socket.prototype.connect = function connect(): never {
  refuse('net.Socket.connect');
};
for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const) {
  Object.defineProperty(childProcess, name, { value: () => refuse(`child_process.${name}`), configurable: true, writable: true });
}
