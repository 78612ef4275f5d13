import { AwsServiceError, optionalString, requiredString, type JsonObject } from '../aws-json-server.js';
import { validationError } from './errors.js';
import type { LocalEventBridge } from './local-event-bridge.js';
import type { CreateArchiveInput, PutEventsEntry, PutRuleInput, Target } from './types.js';

/**
 * Maps one AWS JSON action onto the in-process API. Request members are the API's PascalCase
 * names; Dates go out as epoch seconds, the protocol's timestamp form.
 */
export function handleEventBridgeAction(bridge: LocalEventBridge, action: string, body: JsonObject): unknown {
  const bus = optionalString(body, 'EventBusName');
  switch (action) {
    case 'PutEvents': {
      if (!Array.isArray(body.Entries))
        throw validationError(
          "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
        );
      return bridge.putEvents(body.Entries as PutEventsEntry[]);
    }
    case 'TestEventPattern':
      return { Result: bridge.testEventPattern(requiredString(body, 'Event'), requiredString(body, 'EventPattern')) };

    case 'CreateEventBus':
      return bridge.createEventBus({
        Name: requiredString(body, 'Name'),
        Description: optionalString(body, 'Description'),
      });
    case 'DescribeEventBus':
      return wire(bridge.describeEventBus(optionalString(body, 'Name')));
    case 'ListEventBuses':
      return page(bridge.listEventBuses(optionalString(body, 'NamePrefix')), body, 'EventBuses');
    case 'DeleteEventBus':
      bridge.deleteEventBus(requiredString(body, 'Name'));
      return {};

    case 'PutRule':
      return bridge.putRule(body as unknown as PutRuleInput);
    case 'DescribeRule':
      return wire(bridge.describeRule(requiredString(body, 'Name'), bus));
    case 'ListRules':
      return page(
        bridge.listRules({ EventBusName: bus, NamePrefix: optionalString(body, 'NamePrefix') }),
        body,
        'Rules',
      );
    case 'EnableRule':
      bridge.enableRule(requiredString(body, 'Name'), bus);
      return {};
    case 'DisableRule':
      bridge.disableRule(requiredString(body, 'Name'), bus);
      return {};
    case 'DeleteRule':
      bridge.deleteRule(requiredString(body, 'Name'), bus, body.Force === true);
      return {};

    case 'PutTargets':
      if (!Array.isArray(body.Targets) || body.Targets.length === 0) {
        throw validationError(
          "1 validation error detected: Value at 'targets' failed to satisfy constraint: Member must have length greater than or equal to 1",
        );
      }
      return bridge.putTargets({
        Rule: requiredString(body, 'Rule'),
        EventBusName: bus,
        Targets: body.Targets as Target[],
      });
    case 'ListTargetsByRule':
      return page(bridge.listTargetsByRule(requiredString(body, 'Rule'), bus), body, 'Targets');
    case 'RemoveTargets': {
      if (!Array.isArray(body.Ids))
        throw validationError(
          "1 validation error detected: Value null at 'ids' failed to satisfy constraint: Member must not be null",
        );
      return bridge.removeTargets({ Rule: requiredString(body, 'Rule'), EventBusName: bus, Ids: body.Ids as string[] });
    }

    case 'CreateArchive':
      return wire(bridge.createArchive(body as unknown as CreateArchiveInput));
    case 'DescribeArchive':
      return wire(bridge.describeArchive(requiredString(body, 'ArchiveName')));
    case 'ListArchives':
      return page(
        bridge
          .listArchives({
            NamePrefix: optionalString(body, 'NamePrefix'),
            EventSourceArn: optionalString(body, 'EventSourceArn'),
          })
          .map(({ EventPattern: _pattern, Description: _description, ...summary }) => summary),
        body,
        'Archives',
      );
    case 'DeleteArchive':
      bridge.deleteArchive(requiredString(body, 'ArchiveName'));
      return {};

    default:
      throw new AwsServiceError(
        'UnknownOperationException',
        `Operation ${action} is not supported by the local EventBridge.`,
      );
  }
}

/** Limit/NextToken paging over an in-memory list; the token is the next offset. */
function page<T>(items: readonly T[], body: JsonObject, key: string): Record<string, unknown> {
  const limit = typeof body.Limit === 'number' && body.Limit > 0 ? body.Limit : 100;
  const token = optionalString(body, 'NextToken');
  const start = token === undefined ? 0 : Number.parseInt(Buffer.from(token, 'base64').toString('utf8'), 10);
  if (!Number.isInteger(start) || start < 0) throw validationError('The NextToken is not valid.');
  const slice = items.slice(start, start + limit);
  const next = start + limit < items.length ? Buffer.from(String(start + limit)).toString('base64') : undefined;
  return { [key]: slice.map(wire), ...(next === undefined ? {} : { NextToken: next }) };
}

/** Dates become epoch seconds; undefined members are dropped by JSON.stringify later. */
function wire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(wire);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, wire(member)]));
  }
  return value;
}
