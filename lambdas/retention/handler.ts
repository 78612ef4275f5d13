import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SweepCounts } from '../aws/dynamodb-retention-sweep.js';
import { functionHandler, metrics } from '../aws/handler-chain.js';
import { logger, safeLogData } from '../aws/logger.js';
import { retentionDependencies } from './dependencies.js';

/** Time kept back from the function's timeout to finish the last pages and save the cursor. */
const MARGIN_MS = 90_000;

/** What a run reports (also its return value, for tests and the twin's logs). */
export interface RetentionRunResult {
  counts: SweepCounts;
  /** The sweep went through the whole table (false: the next run goes on from the saved cursor). */
  complete: boolean;
}

/**
 * The daily retention sweep (lambdas/core/audit/retention-sweep.ts): goes on from where the last
 * run stopped (`SWEEP#retention` / `CURSOR`), scrubs text past `retention.engagements`, deletes
 * what is past `retention.audit`, and saves where it stopped before its time runs out. A run with
 * failed items throws once its cursor is saved, so the invocation lands in the dead-letter queue
 * and alarms; the items themselves are met again by the next sweep.
 */
export const handler = functionHandler<unknown, RetentionRunResult>(async (_event, context) => {
  const { sweep, periods, now } = retentionDependencies;
  const started = now();
  const deadline = new Date(started.getTime() + Math.max(0, context.getRemainingTimeInMillis() - MARGIN_MS));
  const cursor = await sweep.loadCursor();
  const outcome = await sweep.sweep({ periods, now: started, deadline, ...(cursor ? { cursor } : {}) });
  await sweep.saveCursor(outcome.cursor, now());
  const { counts } = outcome;
  metrics.addMetric('RetentionTextExpired', MetricUnit.Count, counts.textExpired);
  metrics.addMetric('RetentionPartitionsDeleted', MetricUnit.Count, counts.partitionsDeleted);
  metrics.addMetric(
    'RetentionItemsDeleted',
    MetricUnit.Count,
    counts.itemsDeleted + counts.erasuresDeleted + counts.casesDeleted,
  );
  metrics.addMetric('RetentionFailures', MetricUnit.Count, counts.failed);
  logger.info('retention sweep run', {
    counts,
    complete: !outcome.cursor,
    continued: cursor !== undefined,
    sweepStartedAt: (outcome.cursor ?? cursor)?.startedAt,
  });
  if (counts.failed > 0) {
    for (const f of outcome.failures) logger.error('retention failed for an item', safeLogData(f));
    throw new Error(`retention failed for ${counts.failed} item(s); the next sweep retries them`);
  }
  return { counts, complete: !outcome.cursor };
});
