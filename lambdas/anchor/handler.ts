import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { type AnchorRunResult, runAnchors } from '../core/audit/anchor-run.js';
import { requireEnv } from '../aws/env.js';
import { functionHandler, metrics } from '../aws/handler-chain.js';
import { logger } from '../aws/logger.js';
import { glueExportTable } from '../aws/glue-export-table.js';
import { s3AnchorPorts } from '../aws/s3-audit-bucket.js';

const bucket = requireEnv('AUDIT_BUCKET_NAME');
const auditDays = Number(requireEnv('AUDIT_RETENTION_DAYS'));
// No short request timeout here (unlike the queue workers): a data file of an export is tens of
// megabytes, streamed while it is read; a stalled read fails the run, which the schedule retries.
const ports = {
  ...s3AnchorPorts(new S3Client({ maxAttempts: 5 }), bucket),
  showExport: glueExportTable(
    new GlueClient({ maxAttempts: 5 }),
    requireEnv('AUDIT_DATABASE_NAME'),
    requireEnv('EXPORT_LINES_TABLE'),
    bucket,
  ),
};

/**
 * Runs daily after the nightly export (its own schedule): anchors every finished export not yet
 * anchored (lambdas/core/audit/anchor-run.ts) and reports, as metrics an alarm watches, exports
 * that began and never finished, no export finished for a day, and audit chains that did not
 * verify or no longer extend the anchor before.
 */
export const handler = functionHandler<unknown, AnchorRunResult>(async () => {
  const result = await runAnchors(ports, { now: new Date(), auditDays });
  const problems = result.anchored.reduce((n, a) => n + a.problems.length, 0);
  metrics.addMetric('AuditExportsUnfinished', MetricUnit.Count, result.unfinished.length);
  metrics.addMetric('AuditExportOverdue', MetricUnit.Count, result.overdue ? 1 : 0);
  metrics.addMetric('AuditChainProblems', MetricUnit.Count, problems);
  metrics.addMetric('AuditExportsAnchored', MetricUnit.Count, result.anchored.length);
  // Keys and counts only: the problems name records by their table keys, never their content.
  const summary = {
    anchored: result.anchored.map((a) => ({
      exportId: a.exportId,
      root: a.root,
      chains: a.chains,
      problems: a.problems.length,
    })),
    unfinished: result.unfinished,
    overdue: result.overdue,
    shown: result.shown,
  };
  if (problems > 0 || result.unfinished.length > 0 || result.overdue)
    logger.error('the audit trail needs attention', {
      ...summary,
      firstProblems: result.anchored.flatMap((a) => a.problems).slice(0, 20),
    });
  else logger.info('audit exports anchored', summary);
  return result;
});
