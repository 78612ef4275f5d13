import type { Engagement } from '../engagement/engagement.schema.js';
import { SLA_KINDS, slaDeadlines } from '../routing/sla.js';
import type { SlaTimer } from './ports/sla-timers.js';
import type { LifecycleDependencies } from './report-status.js';
import { slaDue } from './sla-due.js';

/**
 * An engagement reached its departments ("Engagement Routed"): each department's SLA deadlines
 * start. They count from `receivedAt` for the first routing (as `routing.slaDueAt` does) and from
 * the handover or escalation for a delivery that names where it came from. A deadline already
 * past (the event waited in a queue) is handled at once rather than given a timer. Replayed
 * deliveries start nothing: their engagements were handled when they first arrived.
 */
export async function trackRouted(
  engagement: Engagement,
  deps: LifecycleDependencies & { timers: NonNullable<LifecycleDependencies['timers']> },
): Promise<{ started: SlaTimer[]; dueNow: SlaTimer[] }> {
  if (engagement.routing.replayed) return { started: [], dueNow: [] };
  const handedOn = engagement.routing.reroutedFrom ?? engagement.routing.escalatedFrom;
  const timers: SlaTimer[] = [];
  for (const id of engagement.routing.departments) {
    const department = deps.departments.find((d) => d.id === id);
    if (!department?.sla) continue;
    let from = Date.parse(engagement.receivedAt);
    if (handedOn) {
      const assignment = await deps.store.read(engagement.id, id);
      if (!assignment) continue;
      from = Date.parse(assignment.routedAt);
    }
    // Routed during a crisis: its deadlines are the playbook's shorter ones, as routing said.
    const due = slaDeadlines(department, from, engagement.routing.crisis ? (deps.crisisSlaFactor ?? 1) : 1);
    for (const sla of SLA_KINDS) {
      const dueAt = due[sla];
      if (dueAt) timers.push({ engagementId: engagement.id, department: id, sla, dueAt });
    }
  }
  const now = deps.now().getTime();
  const dueNow = timers.filter((t) => Date.parse(t.dueAt) <= now);
  const started = timers.filter((t) => Date.parse(t.dueAt) > now);
  if (started.length > 0) await deps.timers.start(started);
  for (const t of dueNow) await slaDue(t, deps);
  return { started, dueNow };
}
