import { randomUUID } from 'node:crypto';
import type { JsonObject } from '../aws-json-server.js';
import { conflict } from './errors.js';
import type { ScheduleFiring } from './firing.js';
import { isRetryOf, requestIdentity } from './idempotency.js';
import { pageOf } from './paging.js';
import { keyOf, type StoredSchedule, seconds } from './records.js';
import { scheduleDefinition } from './schedule-definition.js';
import type { ScheduleStore } from './store.js';

/** CreateSchedule, GetSchedule, UpdateSchedule, DeleteSchedule and ListSchedules; each answers the response body. */
export class ScheduleOperations {
  constructor(
    private readonly store: ScheduleStore,
    private readonly firing: ScheduleFiring,
    private readonly now: () => number,
  ) {}

  create(name: string, body: JsonObject): JsonObject {
    const definition = scheduleDefinition(name, body, this.now);
    const request = requestIdentity(name, body);
    this.store.findGroup(definition.groupName);
    const key = keyOf(definition.groupName, name);
    const existing = this.store.schedules.get(key);
    if (existing) {
      if (isRetryOf(existing, request)) return { ScheduleArn: existing.arn };
      throw conflict(`Schedule ${name} already exists.`);
    }
    const at = this.now();
    const schedule: StoredSchedule = {
      name,
      ...definition,
      arn: this.store.scheduleArn(definition.groupName, name),
      creationDate: at,
      lastModificationDate: at,
      ...request,
      firing: false,
      version: randomUUID(),
    };
    return this.#save(key, schedule);
  }

  update(name: string, body: JsonObject): JsonObject {
    const definition = scheduleDefinition(name, body, this.now);
    const existing = this.store.findSchedule(name, definition.groupName);
    // UpdateSchedule replaces the whole definition: members left out go back to their defaults.
    const schedule: StoredSchedule = {
      name,
      ...definition,
      arn: existing.arn,
      creationDate: existing.creationDate,
      lastModificationDate: this.now(),
      clientToken: existing.clientToken,
      requestHash: existing.requestHash,
      firing: false,
      version: randomUUID(),
    };
    return this.#save(keyOf(definition.groupName, name), schedule);
  }

  get(name: string, groupName: string): JsonObject {
    const schedule = this.store.findSchedule(name, groupName);
    return {
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
    };
  }

  delete(name: string, groupName: string): JsonObject {
    this.store.findSchedule(name, groupName);
    const key = keyOf(groupName, name);
    this.firing.disarm(key);
    // An invocation already under way goes on, as on AWS; its completion finds nothing to do.
    this.store.schedules.delete(key);
    this.store.persist();
    return {};
  }

  list(query: URLSearchParams): JsonObject {
    const errors: string[] = [];
    const groupName = query.get('ScheduleGroup') ?? undefined;
    const prefix = query.get('NamePrefix') ?? undefined;
    const state = query.get('State') ?? undefined;
    if (state !== undefined && state !== 'ENABLED' && state !== 'DISABLED') {
      errors.push(
        `Value '${state}' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]`,
      );
    }
    const matching = [...this.store.schedules.entries()].filter(
      ([, s]) =>
        (groupName === undefined || s.groupName === groupName) &&
        (prefix === undefined || s.name.startsWith(prefix)) &&
        (state === undefined || s.state === state),
    );
    const { page, nextToken } = pageOf(matching, query, errors);
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
  }

  #save(key: string, schedule: StoredSchedule): JsonObject {
    this.store.schedules.set(key, schedule);
    this.store.persist();
    this.firing.arm(schedule);
    return { ScheduleArn: schedule.arn };
  }
}
