import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { spawnSync } from 'node:child_process';
import { TEST_STATE_DIR } from './state-dir.js';
import { sqs, twin } from './twin-client.js';

/** `npx switchboard queue read` against the running twin, as the README's try-it step runs it. */
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/switchboard.js', 'queue', 'read', ...args], {
    encoding: 'utf8',
    env: { ...process.env, SWITCHBOARD_STATE_DIR: TEST_STATE_DIR },
  });

describe('npx switchboard queue read', () => {
  // A dead-letter queue no other test reads, so this test cannot take another test's messages.
  const name = Object.keys(twin.deadLetterQueues).find((q) => q.endsWith('legal-delivery-dlq'))!;

  it('prints each message of a queue and deletes them with --delete', async () => {
    const detail = {
      id: 'generic:queue-cli-1',
      platform: 'generic',
      text: 'Letter from our lawyer about the invoice',
      routing: { departments: ['legal'], priority: 'high' },
    };
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: twin.deadLetterQueues[name],
        MessageBody: JSON.stringify({ 'detail-type': 'Engagement Routed', source: 'switchboard', detail }),
      }),
    );
    const read = cli(name, '--delete', '--wait', '2');
    expect(read.status).toBe(0);
    expect(read.stdout).toContain(
      'generic:queue-cli-1  Engagement Routed → legal (high)  Letter from our lawyer about the invoice',
    );
    expect(read.stderr).toContain('1 message from');
    const again = cli(name, '--json', '--wait', '0');
    expect(again.status).toBe(0);
    expect(again.stdout).toBe('');
  });

  it('names the departments when the queue is unknown, and refuses a bad option', () => {
    const unknown = cli('nowhere');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('no queue "nowhere"; departments: customer-care');
    const bad = cli('legal', '--max', '50');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--max takes a whole number from 1 to 10');
  });
});
