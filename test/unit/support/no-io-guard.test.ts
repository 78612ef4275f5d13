import { execSync, spawn } from 'node:child_process';
import { createServer, connect } from 'node:net';

// The unit project's promise, checked: its setup refuses sockets and processes.
describe('a unit test', () => {
  it('cannot listen or connect', () => {
    expect(() => createServer().listen(0)).toThrow(
      'unit tests open no socket and start no process (net.Server.listen)',
    );
    expect(() => connect(9, '127.0.0.1')).toThrow(
      'unit tests open no socket and start no process (net.Socket.connect)',
    );
  });

  it('cannot start a process', () => {
    expect(() => spawn('true')).toThrow('unit tests open no socket and start no process (child_process.spawn)');
    expect(() => execSync('true')).toThrow('(child_process.execSync)');
  });
});
