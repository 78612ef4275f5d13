import { recordBreach } from '../assignments/assignment.js';
import { isMet } from '../routing/sla.js';
import { handTo } from './hand-over.js';
import { slaBreached, statusChanged } from './lifecycle-events.js';
import type { AssignmentWrite, OutboxEvent } from './ports/lifecycle-store.js';
import type { SlaTimer } from './ports/sla-timers.js';
import { type LifecycleDependencies, MAX_CONFLICTS } from './lifecycle-dependencies.js';

/** What became of a deadline that came due. */
export type SlaDueOutcome = 'breached' | 'met' | 'already-breached' | 'not-due' | 'unknown-assignment';

/**
 * A deadline came due (its timer fired): if the assignment has not met it, the breach is
 * recorded and "SLA Breached" published, the assignment becomes `escalated`, and where the
 * department declares `escalation.to`, that department gets a new assignment and an "Engagement
 * Routed" delivery with `routing.escalatedFrom` at the escalation's priority (unless it holds
 * the engagement already). All of it is one conditional write, so a timer that fires twice, or
 * two timers racing, publish the breach once.
 */
export async function slaDue(timer: SlaTimer, deps: LifecycleDependencies): Promise<SlaDueOutcome> {
  const now = deps.now();
  // A timer that fires early (a clock ahead of ours) is not a breach yet. One-time schedules
  // delete themselves once fired, so the caller must keep the message (SQS offers it again).
  if (Date.parse(timer.dueAt) > now.getTime() + 1_000) return 'not-due';
  const department = deps.departments.find((d) => d.id === timer.department);
  for (let attempt = 0; attempt < MAX_CONFLICTS; attempt++) {
    const assignment = await deps.store.read(timer.engagementId, timer.department);
    if (!assignment) return 'unknown-assignment';
    // A handed-over assignment's deadlines went with it: the target has its own.
    if (assignment.state === 'rerouted' || isMet(assignment, timer.sla)) return 'met';
    const at = now.toISOString();
    const outcome = recordBreach(assignment, timer.sla, at);
    if (!outcome?.next) return 'already-breached';
    const escalateTo = department?.escalation?.to;
    const writes: AssignmentWrite[] = [{ next: outcome.next, expectedRevision: assignment.revision }];
    const events: OutboxEvent[] = [slaBreached(outcome.next, timer.sla, timer.dueAt, at, escalateTo)];
    if (outcome.change) events.push(statusChanged(outcome.next, outcome.change, outcome.next.version));
    if (escalateTo) {
      const handover = await handTo(timer.engagementId, escalateTo, at, { escalatedFrom: timer.department }, deps, {
        priority: department?.escalation?.priority ?? 'urgent',
      });
      if (handover) {
        writes.push(...handover.writes);
        events.push(...handover.events);
      }
    }
    if (await deps.store.commit(writes, events)) return 'breached';
  }
  throw new Error(
    `assignment ${timer.engagementId} × ${timer.department} kept changing under ${MAX_CONFLICTS} attempts`,
  );
}
