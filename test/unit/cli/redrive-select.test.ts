import { selectDeadLetterQueues } from '../../../bin/commands/redrive.js';

const url = (name: string) => `http://127.0.0.1:9324/123456789012/${name}`;
const info = {
  sqsEndpoint: 'http://127.0.0.1:9324',
  region: 'us-east-1',
  queues: { support: url('S-support'), 'customer-support': url('S-customer-support'), delivery: url('S-delivery') },
  deadLetterQueues: Object.fromEntries(
    [
      'S-support-dlq',
      'S-support-delivery-dlq',
      'S-customer-support-dlq',
      'S-customer-support-delivery-dlq',
      'S-delivery-dlq',
      'S-delivery-delivery-dlq',
      'S-Intake-DLQ',
    ].map((n) => [n, url(n)]),
  ),
};

describe('redrive: which dead-letter queues a name means', () => {
  it("takes exactly a department's two dead-letter queues, never another department's that ends the same way", () => {
    expect(selectDeadLetterQueues(info, 'support').map(([q]) => q)).toEqual([
      'S-support-dlq',
      'S-support-delivery-dlq',
    ]);
    expect(selectDeadLetterQueues(info, 'delivery').map(([q]) => q)).toEqual([
      'S-delivery-dlq',
      'S-delivery-delivery-dlq',
    ]);
  });

  it('takes a dead-letter queue by its name, all of them for --all, and none for an unknown name', () => {
    expect(selectDeadLetterQueues(info, 'S-Intake-DLQ').map(([q]) => q)).toEqual(['S-Intake-DLQ']);
    expect(selectDeadLetterQueues(info, undefined)).toHaveLength(7);
    expect(selectDeadLetterQueues(info, 'nowhere')).toEqual([]);
  });
});
