import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { Context } from 'aws-lambda';
import { logger, safeLogData } from './logger.js';

/**
 * The functions' CloudWatch metrics (embedded metric format, namespace `Switchboard`), flushed
 * by the handler chain after every invocation. An invocation that added none says so at debug
 * level only: for most requests (a 401 from internet noise, a batch with nothing to count) that
 * is the normal case, not a warning.
 */
export const metrics = new Metrics({
  namespace: 'Switchboard',
  logger: {
    debug: (...a: unknown[]) => logger.debug(String(a[0])),
    info: (...a: unknown[]) => logger.info(String(a[0])),
    warn: (...a: unknown[]) => logger.debug(String(a[0])),
    error: (...a: unknown[]) => logger.error(String(a[0])),
  },
});

/**
 * Every function's chain: the Powertools logger with the Lambda context (keys reset between
 * invocations), then the metrics, flushed after each invocation. There is no Tracer: Lambda's
 * active tracing already records each invocation and its cold start, and the Powertools Tracer
 * (with the X-Ray SDK it loads) would add about as much to a cold start as the SQS client itself
 * (measured with bench/cold-import.ts's method; docs/reliability-and-cost.md, "Cold starts").
 */
export function functionHandler<E, R>(
  handler: (event: E, context: Context) => Promise<R>,
): middy.MiddyfiedHandler<E, R> {
  return baseChain<E, R>().handler(handler);
}

/** Logger with the Lambda context (keys reset between invocations), then metrics flushed after each. */
function baseChain<E, R>() {
  return middy<E, R>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
}

/**
 * An API Gateway function's chain: {@link functionHandler}'s, then header names lower-cased (a
 * REST API passes the sender's case) and any error the handler did not answer turned into a 503
 * `{ error: "unavailable", message }` (logged without the request), rendered by middy's error
 * handler: something the function needs is down, and a 503 makes the caller retry later.
 */
export function httpFunctionHandler<E, R>(
  unavailableMessage: string,
  handler: (event: E, context: Context) => Promise<R>,
): middy.MiddyfiedHandler<E, R> {
  return (
    baseChain<E, R>()
      .use(httpHeaderNormalizer())
      .use(httpErrorHandler({ logger: false }))
      // After the error handler in this list, so it runs before it on an error (middy unwinds in reverse).
      .use(unavailableOnError(unavailableMessage))
      .handler(handler)
  );
}

function unavailableOnError(message: string): MiddlewareObj {
  return {
    onError: (request) => {
      logger.error(
        'request could not be answered',
        safeLogData({ error: request.error instanceof Error ? request.error.message : String(request.error) }),
      );
      request.error = Object.assign(new Error(JSON.stringify({ error: 'unavailable', message })), {
        statusCode: 503,
        expose: true,
      });
    },
  };
}
