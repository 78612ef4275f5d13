/**
 * AWS SDK client settings for the functions: every call has a connection and a request timeout
 * well inside the function's own, so a stalled service (a DynamoDB partition throttled for
 * seconds, a network blip) comes back as an error the code handles, not as a function timeout
 * that loses the work done so far and, for a webhook, turns a durable delivery into a 5xx.
 * `throwOnRequestTimeout` is what makes the request timeout one: without it, the SDK's HTTP
 * handler only logs a warning when a request runs past it, and the call goes on waiting.
 */

/**
 * The webhook (10 s function, platforms that wait 3–20 s): two attempts of at most 1.5 s each,
 * so a refused enqueue answers 5xx in about 4 s at worst, before the platform gives up.
 */
export const WEBHOOK_CLIENT_OPTIONS = {
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 500, requestTimeout: 1_500, throwOnRequestTimeout: true },
} as const;

/** Queue workers and schedules (30–60 s functions): three attempts of at most 3 s each. */
export const WORKER_CLIENT_OPTIONS = {
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000, throwOnRequestTimeout: true },
} as const;

/**
 * The publish function's hand-off to the republish queue, which runs after the publishing
 * deadline in the half of the invocation left: two attempts of at most 2 s for a batch call, then
 * as much again for the ids sent one by one, well inside it.
 */
export const HAND_OFF_CLIENT_OPTIONS = {
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true },
} as const;
