import type { JsonObject } from '../aws-json-server.js';
import type { ScheduleDescription } from './types.js';

/** The group a request without GroupName names; it always exists and cannot be deleted. */
export const DEFAULT_GROUP = 'default';

/** The schedule record kept in memory and in the state file; a description shows part of it as is. */
export interface StoredSchedule
  extends Pick<
    ScheduleDescription,
    | 'name'
    | 'groupName'
    | 'arn'
    | 'scheduleExpression'
    | 'scheduleExpressionTimezone'
    | 'state'
    | 'actionAfterCompletion'
  > {
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

/** The schedule group record kept in memory and in the state file. */
export interface StoredGroup {
  name: string;
  arn: string;
  creationDate: number;
  lastModificationDate: number;
  clientToken?: string;
  requestHash?: string;
}

/** A schedule's key in the store: group, then name, so that sorted keys list by group, then name. */
export const keyOf = (groupName: string, name: string) => `${groupName}/${name}`;

/** A stored time (epoch ms) as restJson1 sends timestamps: epoch seconds. */
export function seconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}
