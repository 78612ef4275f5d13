import { SQSClient } from '@aws-sdk/client-sqs';
import { startSqs, type SqsEmulator } from '#local/emulators/sqs.js';
import { localCredentials } from './aws-local.js';

/**
 * Starts an SQS emulator on an ephemeral port, with a client for it, before the tests of the
 * enclosing `describe` and stops both after them. `beforeAll` fills in the returned object, so
 * read its fields inside hooks and tests, not at collection time.
 */
export function useSqsEmulator(): { server: SqsEmulator; client: SQSClient } {
  const fixture = {} as { server: SqsEmulator; client: SQSClient };
  beforeAll(async () => {
    fixture.server = await startSqs({ port: 0 });
    fixture.client = new SQSClient({
      endpoint: fixture.server.endpoint,
      region: 'us-east-1',
      credentials: localCredentials,
    });
  });
  afterAll(async () => {
    fixture.client.destroy();
    await fixture.server.stop();
  });
  return fixture;
}
