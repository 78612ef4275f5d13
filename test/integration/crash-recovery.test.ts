import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../lambdas/core/config/load-config.js';
import type { Engagement } from '../../lambdas/core/engagement/engagement.schema.js';
import { toIntakeDelivery } from '../../lambdas/core/intake/delivery.js';
import { processDeliveries } from '../../lambdas/core/lifecycle/process-deliveries.js';
import { adapterFor } from '../../lambdas/core/platforms/registry.js';
import type { EventPublisher } from '../../lambdas/core/ports/event-publisher.js';
import { createRouter } from '../../lambdas/core/routing/router.js';
import { DynamoDbEngagementStore } from '../../lambdas/shared/dynamodb-engagement-store.js';
import { EventBridgePublisher } from '../../lambdas/shared/eventbridge-publisher.js';
import { localCredentials } from '../support/aws-local.js';
import { dynamodb, receiveUntil, twin } from './twin-client.js';

/**
 * The process lifecycle on the twin's real DynamoDB and EventBridge, with a crash injected
 * between store and publish: the redelivered message must reach the department exactly once.
 */
describe('crash between store and publish (DynamoDB Local + local EventBridge)', () => {
  const real = new EventBridgePublisher(new EventBridgeClient({ endpoint: twin.eventBridgeEndpoint, region: twin.region, credentials: localCredentials }), twin.eventBusName);
  let crashes = 1;
  const flaky: EventPublisher = {
    async publish(engagements: Engagement[]) {
      if (crashes-- > 0) throw new Error('injected: function timed out before PutEvents');
      return real.publish(engagements);
    },
  };
  const deps = {
    router: createRouter(loadConfig('config/switchboard.yaml')),
    adapterFor,
    store: new DynamoDbEngagementStore(dynamodb, twin.tableName, 30),
    publisher: flaky,
    now: () => new Date(),
  };

  it('publishes the stored decision once when SQS redelivers the message', async () => {
    const externalId = randomUUID();
    const body = Buffer.from(JSON.stringify({ id: externalId, text: 'Where is my refund?', author: { id: 'u1', handle: 'pat' } }));
    const message = { messageId: randomUUID(), body: JSON.stringify(toIntakeDelivery('generic', body, new Date().toISOString())) };

    await expect(processDeliveries([message], deps)).rejects.toThrow('injected');
    expect((await processDeliveries([message], deps)).published).toEqual([`generic:${externalId}`]);
    expect(await processDeliveries([message], deps)).toMatchObject({ published: [], duplicates: [`generic:${externalId}`] });

    const first = await receiveUntil('customer-care', (m) => m.detail.id === `generic:${externalId}`);
    const more = await receiveUntil('customer-care', (m) => m.detail.id === `generic:${externalId}`, 3_000);
    expect([...first, ...more]).toHaveLength(1);
  });
});
