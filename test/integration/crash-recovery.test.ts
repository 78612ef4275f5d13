import { randomUUID } from 'node:crypto';
import { loadConfig } from '#core/config/load-config.js';
import { toIntakeDelivery } from '#core/intake/delivery.js';
import { processDeliveries } from '#core/lifecycle/process-deliveries.js';
import { adapterFor } from '#core/platforms/registry.js';
import { createRouter } from '#core/routing/router.js';
import { DynamoDbEngagementStore } from '#aws/dynamodb-engagement-store.js';
import { dynamodb, receiveUntil, twin } from './twin-client.js';

/**
 * The intake's retries against the twin's real table, whose stream the twin's publish function
 * reads: however often a delivery is processed again (SQS redelivering it after a crash, a
 * timeout or a lost delete, or a platform sending it twice), its department gets one message.
 */
describe('redelivered intake messages (DynamoDB Local, its stream and the local EventBridge)', () => {
  const store = new DynamoDbEngagementStore(dynamodb, twin.tableName, 30);
  const deps = {
    router: createRouter(loadConfig('config/switchboard.yaml')),
    adapterFor,
    store,
    now: () => new Date(),
  };

  it('publishes the stored engagement once, whichever attempt stored it', async () => {
    const externalId = randomUUID();
    const body = Buffer.from(
      JSON.stringify({ id: externalId, text: 'Where is my refund?', author: { id: 'u1', handle: 'pat' } }),
    );
    const delivery = JSON.stringify(toIntakeDelivery('generic', body, new Date().toISOString()));
    // What SQS does after a crash after the store, a timeout or a lost delete: the same delivery
    // is processed again, here twice at once and once more afterwards.
    const attempts = await Promise.all([
      processDeliveries([{ messageId: randomUUID(), body: delivery }], deps),
      processDeliveries([{ messageId: randomUUID(), body: delivery }], deps),
    ]);
    attempts.push(await processDeliveries([{ messageId: randomUUID(), body: delivery }], deps));
    expect(attempts.flatMap((a) => a.stored)).toEqual([`generic:${externalId}`]);
    expect(attempts.flatMap((a) => a.duplicates)).toEqual([`generic:${externalId}`, `generic:${externalId}`]);

    const first = await receiveUntil('customer-care', (m) => m.detail.id === `generic:${externalId}`);
    const more = await receiveUntil('customer-care', (m) => m.detail.id === `generic:${externalId}`, 3_000);
    expect([...first, ...more]).toHaveLength(1);
    expect(first[0]?.detail).toMatchObject({
      text: 'Where is my refund?',
      routing: { departments: ['customer-care'] },
    });
  });
});
