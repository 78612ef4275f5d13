/**
 * The state machine of an assignment: one per engagement × department, from `new` (routed) to
 * the department's last word (docs/design.md, "Lifecycle"). Pure: it decides what a report does
 * to an assignment and returns the new assignment; storing it (conditionally on `revision`) is
 * the caller's job.
 *
 * Rules, as the contract states them:
 * 1. A department reports `acknowledged | responded | resolved | dismissed | rerouted`; the
 *    transitions below are the only ones allowed, anything else is refused (409) with the
 *    allowed statuses.
 * 2. `reportId` is the department's idempotency key: a repeated one answers exactly what it
 *    answered the first time and changes nothing.
 * 3. A report whose `at` is older than the assignment's last change (since routing) is late: it
 *    is recorded in the assignment's history and changes nothing (a late `acknowledged` after
 *    `resolved`).
 * 4. `version` grows by one per applied change; `revision` by one per stored change of any kind
 *    (a recorded late report, a remembered answer), for optimistic concurrency.
 * 5. Switchboard itself sets `escalated` (an SLA was missed) and `reopened` (a follow-up arrived
 *    in a resolved case).
 */

/** What a department may report. */
export const DEPARTMENT_STATUSES = ['acknowledged', 'responded', 'resolved', 'dismissed', 'rerouted'] as const;
/** One of {@link DEPARTMENT_STATUSES}. */
export type DepartmentStatus = (typeof DEPARTMENT_STATUSES)[number];
/** Every state an assignment can be in. */
export const ASSIGNMENT_STATES = ['new', ...DEPARTMENT_STATUSES, 'escalated', 'reopened'] as const;
/** One of {@link ASSIGNMENT_STATES}. */
export type AssignmentState = (typeof ASSIGNMENT_STATES)[number];

const ANY: readonly DepartmentStatus[] = DEPARTMENT_STATUSES;
/** The transitions a department may report, by the assignment's current state. */
export const ALLOWED_REPORTS: Readonly<Record<AssignmentState, readonly DepartmentStatus[]>> = {
  new: ANY,
  reopened: ANY,
  escalated: ANY,
  acknowledged: ['responded', 'resolved', 'dismissed', 'rerouted'],
  responded: ['resolved', 'dismissed', 'rerouted'],
  // Final for the department: a follow-up in the conversation reopens the case instead.
  resolved: [],
  dismissed: [],
  // The target department has its own assignment.
  rerouted: [],
};

/** Who made a change. */
export interface Actor {
  id: string;
  name?: string;
}

/** A status report, over HTTPS or the bus (the same body). */
export interface StatusReport {
  engagementId: string;
  /** The reporting department (from its token or its event source, never from the body). */
  department: string;
  status: DepartmentStatus;
  reportId: string;
  /** When it happened, ISO 8601; the time of receipt when absent. */
  at?: string;
  note?: string;
  /** The department a `rerouted` hands over to. */
  to?: string;
  actor?: Actor;
}

/** One entry of an assignment's history. */
export interface AssignmentEvent {
  at: string;
  from: AssignmentState;
  to: AssignmentState;
  by: 'department' | 'switchboard';
  reportId?: string;
  actor?: Actor;
  note?: string;
  /** Set on a late report: recorded, but it changed nothing. */
  late?: true;
  /** Why Switchboard changed it (`sla:firstResponse`, `follow-up:<engagement id>`…). */
  reason?: string;
}

/** The answer a report got, kept per `reportId` so a repeat gets the same one. */
export type ReportAnswer =
  | { status: 200; state: AssignmentState; version: number }
  | {
      status: 409;
      error: 'transition_not_allowed';
      from: AssignmentState;
      to: DepartmentStatus;
      allowed: DepartmentStatus[];
    };

/** An engagement's assignment to one department. */
export interface Assignment {
  engagementId: string;
  department: string;
  state: AssignmentState;
  /** Applied changes (the contract's `version`). */
  version: number;
  /** Stored changes of any kind, for conditional writes; 0 for an assignment not stored yet. */
  revision: number;
  /** When the department got the engagement (ISO 8601): its SLA deadlines count from here. */
  routedAt: string;
  /** When the last applied change happened (ISO 8601). */
  changedAt: string;
  events: AssignmentEvent[];
  answers: Record<string, ReportAnswer>;
  /** The department that handed it over (`rerouted`), when it came that way. */
  reroutedFrom?: string;
  /** The department whose SLA it breached, when it came by escalation. */
  escalatedFrom?: string;
  /** When each SLA deadline was found breached (ISO 8601), so a breach is recorded once. */
  breaches?: Partial<Record<'firstResponse' | 'resolution', string>>;
}

/** What {@link applyReport} decided. */
export interface ReportOutcome {
  answer: ReportAnswer;
  /** The assignment to store, or undefined when nothing is to be stored (a repeat). */
  next?: Assignment;
  /** The applied change, for "Engagement Status Changed"; undefined when the state did not change. */
  change?: AssignmentEvent;
}

/** A report the state machine cannot read (the API answers 400). */
export class InvalidReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidReportError';
  }
}

/**
 * A new assignment, as routing makes it (`at`: when the engagement was routed). It is not stored
 * (revision 0): an engagement's routing names its departments, and an assignment item is only
 * written by its first change, so routing costs no write per department.
 */
export function newAssignment(
  engagementId: string,
  department: string,
  at: string,
  origin: Pick<Assignment, 'reroutedFrom' | 'escalatedFrom'> = {},
): Assignment {
  return {
    engagementId,
    department,
    state: 'new',
    version: 1,
    revision: 0,
    routedAt: at,
    changedAt: at,
    events: [],
    answers: {},
    ...origin,
  };
}

/**
 * Applies a department's report to its assignment. `receivedAt` stands for a missing `at`.
 * @throws InvalidReportError for a report that names another assignment, a `rerouted` without
 * a `to` (or to itself), or an `at` that is not a time.
 */
export function applyReport(assignment: Assignment, report: StatusReport, receivedAt: string): ReportOutcome {
  if (report.engagementId !== assignment.engagementId || report.department !== assignment.department) {
    throw new InvalidReportError('the report names another assignment');
  }
  const previous = assignment.answers[report.reportId];
  if (previous) return { answer: previous };
  if (report.status === 'rerouted' && (!report.to || report.to === report.department)) {
    throw new InvalidReportError(
      'a rerouted report names the department it hands over to in "to", another than its own',
    );
  }
  const at = report.at ?? receivedAt;
  if (!Number.isFinite(Date.parse(at))) throw new InvalidReportError(`"at" is not an ISO 8601 time: ${at}`);
  const remember = (answer: ReportAnswer, base: Assignment = assignment): Assignment => ({
    ...base,
    revision: assignment.revision + 1,
    answers: { ...base.answers, [report.reportId]: answer },
  });
  const event = (to: AssignmentState, late?: true): AssignmentEvent => ({
    at,
    from: assignment.state,
    to,
    by: 'department',
    reportId: report.reportId,
    ...(report.actor ? { actor: report.actor } : {}),
    ...(report.note !== undefined ? { note: report.note } : {}),
    ...(late ? { late } : {}),
  });

  // Late: ordered by `at`, it happened before a change the assignment already has. Routing itself
  // does not count, so a department whose clock runs a little behind ours is not ignored.
  if (assignment.version > 1 && Date.parse(at) < Date.parse(assignment.changedAt)) {
    const answer: ReportAnswer = { status: 200, state: assignment.state, version: assignment.version };
    return {
      answer,
      next: remember(answer, { ...assignment, events: [...assignment.events, event(report.status, true)] }),
    };
  }
  const allowed = ALLOWED_REPORTS[assignment.state];
  if (!allowed.includes(report.status)) {
    const answer: ReportAnswer = {
      status: 409,
      error: 'transition_not_allowed',
      from: assignment.state,
      to: report.status,
      allowed: [...allowed],
    };
    return { answer, next: remember(answer) };
  }
  const change = event(report.status);
  const applied: Assignment = {
    ...assignment,
    state: report.status,
    version: assignment.version + 1,
    changedAt: at,
    events: [...assignment.events, change],
  };
  const answer: ReportAnswer = { status: 200, state: applied.state, version: applied.version };
  return { answer, next: remember(answer, applied), change };
}

/** States in which the department is done with the assignment (no SLA escalates them). */
export const FINAL_STATES: ReadonlySet<AssignmentState> = new Set(['resolved', 'dismissed', 'rerouted']);
const FINAL = FINAL_STATES;

/**
 * Switchboard's own changes: `escalated` when an SLA deadline passed (not from a final state,
 * and not twice), `reopened` when a follow-up arrives in a case whose assignments are resolved
 * or dismissed. Undefined when the change does not apply, so a timer that fires twice changes
 * nothing the second time.
 */
export function setBySwitchboard(
  assignment: Assignment,
  to: 'escalated' | 'reopened',
  at: string,
  reason: string,
): ReportOutcome | undefined {
  if (to === 'escalated' && (FINAL.has(assignment.state) || assignment.state === 'escalated')) return undefined;
  // Reopened: a follow-up in a case its department had finished, or an engagement handed back to
  // a department that had handed it on.
  if (to === 'reopened' && !FINAL.has(assignment.state)) return undefined;
  const change: AssignmentEvent = { at, from: assignment.state, to, by: 'switchboard', reason };
  const next: Assignment = {
    ...assignment,
    state: to,
    version: assignment.version + 1,
    revision: assignment.revision + 1,
    // `changedAt` stays: it orders the department's own reports, and a report made before
    // Switchboard's change but received after it (a response racing a breach) still counts.
    events: [...assignment.events, change],
  };
  return { answer: { status: 200, state: to, version: next.version }, next, change };
}

/**
 * Records that an SLA deadline of the assignment passed unmet: the breach is kept (so a timer
 * that fires twice records it once) and the assignment becomes `escalated`, unless it already
 * is or the department is done with it. Undefined when this breach was recorded before.
 */
export function recordBreach(
  assignment: Assignment,
  sla: 'firstResponse' | 'resolution',
  at: string,
): ReportOutcome | undefined {
  if (assignment.breaches?.[sla]) return undefined;
  const escalated = setBySwitchboard(assignment, 'escalated', at, `sla:${sla}`);
  const base = escalated?.next ?? { ...assignment, revision: assignment.revision + 1 };
  return {
    answer: { status: 200, state: base.state, version: base.version },
    next: { ...base, breaches: { ...assignment.breaches, [sla]: at } },
    ...(escalated?.change ? { change: escalated.change } : {}),
  };
}
