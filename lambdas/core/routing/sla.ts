import type { Department } from '../config/config.schema.js';
import { parseDurationMs } from '../config/duration.js';
import { addBusinessTime } from './business-time.js';
import type { Assignment, AssignmentState } from '../assignments/assignment.js';

/**
 * Service levels of an assignment (docs/design.md, "SLAs and escalation"): a first-response and
 * an optional resolution deadline, counted from when the department got the engagement, in
 * wall-clock time or only in the department's business hours.
 */
export const SLA_KINDS = ['firstResponse', 'resolution'] as const;
/** One of {@link SLA_KINDS}. */
export type SlaKind = (typeof SLA_KINDS)[number];

/** The deadlines of one assignment (ISO 8601), by kind; a kind the department does not set is absent. */
export type SlaDeadlines = Partial<Record<SlaKind, string>>;

/** The states that meet each deadline: first response by any answer, resolution by an end. */
const MEETS: Record<SlaKind, ReadonlySet<AssignmentState>> = {
  firstResponse: new Set(['responded', 'resolved', 'dismissed', 'rerouted']),
  resolution: new Set(['resolved', 'dismissed']),
};

/** Whether reaching `state` meets the `kind` deadline. */
export function meets(state: AssignmentState, kind: SlaKind): boolean {
  return MEETS[kind].has(state);
}

/**
 * The deadlines a department's SLA sets for an assignment it got at `fromMs` (epoch ms): none
 * for a department without `sla`. Business hours, when set, stop the clock outside them.
 * `factor` shortens the durations (crisis mode's `slaFactor`, for engagements routed during one).
 */
export function slaDeadlines(department: Pick<Department, 'sla'>, fromMs: number, factor = 1): SlaDeadlines {
  const sla = department.sla;
  if (!sla || !Number.isFinite(fromMs)) return {};
  const due = (duration: string | undefined): string | undefined => {
    const parsed = duration === undefined ? undefined : parseDurationMs(duration);
    if (parsed === undefined) return undefined;
    const ms = parsed * factor;
    return new Date(sla.businessHours ? addBusinessTime(fromMs, ms, sla.businessHours) : fromMs + ms).toISOString();
  };
  const out: SlaDeadlines = {};
  const firstResponse = due(sla.firstResponse);
  const resolution = due(sla.resolution);
  if (firstResponse) out.firstResponse = firstResponse;
  if (resolution) out.resolution = resolution;
  return out;
}

/**
 * Whether the assignment met its `kind` deadline: some change the department made (not a late
 * report, which changed nothing) reached a state that meets it. A change made after the deadline
 * still meets it for escalation's sake: the timer that fires later finds the work done.
 */
export function isMet(assignment: Pick<Assignment, 'events' | 'state'>, kind: SlaKind): boolean {
  if (meets(assignment.state, kind)) return true;
  return assignment.events.some((e) => e.by === 'department' && !e.late && meets(e.to, kind));
}
