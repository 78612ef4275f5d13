import type { JsonObject } from '../aws-json-server.js';
import { firstFireAt, timingOf } from './expressions.js';
import { DEFAULT_GROUP, type StoredSchedule } from './records.js';
import { withDefaultRetryPolicy } from './retry-policy.js';
import {
  checkLength,
  checkName,
  dateMember,
  enumMember,
  integerMember,
  objectMember,
  stringMember,
  validationErrors,
} from './validation.js';

const ROLE_ARN_PATTERN = /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const SQS_ARN_PATTERN = /^arn:aws(-[a-z]+)?:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9\-_]+(\.fifo)?$/;

/** What a Create/UpdateSchedule request sets: the stored schedule's definition and first firing. */
export type ScheduleDefinition = Pick<
  StoredSchedule,
  | 'groupName'
  | 'scheduleExpression'
  | 'scheduleExpressionTimezone'
  | 'state'
  | 'actionAfterCompletion'
  | 'flexibleTimeWindow'
  | 'target'
  | 'description'
  | 'startDate'
  | 'endDate'
  | 'kmsKeyArn'
> & { nextFireAt: number };

/**
 * Validates a Create/UpdateSchedule body, throwing one ValidationException for every bad member
 * (then one for a bad expression); returns the definition it describes, first firing included.
 */
export function scheduleDefinition(name: string, body: JsonObject, now: () => number): ScheduleDefinition {
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
  if (window) checkFlexibleTimeWindow(window, errors);
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
    nextFireAt: firstFireAt(timing, now),
  };
}

function checkFlexibleTimeWindow(window: JsonObject, errors: string[]): void {
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
