// The emulator's interface on its own, so the HTTP API (http-api.ts) and the implementation
// (event-bridge.ts) both depend on it and not on each other.
import type { RetrySettings, TargetDeliverer } from './delivery.js';
import type {
  ArchiveDescription,
  CreateArchiveInput,
  DeliveryCounters,
  EventBusDescription,
  EventEnvelope,
  PutEventsEntry,
  PutEventsResult,
  PutRuleInput,
  PutTargetsInput,
  PutTargetsResult,
  RuleDescription,
  Target,
} from './types.js';

export interface EventBridgeOptions {
  /** Default `us-east-1`. */
  region?: string;
  /** Default `123456789012`, the account local-aws-sqs uses too. */
  accountId?: string;
  /** SQS endpoint for `arn:aws:sqs:…` targets and DLQs; without it SQS deliveries fail with NO_RESOURCE. */
  sqsEndpoint?: string;
  /** Deliverers for other target kinds, by the ARN's service (e.g. `lambda`); `sqs` here overrides the built-in one. */
  deliverers?: Record<string, TargetDeliverer>;
  /** PutEvents total size limit in bytes (default 1 MB = 1048576). */
  maxPutEventsBytes?: number;
  /** Passed to the pattern engine as its length limit. */
  maxPatternLength?: number;
  /** Back-off of delivery retries; tests use a few milliseconds. */
  retry?: Partial<RetrySettings>;
  /** Clock (epoch ms) for event times and MaximumEventAgeInSeconds. */
  now?: () => number;
  /** Receives delivery failures and drops in words (ids, codes), never payloads. Default: silent. */
  log?: (message: string) => void;
}

/** The in-process EventBridge. The HTTP server calls exactly these functions. */
export interface LocalEventBridge {
  readonly region: string;
  readonly accountId: string;
  /** `http://127.0.0.1:<port>` once {@link listen} resolved. */
  readonly endpoint: string | undefined;

  createEventBus(input: { Name: string; Description?: string }): { EventBusArn: string };
  describeEventBus(nameOrArn?: string): EventBusDescription;
  listEventBuses(namePrefix?: string): EventBusDescription[];
  deleteEventBus(name: string): void;

  putRule(input: PutRuleInput): { RuleArn: string };
  describeRule(name: string, eventBusName?: string): RuleDescription;
  listRules(options?: { EventBusName?: string; NamePrefix?: string }): RuleDescription[];
  enableRule(name: string, eventBusName?: string): void;
  disableRule(name: string, eventBusName?: string): void;
  deleteRule(name: string, eventBusName?: string, force?: boolean): void;

  putTargets(input: PutTargetsInput): PutTargetsResult;
  listTargetsByRule(rule: string, eventBusName?: string): Target[];
  removeTargets(input: { Rule: string; EventBusName?: string; Ids: string[]; Force?: boolean }): PutTargetsResult;

  /** Validates, answers at once, and delivers asynchronously; see {@link drain}. */
  putEvents(entries: readonly PutEventsEntry[]): PutEventsResult;
  testEventPattern(event: string, pattern: string | object): boolean;

  createArchive(input: CreateArchiveInput): { ArchiveArn: string; State: 'ENABLED'; CreationTime: Date };
  describeArchive(name: string): ArchiveDescription;
  listArchives(options?: { NamePrefix?: string; EventSourceArn?: string }): ArchiveDescription[];
  deleteArchive(name: string): void;
  /** Events kept by an archive, oldest first. */
  archivedEvents(name: string, window?: { from?: Date; to?: Date }): EventEnvelope[];

  /** A snapshot of the delivery counters. */
  counters(): DeliveryCounters;
  /** Resolves when no delivery is pending (all delivered, dead-lettered or dropped). */
  drain(): Promise<void>;
  /** Serves the AWS JSON API; port 0 picks a free one. Fails clearly when the port is taken. */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops the server and abandons pending deliveries. */
  close(): Promise<void>;
}
