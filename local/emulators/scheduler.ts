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
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import { AwsServiceError, type JsonObject } from './aws-json-server.js';
import { assertPortFree, closeServer, listenOn } from './port-check.js';

export const SCHEDULER_PORT_ENV = 'SCHEDULER_PORT';

/** The target of one invocation, as the twin's `deliver` receives it. */
export interface SchedulerDeliveryTarget {
  /** The schedule's Target.Arn, or its DeadLetterConfig.Arn when dead-lettering. */
  arn: string;
  /** Target.Input verbatim; undefined when the schedule has none. */
  input: string | undefined;
  roleArn?: string;
}

/** Which schedule an invocation comes from. */
export interface SchedulerDeliverySource {
  name: string;
  groupName: string;
}

export interface SchedulerOptions {
  /** Default 0: a free port is picked. */
  port?: number;
  host?: string;
  region?: string;
  accountId?: string;
  /**
   * Invokes a target (the twin sends `input` to the SQS queue named by `arn`). Throwing is a
   * failed invocation, retried unless the error carries `retryable: false`.
   */
  deliver: (target: SchedulerDeliveryTarget, schedule: SchedulerDeliverySource) => Promise<void>;
  /** Told about failed invocations, dead-lettering and late firing; never payloads. */
  log?: (line: string) => void;
  /** When set, schedules and groups are kept in this JSON file across restarts. */
  stateFile?: string;
  /** Clock in epoch ms; tests shift it so an `at()` comes due a known delay after start. */
  now?: () => number;
  /** Wait before each retry of a failed invocation; its length caps MaximumRetryAttempts. */
  retryDelaysMs?: number[];
}

/** One schedule as the emulator holds it, for tests and the twin's status output. */
export interface ScheduleDescription {
  name: string;
  groupName: string;
  arn: string;
  scheduleExpression: string;
  scheduleExpressionTimezone: string;
  state: 'ENABLED' | 'DISABLED';
  actionAfterCompletion: 'NONE' | 'DELETE';
  targetArn: string;
  input: string | undefined;
  /** Epoch ms of the next invocation; undefined once a one-time schedule has been invoked. */
  nextFireAt: number | undefined;
  /** True while an invocation of this one-time schedule is being delivered or retried. */
  firing: boolean;
}

export interface SchedulerEmulator {
  readonly endpoint: string;
  readonly port: number;
  /** Clears every timer (in-flight retries are abandoned) and closes the server. */
  stop(): Promise<void>;
  /** Enabled schedules with an invocation still to come. */
  pending(): number;
  /** Invocations being delivered, retried or dead-lettered. */
  inFlight(): number;
  /** Resolves when no invocation is in flight (or the emulator stopped). */
  drain(): Promise<void>;
  /** Creates a schedule group unless it exists (the twin's stand-in for the stack's group); returns its ARN. */
  createScheduleGroup(name: string): string;
  /** Every schedule, sorted by group then name. */
  list(): ScheduleDescription[];
}

const DEFAULT_GROUP = 'default';
const DEFAULT_RETRY_DELAYS_MS = [1000, 2000, 5000, 10_000];
const DEFAULT_MAX_RETRY_ATTEMPTS = 185;
const DEFAULT_MAX_EVENT_AGE_SECONDS = 86_400;
/** setTimeout fires at once for anything longer (2^31 − 1 ms, ~24.8 days): longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const MAX_BODY_BYTES = 1024 * 1024;
const STATE_VERSION = 1;

const NAME_PATTERN = /^[0-9a-zA-Z\-_.]+$/;
const ROLE_ARN_PATTERN = /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const SQS_ARN_PATTERN = /^arn:aws(-[a-z]+)?:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9\-_]+(\.fifo)?$/;
const AT_PATTERN = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;
const RATE_PATTERN = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

type Timing = { kind: 'at'; at: number } | { kind: 'rate'; periodMs: number };

/** The schedule record kept in memory and in the state file. */
interface StoredSchedule {
  name: string;
  groupName: string;
  arn: string;
  scheduleExpression: string;
  scheduleExpressionTimezone: string;
  state: 'ENABLED' | 'DISABLED';
  actionAfterCompletion: 'NONE' | 'DELETE';
  flexibleTimeWindow: JsonObject;
  /** As the caller sent it (unknown members kept), with AWS's default RetryPolicy filled in. */
  target: JsonObject;
  description?: string;
  startDate?: number;
  endDate?: number;
  kmsKeyArn?: string;
  creationDate: number;
  lastModificationDate: number;
  clientToken?: string;
  /** Hash of the create request, to tell a retried CreateSchedule from a different one. */
  requestHash?: string;
  nextFireAt?: number;
  firing: boolean;
  /** New on every create and update, so a late invocation never completes a newer version. */
  version: string;
}

interface StoredGroup {
  name: string;
  arn: string;
  creationDate: number;
  lastModificationDate: number;
  clientToken?: string;
  requestHash?: string;
}

interface StateFile {
  version: number;
  groups: StoredGroup[];
  schedules: StoredSchedule[];
}

const notFound = (message: string) => new AwsServiceError('ResourceNotFoundException', message, 404);
const conflict = (message: string) => new AwsServiceError('ConflictException', message, 409);
const invalid = (message: string) => new AwsServiceError('ValidationException', message, 400);

/**
 * Starts the local EventBridge Scheduler (see the module comment for what it emulates).
 * Rejects with a PortInUseError naming {@link SCHEDULER_PORT_ENV} when the port is taken.
 */
export async function startScheduler(options: SchedulerOptions): Promise<SchedulerEmulator> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const port = options.port ?? 0;
  const host = options.host ?? '127.0.0.1';
  const now = options.now ?? Date.now;
  const retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const log = options.log ?? (() => {});

  const groups = new Map<string, StoredGroup>();
  const schedules = new Map<string, StoredSchedule>();
  const timers = new Map<string, NodeJS.Timeout>();
  const sleeps = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  let inFlight = 0;
  let drainWaiters: Array<() => void> = [];
  let closed = false;

  const keyOf = (groupName: string, name: string) => `${groupName}/${name}`;
  const scheduleArn = (groupName: string, name: string) =>
    `arn:aws:scheduler:${region}:${accountId}:schedule/${groupName}/${name}`;
  const groupArn = (name: string) => `arn:aws:scheduler:${region}:${accountId}:schedule-group/${name}`;

  // --- persistence -------------------------------------------------------------------------

  const persist = () => {
    if (!options.stateFile || closed) return;
    const state: StateFile = {
      version: STATE_VERSION,
      groups: [...groups.values()],
      schedules: [...schedules.values()],
    };
    // Write-then-rename: a twin killed mid-write keeps the previous file rather than half of one.
    const temp = `${options.stateFile}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(options.stateFile), { recursive: true });
      writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`);
      renameSync(temp, options.stateFile);
    } catch (error) {
      // Told, not thrown: this runs in timer callbacks too, where a throw would end the twin.
      log(`Scheduler could not write its state file ${options.stateFile}: ${describeError(error)}`);
    }
  };

  const load = (file: string) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    let state: StateFile;
    try {
      state = JSON.parse(text) as StateFile;
    } catch {
      throw new Error(`The local Scheduler's state file ${file} is not valid JSON; delete it to start empty.`);
    }
    if (state.version !== STATE_VERSION || !Array.isArray(state.groups) || !Array.isArray(state.schedules)) {
      throw new Error(
        `The local Scheduler's state file ${file} is not in the expected form; delete it to start empty.`,
      );
    }
    for (const group of state.groups) groups.set(group.name, group);
    let due = 0;
    for (const schedule of state.schedules) {
      // An invocation the last stop interrupted is repeated: its nextFireAt is already past.
      if (schedule.firing) schedule.firing = false;
      if (schedule.state === 'ENABLED' && schedule.nextFireAt !== undefined && schedule.nextFireAt <= now()) due += 1;
      schedules.set(keyOf(schedule.groupName, schedule.name), schedule);
    }
    if (due > 0) log(`Scheduler: ${due} schedule(s) came due while the twin was down; they fire now.`);
  };

  // --- groups ------------------------------------------------------------------------------

  const ensureGroup = (name: string): StoredGroup => {
    const existing = groups.get(name);
    if (existing) return existing;
    const at = now();
    const group: StoredGroup = { name, arn: groupArn(name), creationDate: at, lastModificationDate: at };
    groups.set(name, group);
    return group;
  };

  const findGroup = (name: string): StoredGroup => {
    const group = groups.get(name);
    if (!group) throw notFound(`Schedule group ${name} does not exist.`);
    return group;
  };

  // --- firing ------------------------------------------------------------------------------

  const disarm = (key: string) => {
    const timer = timers.get(key);
    if (timer) clearTimeout(timer);
    timers.delete(key);
  };

  const arm = (schedule: StoredSchedule) => {
    const key = keyOf(schedule.groupName, schedule.name);
    disarm(key);
    if (closed || schedule.state !== 'ENABLED' || schedule.nextFireAt === undefined || schedule.firing) return;
    const { version } = schedule;
    const delay = Math.max(0, Math.min(schedule.nextFireAt - now(), MAX_TIMER_MS));
    const timer = setTimeout(() => {
      timers.delete(key);
      const current = schedules.get(key);
      if (!current || current.version !== version || current.nextFireAt === undefined) return;
      // Re-arm rather than fire early: after a capped wait, or when the clock moved back.
      if (current.nextFireAt > now()) arm(current);
      else fire(current);
    }, delay);
    timer.unref();
    timers.set(key, timer);
  };

  const fire = (schedule: StoredSchedule) => {
    const timing = timingOf(schedule.scheduleExpression, schedule.scheduleExpressionTimezone);
    const target = { ...schedule.target };
    const source = { name: schedule.name, groupName: schedule.groupName };
    if (timing.kind === 'rate') {
      // Missed periods (a twin that was down) fire once, as a late invocation, not once each.
      let next = (schedule.nextFireAt ?? now()) + timing.periodMs;
      while (next <= now()) next += timing.periodMs;
      schedule.nextFireAt = next;
      persist();
      arm(schedule);
      void invoke(target, source);
      return;
    }
    schedule.firing = true;
    persist();
    const key = keyOf(schedule.groupName, schedule.name);
    const { version } = schedule;
    // Completed before the invocation counts as settled, so drain() sees the schedule gone.
    void invoke(target, source, () => {
      const current = schedules.get(key);
      if (!current || current.version !== version) return;
      if (current.actionAfterCompletion === 'DELETE') {
        schedules.delete(key);
      } else {
        current.firing = false;
        current.nextFireAt = undefined;
      }
      persist();
    });
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          sleeps.delete(entry);
          resolve();
        }, ms),
        wake: resolve,
      };
      entry.timer.unref();
      sleeps.add(entry);
    });

  const settle = () => {
    inFlight -= 1;
    if (inFlight > 0) return;
    const waiters = drainWaiters;
    drainWaiters = [];
    for (const resolve of waiters) resolve();
  };

  /** One invocation: the target, its retries, then the DLQ or a drop. Resolves when it is over. */
  const invoke = async (
    target: JsonObject,
    source: SchedulerDeliverySource,
    onCompleted?: () => void,
  ): Promise<void> => {
    inFlight += 1;
    try {
      const arn = target.Arn as string;
      const input = typeof target.Input === 'string' ? target.Input : undefined;
      const roleArn = typeof target.RoleArn === 'string' ? target.RoleArn : undefined;
      const policy = (target.RetryPolicy ?? {}) as JsonObject;
      const maxRetries = Math.min(
        numberOr(policy.MaximumRetryAttempts, DEFAULT_MAX_RETRY_ATTEMPTS),
        retryDelaysMs.length,
      );
      const maxAgeMs = numberOr(policy.MaximumEventAgeInSeconds, DEFAULT_MAX_EVENT_AGE_SECONDS) * 1000;
      const started = now();
      const where = `schedule ${source.groupName}/${source.name}, target ${arn}`;
      for (let retries = 0; ; retries += 1) {
        let failure: unknown;
        try {
          await options.deliver({ arn, input, roleArn }, source);
          return;
        } catch (error) {
          failure = error;
        }
        if (closed) return;
        const retryable = (failure as { retryable?: unknown } | null)?.retryable !== false;
        const delay = retryDelaysMs[retries];
        let exhausted: string | undefined;
        if (!retryable) exhausted = 'a non-retryable error';
        else if (retries >= maxRetries || delay === undefined) exhausted = 'MaximumRetryAttempts';
        else if (now() + delay - started > maxAgeMs) exhausted = 'MaximumEventAgeInSeconds';
        if (exhausted === undefined) {
          await sleep(delay as number);
          if (closed) return;
          continue;
        }
        const reason = `${describeError(failure)} (${retries + 1} attempt(s), stopped by ${exhausted})`;
        const dlq = (target.DeadLetterConfig as JsonObject | undefined)?.Arn;
        if (typeof dlq !== 'string') {
          log(`Scheduler dropped an invocation (${where}): ${reason}; no DLQ configured.`);
          return;
        }
        try {
          await options.deliver({ arn: dlq, input, roleArn }, source);
          log(`Scheduler sent an invocation to its DLQ ${dlq} (${where}): ${reason}.`);
        } catch (error) {
          log(
            `Scheduler dropped an invocation (${where}): ${reason}; its DLQ ${dlq} failed too: ${describeError(error)}.`,
          );
        }
        return;
      }
    } finally {
      if (!closed) onCompleted?.();
      settle();
    }
  };

  // --- operations --------------------------------------------------------------------------

  const readSchedule = (name: string, groupName: string) => {
    findGroup(groupName);
    const schedule = schedules.get(keyOf(groupName, name));
    if (!schedule) throw notFound(`Schedule ${name} does not exist.`);
    return schedule;
  };

  /** Validates a Create/UpdateSchedule body; returns the fields of the record it describes. */
  const scheduleFields = (name: string, body: JsonObject) => {
    const errors: string[] = [];
    checkName(name, 'name', errors);
    const groupName = stringMember(body, 'GroupName', 'groupName', errors) ?? DEFAULT_GROUP;
    checkName(groupName, 'groupName', errors);
    const expression = stringMember(body, 'ScheduleExpression', 'scheduleExpression', errors, true);
    if (expression !== undefined) checkLength(expression, 'scheduleExpression', 1, 256, errors);
    const timezone = stringMember(body, 'ScheduleExpressionTimezone', 'scheduleExpressionTimezone', errors) ?? 'UTC';
    checkLength(timezone, 'scheduleExpressionTimezone', 1, 50, errors);
    const description = stringMember(body, 'Description', 'description', errors);
    if (description !== undefined) checkLength(description, 'description', 0, 512, errors);
    const state = enumMember(body, 'State', 'state', ['ENABLED', 'DISABLED'] as const, errors) ?? 'ENABLED';
    const after =
      enumMember(body, 'ActionAfterCompletion', 'actionAfterCompletion', ['NONE', 'DELETE'] as const, errors) ?? 'NONE';
    const kmsKeyArn = stringMember(body, 'KmsKeyArn', 'kmsKeyArn', errors);
    const startDate = dateMember(body, 'StartDate', 'startDate', errors);
    const endDate = dateMember(body, 'EndDate', 'endDate', errors);
    const window = objectMember(body, 'FlexibleTimeWindow', 'flexibleTimeWindow', errors, true);
    if (window) {
      const mode = enumMember(window, 'Mode', 'flexibleTimeWindow.mode', ['OFF', 'FLEXIBLE'] as const, errors, true);
      const minutes = integerMember(
        window,
        'MaximumWindowInMinutes',
        'flexibleTimeWindow.maximumWindowInMinutes',
        1,
        1440,
        errors,
      );
      if (mode === 'FLEXIBLE' && minutes === undefined) {
        errors.push('MaximumWindowInMinutes is required when FlexibleTimeWindow Mode is FLEXIBLE');
      }
    }
    const target = objectMember(body, 'Target', 'target', errors, true);
    if (target) checkTarget(target, errors);
    if (errors.length > 0) throw validationErrors(errors);
    // Expressions are checked once the members are known good, as AWS answers them separately.
    const timing = timingOf(expression as string, timezone);
    return {
      groupName,
      scheduleExpression: expression as string,
      scheduleExpressionTimezone: timezone,
      state,
      actionAfterCompletion: after,
      flexibleTimeWindow: window as JsonObject,
      target: withDefaultRetryPolicy(target as JsonObject),
      description,
      startDate,
      endDate,
      kmsKeyArn,
      nextFireAt: timing.kind === 'at' ? timing.at : now(),
    };
  };

  const createSchedule = (name: string, body: JsonObject) => {
    const fields = scheduleFields(name, body);
    const clientToken = typeof body.ClientToken === 'string' ? body.ClientToken : undefined;
    const requestHash = hashOf({ ...body, ClientToken: undefined, Name: name });
    findGroup(fields.groupName);
    const key = keyOf(fields.groupName, name);
    const existing = schedules.get(key);
    if (existing) {
      // A retried request (same token, same content) succeeds again, as AWS's idempotency promises.
      if (clientToken !== undefined && existing.clientToken === clientToken && existing.requestHash === requestHash) {
        return { ScheduleArn: existing.arn };
      }
      throw conflict(`Schedule ${name} already exists.`);
    }
    const at = now();
    const schedule: StoredSchedule = {
      name,
      ...fields,
      arn: scheduleArn(fields.groupName, name),
      creationDate: at,
      lastModificationDate: at,
      clientToken,
      requestHash,
      firing: false,
      version: randomUUID(),
    };
    schedules.set(key, schedule);
    persist();
    arm(schedule);
    return { ScheduleArn: schedule.arn };
  };

  const updateSchedule = (name: string, body: JsonObject) => {
    const fields = scheduleFields(name, body);
    const existing = readSchedule(name, fields.groupName);
    // UpdateSchedule replaces the whole definition: members left out go back to their defaults.
    const schedule: StoredSchedule = {
      name,
      ...fields,
      arn: existing.arn,
      creationDate: existing.creationDate,
      lastModificationDate: now(),
      clientToken: existing.clientToken,
      requestHash: existing.requestHash,
      firing: false,
      version: randomUUID(),
    };
    schedules.set(keyOf(fields.groupName, name), schedule);
    persist();
    arm(schedule);
    return { ScheduleArn: schedule.arn };
  };

  const deleteSchedule = (name: string, groupName: string) => {
    readSchedule(name, groupName);
    const key = keyOf(groupName, name);
    disarm(key);
    // An invocation already under way goes on, as on AWS; its completion finds nothing to do.
    schedules.delete(key);
    persist();
    return {};
  };

  const getSchedule = (schedule: StoredSchedule) => ({
    Arn: schedule.arn,
    Name: schedule.name,
    GroupName: schedule.groupName,
    Description: schedule.description,
    ScheduleExpression: schedule.scheduleExpression,
    ScheduleExpressionTimezone: schedule.scheduleExpressionTimezone,
    StartDate: seconds(schedule.startDate),
    EndDate: seconds(schedule.endDate),
    State: schedule.state,
    KmsKeyArn: schedule.kmsKeyArn,
    Target: schedule.target,
    FlexibleTimeWindow: schedule.flexibleTimeWindow,
    ActionAfterCompletion: schedule.actionAfterCompletion,
    CreationDate: seconds(schedule.creationDate),
    LastModificationDate: seconds(schedule.lastModificationDate),
  });

  const listSchedules = (query: URLSearchParams) => {
    const errors: string[] = [];
    const groupName = query.get('ScheduleGroup') ?? undefined;
    const prefix = query.get('NamePrefix') ?? undefined;
    const state = query.get('State') ?? undefined;
    if (state !== undefined && state !== 'ENABLED' && state !== 'DISABLED') {
      errors.push(
        `Value '${state}' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]`,
      );
    }
    const maxResults = maxResultsOf(query, errors);
    if (errors.length > 0) throw validationErrors(errors);
    const matching = [...schedules.entries()]
      .filter(
        ([, s]) =>
          (groupName === undefined || s.groupName === groupName) &&
          (prefix === undefined || s.name.startsWith(prefix)) &&
          (state === undefined || s.state === state),
      )
      .sort(([a], [b]) => compareKeys(a, b));
    const { page, nextToken } = paginate(matching, query.get('NextToken') ?? undefined, maxResults);
    return {
      Schedules: page.map(([, s]) => ({
        Arn: s.arn,
        Name: s.name,
        GroupName: s.groupName,
        State: s.state,
        CreationDate: seconds(s.creationDate),
        LastModificationDate: seconds(s.lastModificationDate),
        Target: { Arn: s.target.Arn },
      })),
      NextToken: nextToken,
    };
  };

  const describeGroup = (group: StoredGroup) => ({
    Arn: group.arn,
    Name: group.name,
    State: 'ACTIVE',
    CreationDate: seconds(group.creationDate),
    LastModificationDate: seconds(group.lastModificationDate),
  });

  const createGroupOperation = (name: string, body: JsonObject) => {
    const errors: string[] = [];
    checkName(name, 'name', errors);
    if (errors.length > 0) throw validationErrors(errors);
    const clientToken = typeof body.ClientToken === 'string' ? body.ClientToken : undefined;
    const requestHash = hashOf({ ...body, ClientToken: undefined, Name: name });
    const existing = groups.get(name);
    if (existing) {
      if (clientToken !== undefined && existing.clientToken === clientToken && existing.requestHash === requestHash) {
        return { ScheduleGroupArn: existing.arn };
      }
      throw conflict(`Schedule group ${name} already exists.`);
    }
    const group = ensureGroup(name);
    group.clientToken = clientToken;
    group.requestHash = requestHash;
    persist();
    return { ScheduleGroupArn: group.arn };
  };

  const deleteGroup = (name: string) => {
    findGroup(name);
    if (name === DEFAULT_GROUP) throw invalid('The default schedule group cannot be deleted.');
    for (const [key, schedule] of schedules) {
      if (schedule.groupName !== name) continue;
      disarm(key);
      schedules.delete(key);
    }
    groups.delete(name);
    persist();
    return {};
  };

  const listGroups = (query: URLSearchParams) => {
    const errors: string[] = [];
    const prefix = query.get('NamePrefix') ?? undefined;
    const maxResults = maxResultsOf(query, errors);
    if (errors.length > 0) throw validationErrors(errors);
    const matching = [...groups.entries()]
      .filter(([name]) => prefix === undefined || name.startsWith(prefix))
      .sort(([a], [b]) => compareKeys(a, b));
    const { page, nextToken } = paginate(matching, query.get('NextToken') ?? undefined, maxResults);
    return { ScheduleGroups: page.map(([, group]) => describeGroup(group)), NextToken: nextToken };
  };

  // --- HTTP --------------------------------------------------------------------------------

  const route = (method: string, path: string, query: URLSearchParams, body: JsonObject): unknown => {
    const [collection, rawName, ...rest] = path.split('/').filter((part) => part !== '');
    if (rest.length > 0 || (collection !== 'schedules' && collection !== 'schedule-groups'))
      throw unknownOperation(method, path);
    if (rawName === undefined) {
      if (method !== 'GET') throw unknownOperation(method, path);
      return collection === 'schedules' ? listSchedules(query) : listGroups(query);
    }
    const name = decodeLabel(rawName);
    if (collection === 'schedules') {
      switch (method) {
        case 'POST':
          return createSchedule(name, body);
        case 'PUT':
          return updateSchedule(name, body);
        case 'GET':
          return getSchedule(readSchedule(name, query.get('groupName') ?? DEFAULT_GROUP));
        case 'DELETE':
          return deleteSchedule(name, query.get('groupName') ?? DEFAULT_GROUP);
        default:
          throw unknownOperation(method, path);
      }
    }
    switch (method) {
      case 'POST':
        return createGroupOperation(name, body);
      case 'GET':
        return describeGroup(findGroup(name));
      case 'DELETE':
        return deleteGroup(name);
      default:
        throw unknownOperation(method, path);
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('x-amzn-RequestId', randomUUID());
    try {
      const url = new URL(req.url ?? '/', 'http://scheduler.local');
      const body = parseBody(await readBody(req));
      send(res, 200, route(req.method ?? 'GET', url.pathname, url.searchParams, body) ?? {});
    } catch (error) {
      if (error instanceof AwsServiceError) {
        // restJson1 clients read the error type from this header; Message is the shape's member.
        send(res, error.statusCode, { Message: error.message }, error.type);
        return;
      }
      log(`Scheduler internal error: ${describeError(error)}`);
      send(res, 500, { Message: 'Internal error in the local Scheduler.' }, 'InternalServerException');
    }
  };

  // --- start -------------------------------------------------------------------------------

  if (options.stateFile) load(options.stateFile);
  ensureGroup(DEFAULT_GROUP);
  await assertPortFree(port, SCHEDULER_PORT_ENV, { service: 'the local EventBridge Scheduler' });
  const server = createServer((req, res) => void handle(req, res));
  const bound = await listenOn(server, port, host, SCHEDULER_PORT_ENV, 'the local EventBridge Scheduler');
  // Armed only once listening, so a start that fails on its port has invoked nothing.
  for (const schedule of schedules.values()) arm(schedule);

  const describe = (s: StoredSchedule): ScheduleDescription => ({
    name: s.name,
    groupName: s.groupName,
    arn: s.arn,
    scheduleExpression: s.scheduleExpression,
    scheduleExpressionTimezone: s.scheduleExpressionTimezone,
    state: s.state,
    actionAfterCompletion: s.actionAfterCompletion,
    targetArn: s.target.Arn as string,
    input: typeof s.target.Input === 'string' ? s.target.Input : undefined,
    nextFireAt: s.firing ? undefined : s.nextFireAt,
    firing: s.firing,
  });

  return {
    endpoint: `http://${host}:${bound}`,
    port: bound,
    stop: async () => {
      closed = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      for (const { timer, wake } of sleeps) {
        clearTimeout(timer);
        wake();
      }
      sleeps.clear();
      const waiters = drainWaiters;
      drainWaiters = [];
      for (const resolve of waiters) resolve();
      await closeServer(server);
    },
    pending: () =>
      [...schedules.values()].filter((s) => s.state === 'ENABLED' && s.nextFireAt !== undefined && !s.firing).length,
    inFlight: () => inFlight,
    drain: () =>
      inFlight === 0 || closed ? Promise.resolve() : new Promise<void>((resolve) => drainWaiters.push(resolve)),
    createScheduleGroup: (name) => {
      const errors: string[] = [];
      checkName(name, 'name', errors);
      if (errors.length > 0) throw validationErrors(errors);
      const existed = groups.has(name);
      const group = ensureGroup(name);
      if (!existed) persist();
      return group.arn;
    },
    list: () =>
      [...schedules.entries()].sort(([a], [b]) => compareKeys(a, b)).map(([, schedule]) => describe(schedule)),
  };
}

// --- expressions ---------------------------------------------------------------------------

/** Parses a schedule expression, throwing the ValidationException AWS answers for a bad one. */
function timingOf(expression: string, timeZone: string): Timing {
  if (!isKnownTimeZone(timeZone)) throw invalid(`Invalid ScheduleExpressionTimezone ${timeZone}.`);
  const at = AT_PATTERN.exec(expression);
  if (at) {
    const [year, month, day, hour, minute, second] = at.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const wall = Date.UTC(year, month - 1, day, hour, minute, second);
    const check = new Date(wall);
    // Date.UTC rolls 2026-02-30 over to March; AWS refuses it.
    if (
      check.getUTCFullYear() !== year ||
      check.getUTCMonth() !== month - 1 ||
      check.getUTCDate() !== day ||
      hour > 23 ||
      minute > 59 ||
      second > 59
    ) {
      throw invalid(`Invalid Schedule Expression ${expression}.`);
    }
    return { kind: 'at', at: zonedToUtc(wall, timeZone) };
  }
  const rate = RATE_PATTERN.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    if (!Number.isSafeInteger(value) || value < 1) throw invalid(`Invalid Schedule Expression ${expression}.`);
    const unit = (rate[2] as string).replace(/s$/, '');
    return { kind: 'rate', periodMs: value * (UNIT_MS[unit] as number) };
  }
  if (/^cron\(.*\)$/.test(expression)) {
    throw invalid(
      `cron() schedule expressions are not supported by the local twin (${expression}); use at() or rate() locally.`,
    );
  }
  throw invalid(`Invalid Schedule Expression ${expression}.`);
}

const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = zoneFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    zoneFormatters.set(timeZone, formatter);
  }
  return formatter;
}

function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC (ms) at an instant. */
function offsetAt(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant a wall-clock time (given as if UTC) names in a zone. Two passes settle the offset
 * next to a DST change: an ambiguous fall-back time is its first occurrence, and a time inside a
 * spring-forward gap moves forward by the gap (02:30 becomes 03:30 daylight time).
 */
function zonedToUtc(wall: number, timeZone: string): number {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return wall;
  const first = wall - offsetAt(wall, timeZone);
  const second = wall - offsetAt(first, timeZone);
  return second === first ? first : Math.max(first, second);
}

// --- validation ----------------------------------------------------------------------------

function validationErrors(errors: string[]): AwsServiceError {
  const count = errors.length === 1 ? '1 validation error' : `${errors.length} validation errors`;
  return invalid(`${count} detected: ${errors.join('; ')}`);
}

function nullError(path: string): string {
  return `Value null at '${path}' failed to satisfy constraint: Member must not be null`;
}

function checkName(value: string, path: string, errors: string[]): void {
  if (value.length < 1 || value.length > 64) {
    errors.push(`Value '${value}' at '${path}' failed to satisfy constraint: Member must have length between 1 and 64`);
  } else if (!NAME_PATTERN.test(value)) {
    errors.push(
      `Value '${value}' at '${path}' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-zA-Z-_.]+`,
    );
  }
}

function checkLength(value: string, path: string, min: number, max: number, errors: string[]): void {
  if (value.length < min || value.length > max) {
    errors.push(`Value at '${path}' failed to satisfy constraint: Member must have length between ${min} and ${max}`);
  }
}

function stringMember(
  body: JsonObject,
  key: string,
  path: string,
  errors: string[],
  required = false,
): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) {
    if (required) errors.push(nullError(path));
    return undefined;
  }
  if (typeof value !== 'string') {
    errors.push(`Value at '${path}' failed to satisfy constraint: Member must be a string`);
    return undefined;
  }
  return value;
}

function enumMember<T extends string>(
  body: JsonObject,
  key: string,
  path: string,
  allowed: readonly T[],
  errors: string[],
  required = false,
): T | undefined {
  const value = stringMember(body, key, path, errors, required);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    errors.push(
      `Value '${value}' at '${path}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`,
    );
    return undefined;
  }
  return value as T;
}

function integerMember(
  body: JsonObject,
  key: string,
  path: string,
  min: number,
  max: number,
  errors: string[],
): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    errors.push(
      `Value '${String(value)}' at '${path}' failed to satisfy constraint: Member must be an integer between ${min} and ${max}`,
    );
    return undefined;
  }
  return value;
}

/** restJson1 sends timestamps as epoch seconds; kept in ms. */
function dateMember(body: JsonObject, key: string, path: string, errors: string[]): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    errors.push(`Value at '${path}' failed to satisfy constraint: Member must be a timestamp`);
    return undefined;
  }
  return Math.round(value * 1000);
}

function objectMember(
  body: JsonObject,
  key: string,
  path: string,
  errors: string[],
  required = false,
): JsonObject | undefined {
  const value = body[key];
  if (value === undefined || value === null) {
    if (required) errors.push(nullError(path));
    return undefined;
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    errors.push(`Value at '${path}' failed to satisfy constraint: Member must be a structure`);
    return undefined;
  }
  return value as JsonObject;
}

function checkTarget(target: JsonObject, errors: string[]): void {
  const arn = stringMember(target, 'Arn', 'target.arn', errors, true);
  if (arn !== undefined) checkLength(arn, 'target.arn', 1, 1600, errors);
  const roleArn = stringMember(target, 'RoleArn', 'target.roleArn', errors, true);
  if (roleArn !== undefined && !ROLE_ARN_PATTERN.test(roleArn)) {
    errors.push(
      `Value '${roleArn}' at 'target.roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws(-[a-z]+)?:iam::\\d{12}:role\\/[\\w+=,.@\\/-]+$`,
    );
  }
  const input = stringMember(target, 'Input', 'target.input', errors);
  if (input === '') {
    errors.push(
      "Value at 'target.input' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  }
  const dlq = objectMember(target, 'DeadLetterConfig', 'target.deadLetterConfig', errors);
  if (dlq) {
    const dlqArn = stringMember(dlq, 'Arn', 'target.deadLetterConfig.arn', errors);
    if (dlqArn !== undefined && !SQS_ARN_PATTERN.test(dlqArn)) {
      errors.push(
        `Value '${dlqArn}' at 'target.deadLetterConfig.arn' failed to satisfy constraint: Member must be an SQS queue ARN`,
      );
    }
  }
  const policy = objectMember(target, 'RetryPolicy', 'target.retryPolicy', errors);
  if (policy) {
    integerMember(
      policy,
      'MaximumEventAgeInSeconds',
      'target.retryPolicy.maximumEventAgeInSeconds',
      60,
      86_400,
      errors,
    );
    integerMember(policy, 'MaximumRetryAttempts', 'target.retryPolicy.maximumRetryAttempts', 0, 185, errors);
  }
}

/** GetSchedule on AWS shows the RetryPolicy in force, defaults included. */
function withDefaultRetryPolicy(target: JsonObject): JsonObject {
  const policy = (target.RetryPolicy ?? {}) as JsonObject;
  return {
    ...target,
    RetryPolicy: {
      MaximumEventAgeInSeconds: DEFAULT_MAX_EVENT_AGE_SECONDS,
      MaximumRetryAttempts: DEFAULT_MAX_RETRY_ATTEMPTS,
      ...policy,
    },
  };
}

// --- helpers -------------------------------------------------------------------------------

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function seconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** Group/name keys sort by group, then name. */
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A stable hash of a request, keys sorted, so a retried request matches its first sending. */
function hashOf(value: unknown): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v as JsonObject)
          .filter((k) => (v as JsonObject)[k] !== undefined)
          .sort()
          .map((k) => [k, canonical((v as JsonObject)[k])]),
      );
    }
    return v;
  };
  return createHash('sha256')
    .update(JSON.stringify(canonical(value)))
    .digest('hex');
}

function maxResultsOf(query: URLSearchParams, errors: string[]): number {
  const raw = query.get('MaxResults');
  if (raw === null) return 100;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 100) {
    errors.push(`Value '${raw}' at 'maxResults' failed to satisfy constraint: Member must be between 1 and 100`);
  }
  return value;
}

/** Pages over entries sorted by key; the token is the last key served, so deletions don't shift pages. */
function paginate<T>(
  entries: Array<[string, T]>,
  token: string | undefined,
  maxResults: number,
): { page: Array<[string, T]>; nextToken: string | undefined } {
  let start = 0;
  if (token !== undefined) {
    let after: unknown;
    try {
      after = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    } catch {
      after = undefined;
    }
    if (typeof after !== 'string') throw invalid('The NextToken is not valid.');
    start = entries.findIndex(([key]) => key > after);
    if (start < 0) start = entries.length;
  }
  const page = entries.slice(start, start + maxResults);
  const more = start + maxResults < entries.length;
  const last = page.at(-1);
  return {
    page,
    nextToken: more && last ? Buffer.from(JSON.stringify(last[0])).toString('base64url') : undefined,
  };
}

function unknownOperation(method: string, path: string): AwsServiceError {
  return new AwsServiceError(
    'UnknownOperationException',
    `${method} ${path} is not an operation the local Scheduler supports.`,
    404,
  );
}

function decodeLabel(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalid(`The path segment ${raw} is not valid percent-encoding.`);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(invalid(`Request body is larger than ${MAX_BODY_BYTES} bytes.`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(text: string): JsonObject {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid('Request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid('Request body must be a JSON object.');
  }
  return parsed as JsonObject;
}

function send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  };
  if (errorType !== undefined) headers['x-amzn-ErrorType'] = errorType;
  res.writeHead(status, headers);
  res.end(text);
}
