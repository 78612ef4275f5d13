import type { OutboxEvent } from '#core/lifecycle/ports/lifecycle-store.js';

/** An outbox event as the publish function puts it on the bus, in the envelope EventBridge adds. */
export const onTheBus = (e: Pick<OutboxEvent, 'detailType' | 'source' | 'detail'> & Partial<OutboxEvent>) => ({
  version: '0',
  id: 'e',
  'detail-type': e.detailType,
  source: e.source,
  account: '123456789012',
  time: '2026-12-01T11:00:05Z',
  region: 'us-east-1',
  resources: [],
  detail: e.detail,
});
