import type { StatusReport } from '../assignments/assignment.js';
import { LIFECYCLE_EVENTS, StatusReportBodySchema } from '../assignments/status-report.schema.js';
import { ENGAGEMENT_ROUTED } from '../engagement/engagement-routed.js';
import type { Engagement } from '../engagement/engagement.schema.js';
import { SLA_KINDS, type SlaKind } from '../routing/sla.js';
import type { SlaTimer, SlaTimers } from './ports/sla-timers.js';
import { type LifecycleDependencies, reportStatus } from './report-status.js';
import { slaDue } from './sla-due.js';
import { trackRouted } from './track-routed.js';

/** A report over the bus that was not applied, for the reporting department's queue. */
export interface StatusRejection {
  reportId: string;
  engagementId: string;
  department: string;
  reason: string;
}

/** What the tracker needs besides what reporting needs. */
export interface TrackerDependencies extends LifecycleDependencies {
  timers: SlaTimers;
  /** Sends "Status Rejected" to the department (through the bus, to its queue). */
  reject(rejection: StatusRejection): Promise<void>;
}

/** A timer that fired before its deadline (a skewed clock): its message is kept and comes back. */
export class EarlyTimerError extends Error {
  constructor(timer: SlaTimer) {
    super(`SLA timer fired before ${timer.dueAt}; it will be offered again`);
    this.name = 'EarlyTimerError';
  }
}

/** What one tracker message was and what became of it. */
export type TrackerOutcome =
  | { kind: 'status-reported'; statusCode: number }
  | { kind: 'engagement-routed'; timers: number }
  | { kind: 'sla-due'; outcome: string }
  | { kind: 'ignored'; why: string };

/** The message an SLA timer sends when it fires: `{ "slaDue": { engagementId, department, sla, dueAt } }`. */
export const slaDueMessage = (timer: SlaTimer): string => JSON.stringify({ slaDue: timer });

/**
 * One message of the tracker's queue, which gets three things:
 * - "Status Reported" events departments put on the bus (`source:
 *   switchboard.department.<id>`): applied as over HTTPS; one that is not applied goes back
 *   to the department as "Status Rejected" with the reason;
 * - "Engagement Routed" events: each department's SLA deadlines start;
 * - SLA timers that fired: the deadline is checked and, if missed, breached and escalated.
 * Anything else is ignored (and logged by the caller); a failure throws, so the queue offers
 * the message again and, past its receive count, dead-letters it.
 */
export async function handleTrackerMessage(body: string, deps: TrackerDependencies): Promise<TrackerOutcome> {
  let message: Record<string, unknown>;
  try {
    message = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return { kind: 'ignored', why: 'not JSON' };
  }
  const timer = readSlaDue(message.slaDue);
  if (timer) {
    const outcome = await slaDue(timer, deps);
    // Its schedule is gone once fired: failing the message is what brings the deadline back.
    if (outcome === 'not-due') throw new EarlyTimerError(timer);
    return { kind: 'sla-due', outcome };
  }
  const source = typeof message.source === 'string' ? message.source : '';
  const detailType = message['detail-type'];
  if (detailType === LIFECYCLE_EVENTS.statusReported.detailType) {
    const prefix = LIFECYCLE_EVENTS.statusReported.sourcePrefix;
    const department = source.startsWith(prefix) ? source.slice(prefix.length) : '';
    return { kind: 'status-reported', statusCode: await busReport(department, message.detail, deps) };
  }
  if (detailType === ENGAGEMENT_ROUTED.detailType && source === ENGAGEMENT_ROUTED.source) {
    const { started, dueNow } = await trackRouted(message.detail as Engagement, deps);
    return { kind: 'engagement-routed', timers: started.length + dueNow.length };
  }
  return { kind: 'ignored', why: `not a tracker message (detail-type ${String(detailType)})` };
}

async function busReport(department: string, detail: unknown, deps: TrackerDependencies): Promise<number> {
  const raw = (detail ?? {}) as Record<string, unknown>;
  const reject = async (statusCode: number, reason: string) => {
    await deps.reject({
      reportId: typeof raw.reportId === 'string' ? raw.reportId : '',
      engagementId: typeof raw.engagementId === 'string' ? raw.engagementId : '',
      department,
      reason,
    });
    return statusCode;
  };
  if (!deps.departments.some((d) => d.id === department)) {
    // No department's queue to answer to: the bus rule only lets department sources through,
    // so this is a department the config no longer has.
    deps.log?.('warn', 'status report from a department the config does not declare', { department });
    return 404;
  }
  const parsed = StatusReportBodySchema.safeParse(detail);
  if (!parsed.success)
    return reject(
      400,
      parsed.error.issues.map((i) => `${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; '),
    );
  const report: StatusReport = { ...parsed.data, department };
  const result = await reportStatus(report, deps);
  if (result.statusCode !== 200) return reject(result.statusCode, result.body.message);
  return 200;
}

function readSlaDue(value: unknown): SlaTimer | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const t = value as Record<string, unknown>;
  if (
    typeof t.engagementId !== 'string' ||
    typeof t.department !== 'string' ||
    typeof t.dueAt !== 'string' ||
    !SLA_KINDS.includes(t.sla as SlaKind)
  )
    return undefined;
  return { engagementId: t.engagementId, department: t.department, sla: t.sla as SlaKind, dueAt: t.dueAt };
}
