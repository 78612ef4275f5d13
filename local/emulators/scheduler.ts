/**
 * A local EventBridge Scheduler for the twin, spoken to by the real `@aws-sdk/client-scheduler`
 * over restJson1 (REST paths, JSON bodies, `x-amzn-ErrorType` on errors; credentials and
 * signatures are ignored).
 *
 * Emulated:
 * - CreateSchedule, GetSchedule, UpdateSchedule (replaces every field, as on AWS), DeleteSchedule,
 *   ListSchedules (ScheduleGroup, NamePrefix, State, NextToken/MaxResults), CreateScheduleGroup,
 *   GetScheduleGroup, DeleteScheduleGroup (deletes its schedules at once; AWS does it
 *   asynchronously through a DELETING state) and ListScheduleGroups. The group `default` always
 *   exists and cannot be deleted.
 * - Validation of what callers get wrong: names, required members, enums, ranges, the RoleArn and
 *   DLQ ARN forms, expressions and time zones, groups that do not exist (ResourceNotFoundException),
 *   duplicates (ConflictException), ClientToken idempotency (the same token with the same request
 *   answers the same ARN).
 * - `at(yyyy-mm-ddThh:mm:ss)` in ScheduleExpressionTimezone (default UTC; any IANA zone Intl
 *   knows) fires once, to the second rather than within AWS's minute. An `at()` already past fires
 *   at once, late rather than never. `rate(n minute|minutes|hour|hours|day|days)` fires at once
 *   (AWS starts a rate schedule without StartDate immediately) and then every period.
 * - FlexibleTimeWindow FLEXIBLE fires at the start of its window, so tests stay deterministic.
 * - Delivery through the twin's `deliver` callback, with retries per `retryDelaysMs` bounded by
 *   the target's RetryPolicy (MaximumRetryAttempts, capped at the number of delays given, and
 *   MaximumEventAgeInSeconds), then the DeadLetterConfig queue (same input) or a logged drop. An
 *   error with `retryable: false` (the EventBridge deliverers' DeliveryError) skips the retries.
 * - ActionAfterCompletion: after a one-time schedule's invocation ends (delivered or given up),
 *   DELETE removes it; NONE keeps it, never to fire again unless updated.
 * - `stateFile`: every change is written (atomically) and reloaded at start; schedules that came
 *   due while the twin was down, or whose invocation the stop interrupted, fire at start. Delivery
 *   is at least once, as on AWS.
 *
 * Not emulated: `cron()` expressions (ValidationException naming the twin), StartDate and EndDate
 * (stored and returned, never applied), the random spread of a flexible window, KMS encryption,
 * tags (TagResource, UntagResource, ListTagsForResource), quotas and throttling, the message
 * attributes AWS adds to DLQ messages, and target kinds other than what `deliver` handles.
 */
import { assertPortFree, closeServer, listenOn } from './port-check.js';
import { Invoker } from './scheduler/delivery.js';
import { ScheduleFiring } from './scheduler/firing.js';
import { GroupOperations } from './scheduler/group-operations.js';
import { createRestApi } from './scheduler/rest-api.js';
import { ScheduleOperations } from './scheduler/schedule-operations.js';
import { ScheduleStore } from './scheduler/store.js';
import type { SchedulerEmulator, SchedulerOptions } from './scheduler/types.js';

// The parts live in scheduler/: expressions and time zones, request validation, the store and its
// state file, timers and delivery, and the REST API over the operations. This file wires them.

export type {
  ScheduleDescription,
  SchedulerDeliverySource,
  SchedulerDeliveryTarget,
  SchedulerEmulator,
  SchedulerOptions,
} from './scheduler/types.js';

/** The environment variable naming the local Scheduler's port. */
export const SCHEDULER_PORT_ENV = 'SCHEDULER_PORT';

const DEFAULT_RETRY_DELAYS_MS = [1000, 2000, 5000, 10_000];
const SERVICE = 'the local EventBridge Scheduler';

/**
 * Starts the local EventBridge Scheduler (see the module comment for what it emulates).
 * Rejects with a PortInUseError naming {@link SCHEDULER_PORT_ENV} when the port is taken.
 */
export async function startScheduler(options: SchedulerOptions): Promise<SchedulerEmulator> {
  const port = options.port ?? 0;
  const host = options.host ?? '127.0.0.1';
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  const store = new ScheduleStore({
    region: options.region ?? 'us-east-1',
    accountId: options.accountId ?? '123456789012',
    now,
    log,
    stateFile: options.stateFile,
  });
  const invoker = new Invoker({
    deliver: options.deliver,
    log,
    now,
    retryDelaysMs: options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
  });
  const firing = new ScheduleFiring(store, invoker, now);
  const groups = new GroupOperations(store, firing);
  const schedules = new ScheduleOperations(store, firing, now);

  store.load();
  await assertPortFree(port, SCHEDULER_PORT_ENV, { service: SERVICE });
  const server = createRestApi({ schedules, groups }, log);
  const bound = await listenOn(server, port, host, SCHEDULER_PORT_ENV, SERVICE);
  // Armed only once listening, so a start that fails on its port has invoked nothing.
  firing.armAll();

  return {
    endpoint: `http://${host}:${bound}`,
    port: bound,
    stop: async () => {
      store.close();
      firing.stop();
      invoker.stop();
      await closeServer(server);
    },
    pending: () => store.pending(),
    inFlight: () => invoker.inFlight,
    drain: () => invoker.drain(),
    createScheduleGroup: (name) => groups.ensure(name),
    list: () => store.list(),
  };
}
