import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { runPollers, type TargetOutcome } from '../core/lifecycle/run-pollers.js';
import { functionHandler, metrics } from '../aws/handler-chain.js';
import { logger } from '../aws/logger.js';
import { pollerDependencies, pollTargets } from './dependencies.js';

/**
 * Runs on a one-minute schedule and polls every `polling:` target of the config that is due;
 * each target's own `every` (and any backoff) decides whether this run touches it.
 */
export const handler = functionHandler<unknown, TargetOutcome[]>(async (_event, context) => {
  // Leave ten seconds to record what was done before Lambda's timeout.
  const deadline = new Date(Date.now() + Math.max(0, context.getRemainingTimeInMillis() - 10_000));
  const outcomes = await runPollers(pollTargets, { ...pollerDependencies, deadline });
  const polled = outcomes.filter((o) => o.status !== 'not-due');
  for (const o of polled) {
    const single = metrics.singleMetric();
    single.addDimension('platform', o.platform);
    single.addMetric(o.status === 'failed' ? 'PollFailed' : 'PollSucceeded', MetricUnit.Count, 1);
  }
  if (polled.length > 0) logger.info('poll run', { outcomes: polled });
  return outcomes;
});
