import type { JsonObject } from '../aws-json-server.js';
import { conflict, invalid } from './errors.js';
import type { ScheduleFiring } from './firing.js';
import { isRetryOf, requestIdentity } from './idempotency.js';
import { pageOf } from './paging.js';
import { DEFAULT_GROUP, type StoredGroup, seconds } from './records.js';
import type { ScheduleStore } from './store.js';
import { assertGroupName } from './validation.js';

/** CreateScheduleGroup, GetScheduleGroup, DeleteScheduleGroup and ListScheduleGroups; each answers the response body. */
export class GroupOperations {
  constructor(
    private readonly store: ScheduleStore,
    private readonly firing: ScheduleFiring,
  ) {}

  create(name: string, body: JsonObject): JsonObject {
    assertGroupName(name);
    const request = requestIdentity(name, body);
    const existing = this.store.groups.get(name);
    if (existing) {
      if (isRetryOf(existing, request)) return { ScheduleGroupArn: existing.arn };
      throw conflict(`Schedule group ${name} already exists.`);
    }
    const group = this.store.ensureGroup(name);
    group.clientToken = request.clientToken;
    group.requestHash = request.requestHash;
    this.store.persist();
    return { ScheduleGroupArn: group.arn };
  }

  /** The twin's stand-in for the stack's group: created unless it exists; answers its ARN. */
  ensure(name: string): string {
    assertGroupName(name);
    const existed = this.store.groups.has(name);
    const group = this.store.ensureGroup(name);
    if (!existed) this.store.persist();
    return group.arn;
  }

  get(name: string): JsonObject {
    return describeGroup(this.store.findGroup(name));
  }

  /** Deletes the group's schedules at once (AWS does it asynchronously through a DELETING state). */
  delete(name: string): JsonObject {
    this.store.findGroup(name);
    if (name === DEFAULT_GROUP) throw invalid('The default schedule group cannot be deleted.');
    for (const [key, schedule] of this.store.schedules) {
      if (schedule.groupName !== name) continue;
      this.firing.disarm(key);
      this.store.schedules.delete(key);
    }
    this.store.groups.delete(name);
    this.store.persist();
    return {};
  }

  list(query: URLSearchParams): JsonObject {
    const prefix = query.get('NamePrefix') ?? undefined;
    const matching = [...this.store.groups.entries()].filter(
      ([name]) => prefix === undefined || name.startsWith(prefix),
    );
    const { page, nextToken } = pageOf(matching, query, []);
    return { ScheduleGroups: page.map(([, group]) => describeGroup(group)), NextToken: nextToken };
  }
}

function describeGroup(group: StoredGroup): JsonObject {
  return {
    Arn: group.arn,
    Name: group.name,
    State: 'ACTIVE',
    CreationDate: seconds(group.creationDate),
    LastModificationDate: seconds(group.lastModificationDate),
  };
}
