import type { JsonObject } from '../aws-json-server.js';

// AWS's defaults for a target's RetryPolicy, shown by GetSchedule and applied to invocations.
const DEFAULT_MAX_RETRY_ATTEMPTS = 185;
const DEFAULT_MAX_EVENT_AGE_SECONDS = 86_400;

/** How long an invocation may go on failing before it is dead-lettered or dropped. */
export interface RetryLimits {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Age of the invocation past which no retry starts. */
  maxAgeMs: number;
}

/** GetSchedule on AWS shows the RetryPolicy in force, defaults included. */
export function withDefaultRetryPolicy(target: JsonObject): JsonObject {
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

/**
 * A target's retry limits. MaximumRetryAttempts is capped at the number of delays the emulator
 * was given, so a test's short delay list bounds how long a failing invocation takes.
 */
export function retryLimitsOf(target: JsonObject, retryDelaysMs: readonly number[]): RetryLimits {
  const policy = (target.RetryPolicy ?? {}) as JsonObject;
  return {
    maxRetries: Math.min(numberOr(policy.MaximumRetryAttempts, DEFAULT_MAX_RETRY_ATTEMPTS), retryDelaysMs.length),
    maxAgeMs: numberOr(policy.MaximumEventAgeInSeconds, DEFAULT_MAX_EVENT_AGE_SECONDS) * 1000,
  };
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}
