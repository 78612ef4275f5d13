import {
  applyReport,
  InvalidReportError,
  type Assignment,
  type ReportAnswer,
  type StatusReport,
} from '../assignments/assignment.js';
import { meets, SLA_KINDS } from '../routing/sla.js';
import { handTo } from './hand-over.js';
import { statusChanged } from './lifecycle-events.js';
import type { AssignmentWrite, OutboxEvent } from './ports/lifecycle-store.js';

/** What a department's status report gets back (docs/design.md, "Lifecycle"). */
export type ReportStatusResult =
  | { statusCode: 200; body: { engagementId: string; department: string; status: string; version: number } }
  | {
      statusCode: 409;
      body: { error: 'transition_not_allowed'; message: string; from: string; to: string; allowed: string[] };
    }
  | { statusCode: 400 | 404 | 429; body: { error: string; message: string } };

/**
 * Answers an assignment keeps (one per `reportId`, for idempotency) before it refuses new ones:
 * a worker that retries with a fresh id every time would otherwise grow the item past
 * DynamoDB's 400 KB, after which no change of it could be stored at all.
 */
export const MAX_ANSWERS = 500;

export { type LifecycleDependencies, MAX_CONFLICTS } from './lifecycle-dependencies.js';
import { type LifecycleDependencies, MAX_CONFLICTS } from './lifecycle-dependencies.js';

/**
 * Applies a department's report to its assignment:
 * 1. no assignment of this engagement for this department → 404; a `rerouted` to a department
 *    the config does not declare → 400;
 * 2. the state machine decides (`applyReport`): applied, a repeat, late, or refused (409);
 * 3. an applied change is stored with its "Engagement Status Changed" event (the outbox); a
 *    `rerouted` also gives the target department a new assignment and an "Engagement Routed"
 *    delivery with `routing.reroutedFrom` (unless it holds the engagement already);
 * 4. all of it is stored on the condition that nobody changed the assignment meanwhile; on a
 *    conflict the report is applied again to what is stored now, so concurrent reports are
 *    serialised and a repeated `reportId` still gets its first answer.
 */
export async function reportStatus(report: StatusReport, deps: LifecycleDependencies): Promise<ReportStatusResult> {
  if (report.status === 'rerouted' && report.to && !deps.departments.some((d) => d.id === report.to))
    return {
      statusCode: 400,
      body: {
        error: 'unknown_department',
        message: `"to" names "${report.to}", which is not a department (departments: ${deps.departments.map((d) => d.id).join(', ')}).`,
      },
    };
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
    if (!assignment.answers[report.reportId] && Object.keys(assignment.answers).length >= MAX_ANSWERS)
      return {
        statusCode: 429,
        body: {
          error: 'too_many_reports',
          message: `This assignment has had ${MAX_ANSWERS} reports; send a repeat with a reportId used before, not a new one.`,
        },
      };
    let outcome: ReturnType<typeof applyReport>;
    try {
      outcome = applyReport(assignment, report, deps.now().toISOString());
    } catch (err) {
      if (err instanceof InvalidReportError)
        return { statusCode: 400, body: { error: 'malformed_report', message: err.message } };
      throw err;
    }
    if (!outcome.next) return toResult(outcome.answer, report);
    const writes: AssignmentWrite[] = [{ next: outcome.next, expectedRevision: assignment.revision }];
    const events: OutboxEvent[] = [];
    if (outcome.change) {
      events.push(statusChanged(outcome.next, outcome.change, outcome.next.version));
      if (outcome.change.to === 'rerouted' && report.to) {
        // Switchboard's clock, not the report's `at`: the target's deadlines count from it.
        const handover = await handTo(
          report.engagementId,
          report.to,
          deps.now().toISOString(),
          { reroutedFrom: report.department },
          deps,
        );
        if (handover) {
          writes.push(...handover.writes);
          events.push(...handover.events);
        }
      }
    }
    if (!(await deps.store.commit(writes, events))) continue;
    if (outcome.change) await cancelMet(outcome.next, deps);
    return toResult(outcome.answer, report);
  }
  throw new Error(
    `assignment ${report.engagementId} × ${report.department} kept changing under ${MAX_CONFLICTS} attempts`,
  );
}

/** Cancels the timers of the deadlines the assignment's new state meets (or leaves behind: rerouted). */
async function cancelMet(assignment: Assignment, deps: LifecycleDependencies): Promise<void> {
  if (!deps.timers) return;
  const met = SLA_KINDS.filter((kind) => assignment.state === 'rerouted' || meets(assignment.state, kind));
  if (met.length === 0) return;
  try {
    await deps.timers.cancel(
      met.map((sla) => ({ engagementId: assignment.engagementId, department: assignment.department, sla })),
    );
  } catch (err) {
    // Harmless: a timer that fires finds the deadline met and does nothing.
    deps.log?.('warn', 'SLA timers of a met deadline could not be cancelled', { error: (err as Error).message });
  }
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
