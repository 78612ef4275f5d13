// The local Scheduler's public types, apart from its entry point so that the parts under
// scheduler/ can name them without importing scheduler.ts (which imports them).

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

/** How to start the local Scheduler; only `deliver` is required. */
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

/** A running local Scheduler, as `startScheduler` answers it. */
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
