import {
  type AssignmentEvent,
  applyReport,
  InvalidReportError,
  type ReportAnswer,
  type StatusReport,
} from '../assignments/assignment.js';
import type { AssignmentStore } from './ports/assignment-store.js';

/** What a department's status report gets back (docs/design.md, "Lifecycle"). */
export type ReportStatusResult =
  | { statusCode: 200; body: { engagementId: string; department: string; status: string; version: number } }
  | {
      statusCode: 409;
      body: { error: 'transition_not_allowed'; message: string; from: string; to: string; allowed: string[] };
    }
  | { statusCode: 400 | 404; body: { error: string; message: string } };

/** What reporting a status needs from the outside world. */
export interface ReportStatusDependencies {
  store: AssignmentStore;
  now(): Date;
  /** Called with each applied change, after it is stored (to publish "Engagement Status Changed"). */
  onChange?(change: AssignmentEvent, report: StatusReport): Promise<void>;
}

/** Conditional writes lost to concurrent reports before giving up (each loser reads again). */
const MAX_CONFLICTS = 5;

/**
 * Applies a department's report to its assignment:
 * 1. no assignment of this engagement for this department → 404;
 * 2. the state machine decides (`applyReport`): applied, a repeat, late, or refused (409);
 * 3. the result is stored on the condition that nobody changed the assignment meanwhile; on a
 *    conflict the report is applied again to what is stored now, so concurrent reports are
 *    serialised and a repeated `reportId` still gets its first answer.
 */
export async function reportStatus(report: StatusReport, deps: ReportStatusDependencies): Promise<ReportStatusResult> {
  for (let attempt = 0; attempt < MAX_CONFLICTS; attempt++) {
    const assignment = await deps.store.read(report.engagementId, report.department);
    if (!assignment) {
      return {
        statusCode: 404,
        body: {
          error: 'unknown_engagement',
          message: `Engagement "${report.engagementId}" was not routed to department "${report.department}".`,
        },
      };
    }
    let outcome: ReturnType<typeof applyReport>;
    try {
      outcome = applyReport(assignment, report, deps.now().toISOString());
    } catch (err) {
      if (err instanceof InvalidReportError)
        return { statusCode: 400, body: { error: 'malformed_report', message: err.message } };
      throw err;
    }
    if (outcome.next && !(await deps.store.save(outcome.next, assignment.revision))) continue;
    if (outcome.change) await deps.onChange?.(outcome.change, report);
    return toResult(outcome.answer, report);
  }
  throw new Error(
    `assignment ${report.engagementId} × ${report.department} kept changing under ${MAX_CONFLICTS} attempts`,
  );
}

function toResult(answer: ReportAnswer, report: StatusReport): ReportStatusResult {
  if (answer.status === 409) {
    const allowed = answer.allowed.length > 0 ? answer.allowed.join(', ') : 'none (it is final for the department)';
    return {
      statusCode: 409,
      body: {
        error: answer.error,
        message: `An assignment in state "${answer.from}" cannot become "${answer.to}"; allowed: ${allowed}.`,
        from: answer.from,
        to: answer.to,
        allowed: answer.allowed,
      },
    };
  }
  return {
    statusCode: 200,
    body: {
      engagementId: report.engagementId,
      department: report.department,
      status: answer.state,
      version: answer.version,
    },
  };
}
