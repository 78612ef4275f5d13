import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { handleTrackerMessage } from '../core/lifecycle/track-lifecycle.js';
import { functionHandler, metrics } from '../aws/handler-chain.js';
import { logger } from '../aws/logger.js';
import { handleApprovalMessage } from '../core/replies/approval-due.js';
import { approvalDependencies, trackerDependencies } from './dependencies.js';

/** The message as an object; anything else reads as an empty one (the lifecycle then ignores it). */
function parseMessage(body: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * The tracker's queue: departments' "Status Reported" events, "Engagement Routed" events (SLA
 * timers start) and SLA timers that fired. Messages are handled one by one (changes to one
 * assignment are serialised by its conditional writes anyway); one that fails is reported,
 * so only it comes back.
 */
export const handler = functionHandler<SQSEvent, SQSBatchResponse>(async (event) => {
  const failures: { itemIdentifier: string }[] = [];
  for (const record of event.Records) {
    try {
      // Approval deadlines first ("Reply Submitted" and fired approval timers); the rest is the lifecycle's.
      const approval = await handleApprovalMessage(parseMessage(record.body), approvalDependencies);
      if (approval) {
        if (approval.kind === 'approval-due' && approval.outcome === 'breached')
          metrics.addMetric('ApprovalBreaches', MetricUnit.Count, 1);
        continue;
      }
      const outcome = await handleTrackerMessage(record.body, trackerDependencies);
      if (outcome.kind === 'ignored') logger.warn('tracker message ignored', { why: outcome.why });
      if (outcome.kind === 'sla-due' && outcome.outcome === 'breached')
        metrics.addMetric('SlaBreaches', MetricUnit.Count, 1);
      if (outcome.kind === 'status-reported') logger.info('status reported on the bus', { status: outcome.statusCode });
    } catch (err) {
      logger.error('tracker message failed; it will be offered again', {
        messageId: record.messageId,
        error: (err as Error).message,
      });
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
});
