import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { createAwsJsonServer } from '../aws-json-server.js';
import { assertPortFree, closeServer, listenOn } from '../port-check.js';
import { busNameOf, parseArn, type Partition } from './arns.js';
import { BusRegistry, type Bus } from './bus-registry.js';
import { DeliveryError, DeliveryScheduler, type RetrySettings, type TargetDeliverer } from './delivery.js';
import { buildEnvelope, formatEventTime, parseEntryTime } from './envelope.js';
import { handleEventBridgeAction } from './http-api.js';
import { assertValidPutEventsRequest, checkEntry, DEFAULT_MAX_PUT_EVENTS_BYTES } from './put-events-validation.js';
import { createSqsDeliverer } from './sqs-deliverer.js';
import { renderTargetInput } from './target-input.js';
import { testEventPattern } from './test-event-pattern.js';
import type {
  ArchiveDescription,
  CreateArchiveInput,
  DeliveryCounters,
  EventBusDescription,
  EventEnvelope,
  PutEventsEntry,
  PutEventsResult,
  PutEventsResultEntry,
  PutRuleInput,
  PutTargetsInput,
  PutTargetsResult,
  RuleDescription,
  Target,
} from './types.js';

export const EVENTBRIDGE_PORT_ENV = 'EVENTBRIDGE_PORT';
export const DEFAULT_EVENTBRIDGE_PORT = 4010;

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

/**
 * Creates the local EventBridge: buses, rules (matched with the shared pattern engine, one
 * compiled set per bus), SQS delivery with RetryPolicy and DeadLetterConfig, archives, and an
 * optional HTTP server for the AWS SDK.
 */
export function createEventBridge(options: EventBridgeOptions = {}): LocalEventBridge {
  const partition: Partition = { region: options.region ?? 'us-east-1', accountId: options.accountId ?? '123456789012' };
  const now = options.now ?? Date.now;
  const registry = new BusRegistry(partition, now, options.maxPatternLength);
  const sqs = options.sqsEndpoint ? createSqsDeliverer({ endpoint: options.sqsEndpoint, region: partition.region }) : undefined;
  const counters = { accepted: 0, unknownBus: 0, matched: 0 };

  // Bus-to-bus targets re-route the same event, as EventBridge does across buses of one account.
  const deliverToBus: TargetDeliverer = async ({ targetArn, event }) => {
    const bus = registry.findBus(targetArn);
    if (!bus) throw new DeliveryError('NO_RESOURCE', `Event bus ${busNameOf(targetArn)} does not exist.`, false);
    route(bus, event, now());
  };

  const scheduler = new DeliveryScheduler({
    delivererFor: (arn) => {
      const service = parseArn(arn)?.service ?? '';
      const custom = options.deliverers?.[service];
      if (custom) return custom;
      if (service === 'sqs') return sqs?.deliver;
      if (service === 'events' && arn.includes(':event-bus/')) return deliverToBus;
      return undefined;
    },
    retry: options.retry,
    now,
    log: options.log,
  });

  function route(bus: Bus, event: EventEnvelope, ingestedAt: number): void {
    for (const archive of registry.archivesOf(bus)) archive.offer(event);
    const ingestionTime = new Date(ingestedAt).toISOString();
    for (const rule of registry.rulesMatching(bus, event)) {
      for (const target of rule.targets.values()) {
        counters.matched += 1;
        scheduler.enqueue({
          channel: `${rule.arn}#${target.Id}`,
          ruleArn: rule.arn,
          target: { ...target },
          event,
          body: renderTargetInput(target, event, { ruleArn: rule.arn, ruleName: rule.name, ingestionTime }),
          ingestedAt,
        });
      }
    }
  }

  function putEvents(entries: readonly PutEventsEntry[]): PutEventsResult {
    assertValidPutEventsRequest(entries, options.maxPutEventsBytes ?? DEFAULT_MAX_PUT_EVENTS_BYTES);
    let failed = 0;
    const results = entries.map((entry): PutEventsResultEntry => {
      const check = checkEntry(entry);
      if (!check.ok) {
        failed += 1;
        return { ErrorCode: check.ErrorCode, ErrorMessage: check.ErrorMessage };
      }
      const receivedAt = now();
      const id = randomUUID();
      const event = buildEnvelope({
        id,
        detailType: entry.DetailType as string,
        source: entry.Source as string,
        account: partition.accountId,
        time: formatEventTime(parseEntryTime(entry.Time) ?? new Date(receivedAt)),
        region: partition.region,
        resources: Array.isArray(entry.Resources) ? entry.Resources.filter((r) => typeof r === 'string') : [],
        detail: check.detail,
      });
      const bus = registry.findBus(entry.EventBusName);
      // AWS answers with an EventId for an unknown bus and silently drops the event.
      if (!bus) {
        counters.unknownBus += 1;
        return { EventId: id };
      }
      counters.accepted += 1;
      route(bus, event, receivedAt);
      return { EventId: id };
    });
    return { FailedEntryCount: failed, Entries: results };
  }

  let server: Server | undefined;
  let endpoint: string | undefined;

  const bridge: LocalEventBridge = {
    region: partition.region,
    accountId: partition.accountId,
    get endpoint() {
      return endpoint;
    },
    createEventBus: (input) => registry.createEventBus(input.Name, input.Description),
    describeEventBus: (name) => registry.describeEventBus(name),
    listEventBuses: (prefix) => registry.listEventBuses(prefix),
    deleteEventBus: (name) => registry.deleteEventBus(name),
    putRule: (input) => registry.putRule(input),
    describeRule: (name, bus) => registry.describeRule(name, bus),
    listRules: (filter) => registry.listRules(filter),
    enableRule: (name, bus) => registry.setRuleState(name, bus, 'ENABLED'),
    disableRule: (name, bus) => registry.setRuleState(name, bus, 'DISABLED'),
    deleteRule: (name, bus, force) => registry.deleteRule(name, bus, force),
    putTargets: (input) => registry.putTargets(input),
    listTargetsByRule: (rule, bus) => registry.listTargetsByRule(rule, bus),
    removeTargets: (input) => registry.removeTargets(input.Rule, input.EventBusName, input.Ids),
    putEvents,
    testEventPattern: (event, pattern) => testEventPattern(event, pattern, options.maxPatternLength),
    createArchive: (input) => registry.createArchive(input),
    describeArchive: (name) => registry.archive(name).describe(),
    listArchives: (filter) => registry.listArchives(filter),
    deleteArchive: (name) => registry.deleteArchive(name),
    archivedEvents: (name, window) => registry.archive(name).list(window),
    counters: () => ({ ...counters, ...scheduler.counters }),
    drain: () => scheduler.drain(),
    async listen(port = 0, host = '127.0.0.1') {
      if (server) throw new Error(`The local EventBridge already listens on ${endpoint ?? 'a port'}.`);
      await assertPortFree(port, EVENTBRIDGE_PORT_ENV, { service: 'the local EventBridge' });
      const created = createAwsJsonServer({
        targetPrefix: 'AWSEvents',
        handle: (action, body) => handleEventBridgeAction(bridge, action, body),
        internalErrorType: 'InternalException',
        onInternalError: (error) => options.log?.(`EventBridge internal error: ${error instanceof Error ? error.message : String(error)}`),
      });
      const bound = await listenOn(created, port, host, EVENTBRIDGE_PORT_ENV, 'the local EventBridge');
      server = created;
      endpoint = `http://${host}:${bound}`;
      return endpoint;
    },
    async close() {
      scheduler.close();
      sqs?.close();
      if (server) await closeServer(server);
      server = undefined;
      endpoint = undefined;
    },
  };
  return bridge;
}
