import { FINAL_STATES, newAssignment, setBySwitchboard } from '../assignments/assignment.js';
import type { Priority } from '../engagement/engagement.schema.js';
import { slaDeadlines } from '../routing/sla.js';
import { routedAgain, statusChanged } from './lifecycle-events.js';
import type { AssignmentWrite, OutboxEvent } from './ports/lifecycle-store.js';
import type { LifecycleDependencies } from './lifecycle-dependencies.js';

/** Where a handed-on engagement came from: a reroute or an escalation. */
export type HandOrigin = { reroutedFrom: string } | { escalatedFrom: string };

/**
 * What giving an engagement to another department writes: the target's assignment and an
 * "Engagement Routed" delivery naming where it came from. `at` is Switchboard's time, never the
 * reporting department's: the target's SLA deadlines count from it.
 * - a target that holds the engagement and is not done with it: nothing (it has it in its queue);
 * - a target that had finished with it (resolved, dismissed, or had handed it on itself): its
 *   assignment is `reopened` (with its "Engagement Status Changed") and it gets the delivery, so
 *   an engagement handed back and forth always has a department holding it;
 * - otherwise a new assignment.
 * Every write is conditional on the revision read, so a target changing meanwhile makes the
 * whole change be applied again.
 */
export async function handTo(
  engagementId: string,
  to: string,
  at: string,
  origin: HandOrigin,
  deps: LifecycleDependencies,
  options: { priority?: Priority } = {},
): Promise<{ writes: AssignmentWrite[]; events: OutboxEvent[] } | undefined> {
  const current = await deps.store.read(engagementId, to);
  if (current && !FINAL_STATES.has(current.state)) return undefined;
  const engagement = await deps.store.readEngagement(engagementId);
  if (!engagement) throw new Error(`engagement ${engagementId} has an assignment but is not stored`);
  const department = deps.departments.find((d) => d.id === to);
  const slaDueAt = department ? slaDeadlines(department, Date.parse(at)).firstResponse : undefined;
  const delivery = routedAgain(engagement, to, at, origin, {
    ...(options.priority ? { priority: options.priority } : {}),
    ...(slaDueAt ? { slaDueAt } : {}),
  });
  const from = 'reroutedFrom' in origin ? origin.reroutedFrom : origin.escalatedFrom;
  if (!current) {
    const next = { ...newAssignment(engagementId, to, at, origin), revision: 1 };
    return { writes: [{ next, expectedRevision: 0 }], events: [delivery] };
  }
  const reopened = setBySwitchboard(current, 'reopened', at, `handed back by ${from}`);
  if (!reopened?.next || !reopened.change) return undefined;
  // Its deadlines start again from the handover, as for a new assignment.
  const { reroutedFrom: _r, escalatedFrom: _e, ...rest } = reopened.next;
  const next = { ...rest, routedAt: at, ...origin };
  return {
    writes: [{ next, expectedRevision: current.revision }],
    events: [statusChanged(next, reopened.change, next.version), delivery],
  };
}
