import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { createAwsJsonServer } from '../aws-json-server.js';
import { assertPortFree, closeServer, listenOn } from '../port-check.js';
import { busNameOf, parseArn, type Partition } from './arns.js';
import { BusRegistry, type Bus } from './bus-registry.js';
import { DeliveryError, DeliveryScheduler, type TargetDeliverer } from './delivery.js';
import { buildEnvelope, formatEventTime, parseEntryTime } from './envelope.js';
import { handleEventBridgeAction } from './http-api.js';
import type { EventBridgeOptions, LocalEventBridge } from './local-event-bridge.js';
import { assertValidPutEventsRequest, checkEntry, DEFAULT_MAX_PUT_EVENTS_BYTES } from './put-events-validation.js';
import { createSqsDeliverer } from './sqs-deliverer.js';
import { renderTargetInput } from './target-input.js';
import { testEventPattern } from './test-event-pattern.js';
import type { EventEnvelope, PutEventsEntry, PutEventsResult, PutEventsResultEntry } from './types.js';

export const EVENTBRIDGE_PORT_ENV = 'EVENTBRIDGE_PORT';
export const DEFAULT_EVENTBRIDGE_PORT = 4010;
export type { EventBridgeOptions, LocalEventBridge } from './local-event-bridge.js';

/**
 * Creates the local EventBridge: buses, rules (matched with the shared pattern engine, one
 * compiled set per bus), SQS delivery with RetryPolicy and DeadLetterConfig, archives, and an
 * optional HTTP server for the AWS SDK.
 */
export function createEventBridge(options: EventBridgeOptions = {}): LocalEventBridge {
  const partition: Partition = {
    region: options.region ?? 'us-east-1',
    accountId: options.accountId ?? '123456789012',
  };
  const now = options.now ?? Date.now;
  const registry = new BusRegistry(partition, now, options.maxPatternLength);
  const sqs = options.sqsEndpoint
    ? createSqsDeliverer({ endpoint: options.sqsEndpoint, region: partition.region })
    : undefined;
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
        onInternalError: (error) =>
          options.log?.(`EventBridge internal error: ${error instanceof Error ? error.message : String(error)}`),
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
