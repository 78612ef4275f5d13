import { createEventBridge, type DeliveryRequest } from '#local/emulators/eventbridge/index.js';

/** The account the local EventBridge and SQS emulators report by default. */
export const ACCOUNT = '123456789012';

/** The keys of an EventBridge event envelope, in the order AWS writes them (what tests expect). */
export const ENVELOPE_KEYS = [
  'version',
  'id',
  'detail-type',
  'source',
  'account',
  'time',
  'region',
  'resources',
  'detail',
];

/** The ARN of an SQS queue named `name` in the emulators' default account and region. */
export const queueArn = (name: string): string => `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`;

/** A PutEvents entry as the process function publishes it, with `detail` as its Detail JSON. */
export const routedEntry = (detail: object, extra: object = {}) => ({
  Source: 'switchboard',
  DetailType: 'Engagement Routed',
  Detail: JSON.stringify(detail),
  ...extra,
});

/**
 * A local EventBridge whose SQS deliveries are recorded in memory instead of sent, with
 * millisecond retries. `to(queue)` lists what was delivered to the queue of that name.
 */
export function bridgeWithRecorder(options: Parameters<typeof createEventBridge>[0] = {}) {
  const delivered: DeliveryRequest[] = [];
  const bridge = createEventBridge({
    ...options,
    retry: { baseDelayMs: 1, maxDelayMs: 2, jitter: false },
    deliverers: {
      sqs: async (request) => {
        delivered.push(request);
      },
      ...options.deliverers,
    },
  });
  const to = (queue: string) => delivered.filter((request) => request.targetArn === queueArn(queue));
  return { bridge, delivered, to };
}
