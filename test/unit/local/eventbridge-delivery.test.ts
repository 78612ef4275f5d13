import {
  DeliveryError,
  DeliveryScheduler,
  type DeliveryJob,
  type DeliveryRequest,
  type TargetDeliverer,
} from '#local/emulators/eventbridge/delivery.js';
import { buildEnvelope } from '#local/emulators/eventbridge/envelope.js';
import { classifySqsError } from '#local/emulators/eventbridge/sqs-deliverer.js';
import type { Target } from '#local/emulators/eventbridge/types.js';

const QUEUE = 'arn:aws:sqs:us-east-1:123456789012:dept';
const DLQ = 'arn:aws:sqs:us-east-1:123456789012:dept-dlq';
const RULE = 'arn:aws:events:us-east-1:123456789012:rule/bus/route';

const event = (id: string) =>
  buildEnvelope({
    id,
    detailType: 'd',
    source: 's',
    account: '123456789012',
    time: '2026-11-25T10:00:00Z',
    region: 'us-east-1',
    detail: { n: id },
  });

const job = (id: string, target: Partial<Target> = {}, ingestedAt = Date.now()): DeliveryJob => ({
  channel: `${RULE}#t1`,
  ruleArn: RULE,
  target: { Id: 't1', Arn: QUEUE, ...target },
  event: event(id),
  body: JSON.stringify(event(id)),
  ingestedAt,
});

/** A deliverer per ARN that records requests and fails as scripted. */
function fakeTargets(failures: Record<string, Array<DeliveryError | Error>> = {}) {
  const received: Record<string, DeliveryRequest[]> = {};
  const deliverer: TargetDeliverer = async (request) => {
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
    const failure = failures[request.targetArn]?.shift();
    if (failure) throw failure;
    (received[request.targetArn] ??= []).push(request);
  };
  return { received, deliverer };
}

const fast = { baseDelayMs: 1, maxDelayMs: 5, jitter: false };

describe('EventBridge delivery scheduler', () => {
  it('delivers asynchronously and in order per target', async () => {
    const { received, deliverer } = fakeTargets();
    const scheduler = new DeliveryScheduler({ delivererFor: () => deliverer, retry: fast });
    for (let i = 0; i < 20; i += 1) scheduler.enqueue(job(`e${i}`));
    expect(received[QUEUE]).toBeUndefined();
    await scheduler.drain();
    expect(received[QUEUE]?.map((r) => r.event.id)).toEqual(Array.from({ length: 20 }, (_, i) => `e${i}`));
    expect(scheduler.counters).toEqual({ delivered: 20, retried: 0, deadLettered: 0, dropped: 0 });
  });

  it('retries a transient failure with back-off, keeping later events behind it', async () => {
    const throttled = new DeliveryError('THROTTLING', 'slow down', true);
    const { received, deliverer } = fakeTargets({ [QUEUE]: [throttled, throttled] });
    const scheduler = new DeliveryScheduler({ delivererFor: () => deliverer, retry: fast });
    scheduler.enqueue(job('first'));
    scheduler.enqueue(job('second'));
    await scheduler.drain();
    expect(received[QUEUE]?.map((r) => r.event.id)).toEqual(['first', 'second']);
    expect(scheduler.counters).toEqual({ delivered: 2, retried: 2, deadLettered: 0, dropped: 0 });
  });

  it('treats errors that are not DeliveryErrors as retryable', async () => {
    const { received, deliverer } = fakeTargets({ [QUEUE]: [new Error('boom')] });
    const scheduler = new DeliveryScheduler({ delivererFor: () => deliverer, retry: fast });
    scheduler.enqueue(job('e1'));
    await scheduler.drain();
    expect(received[QUEUE]).toHaveLength(1);
    expect(scheduler.counters.retried).toBe(1);
  });

  it('sends to the DLQ at once, with the six attributes, for a non-retryable error', async () => {
    const { received, deliverer } = fakeTargets({
      [QUEUE]: [new DeliveryError('NO_RESOURCE', 'The specified queue does not exist.', false)],
    });
    const scheduler = new DeliveryScheduler({ delivererFor: () => deliverer, retry: fast });
    scheduler.enqueue(job('e1', { DeadLetterConfig: { Arn: DLQ } }));
    await scheduler.drain();
    const [dead] = received[DLQ] ?? [];
    expect(JSON.parse(dead?.body ?? '{}')).toEqual(event('e1'));
    expect(dead?.messageAttributes).toEqual({
      RULE_ARN: RULE,
      TARGET_ARN: QUEUE,
      ERROR_CODE: 'NO_RESOURCE',
      ERROR_MESSAGE: 'The specified queue does not exist.',
      EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts',
      RETRY_ATTEMPTS: '0',
    });
    expect(scheduler.counters).toEqual({ delivered: 0, retried: 0, deadLettered: 1, dropped: 0 });
  });

  it('dead-letters after MaximumRetryAttempts retries', async () => {
    const timeout = () => new DeliveryError('TIMEOUT', 'timed out', true);
    const { received, deliverer } = fakeTargets({ [QUEUE]: [timeout(), timeout(), timeout(), timeout()] });
    const scheduler = new DeliveryScheduler({ delivererFor: () => deliverer, retry: fast });
    scheduler.enqueue(job('e1', { DeadLetterConfig: { Arn: DLQ }, RetryPolicy: { MaximumRetryAttempts: 2 } }));
    await scheduler.drain();
    expect(received[QUEUE]).toBeUndefined();
    expect(received[DLQ]?.[0]?.messageAttributes).toMatchObject({
      ERROR_CODE: 'TIMEOUT',
      EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts',
      RETRY_ATTEMPTS: '2',
    });
    expect(scheduler.counters).toEqual({ delivered: 0, retried: 2, deadLettered: 1, dropped: 0 });
  });

  it('gives up when the next retry would exceed MaximumEventAgeInSeconds', async () => {
    let clock = 1_000_000;
    const { received, deliverer } = fakeTargets({ [QUEUE]: [new DeliveryError('THROTTLING', 'slow down', true)] });
    const scheduler = new DeliveryScheduler({ delivererFor: () => deliverer, retry: fast, now: () => clock });
    clock += 61_000;
    scheduler.enqueue(
      job('e1', { DeadLetterConfig: { Arn: DLQ }, RetryPolicy: { MaximumEventAgeInSeconds: 60 } }, 1_000_000),
    );
    await scheduler.drain();
    expect(received[DLQ]?.[0]?.messageAttributes).toMatchObject({
      EXHAUSTED_RETRY_CONDITION: 'MaximumEventAgeInSeconds',
      RETRY_ATTEMPTS: '0',
    });
  });

  it('drops and counts a failed event without a DLQ, and logs without the payload', async () => {
    const lines: string[] = [];
    const { deliverer } = fakeTargets({ [QUEUE]: [new DeliveryError('NO_RESOURCE', 'gone', false)] });
    const scheduler = new DeliveryScheduler({
      delivererFor: () => deliverer,
      retry: fast,
      log: (line) => lines.push(line),
    });
    scheduler.enqueue({ ...job('e1'), body: '{"secret":"do-not-log"}' });
    await scheduler.drain();
    expect(scheduler.counters).toEqual({ delivered: 0, retried: 0, deadLettered: 0, dropped: 1 });
    expect(lines.join('\n')).toContain('NO_RESOURCE');
    expect(lines.join('\n')).not.toContain('do-not-log');
  });

  it('drops when the DLQ itself fails', async () => {
    const { deliverer } = fakeTargets({
      [QUEUE]: [new DeliveryError('NO_RESOURCE', 'gone', false)],
      [DLQ]: [new DeliveryError('NO_RESOURCE', 'gone too', false)],
    });
    const scheduler = new DeliveryScheduler({ delivererFor: () => deliverer, retry: fast });
    scheduler.enqueue(job('e1', { DeadLetterConfig: { Arn: DLQ } }));
    await scheduler.drain();
    expect(scheduler.counters).toEqual({ delivered: 0, retried: 0, deadLettered: 0, dropped: 1 });
  });

  it('fails targets of an unsupported kind as NO_RESOURCE, without retrying', async () => {
    const { received, deliverer } = fakeTargets();
    const scheduler = new DeliveryScheduler({
      delivererFor: (arn) => (arn.includes(':sqs:') ? deliverer : undefined),
      retry: fast,
    });
    scheduler.enqueue(
      job('e1', { Arn: 'arn:aws:states:us-east-1:123456789012:stateMachine:x', DeadLetterConfig: { Arn: DLQ } }),
    );
    await scheduler.drain();
    expect(received[DLQ]?.[0]?.messageAttributes?.ERROR_CODE).toBe('NO_RESOURCE');
  });

  it('close() abandons pending retries and releases drain()', async () => {
    const { deliverer } = fakeTargets({ [QUEUE]: [new DeliveryError('THROTTLING', 'slow', true)] });
    const scheduler = new DeliveryScheduler({
      delivererFor: () => deliverer,
      retry: { baseDelayMs: 60_000, maxDelayMs: 60_000, jitter: false },
    });
    scheduler.enqueue(job('e1'));
    const drained = scheduler.drain();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(scheduler.pendingCount).toBe(1);
    scheduler.close();
    await drained;
    expect(scheduler.counters.delivered).toBe(0);
  });
});

describe('SQS delivery error classification', () => {
  const sdkError = (name: string, status?: number, extra: object = {}) =>
    Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status }, ...extra });

  it.each([
    [sdkError('QueueDoesNotExist', 400), 'NO_RESOURCE', false],
    [sdkError('AccessDenied', 403), 'NO_PERMISSIONS', false],
    [sdkError('RequestThrottled', 403), 'THROTTLING', true],
    [sdkError('TimeoutError'), 'TIMEOUT', true],
    [sdkError('Error', undefined, { code: 'ECONNREFUSED' }), 'CONNECTION_FAILURE', true],
    [sdkError('InternalError', 500), 'INTERNAL_ERROR', true],
    [sdkError('InvalidParameterValue', 400), 'INVALID_PARAMETER', false],
  ])('%s → %s (retryable %s)', (error, code, retryable) => {
    const classified = classifySqsError(error);
    expect(classified.code).toBe(code);
    expect(classified.retryable).toBe(retryable);
  });
});
