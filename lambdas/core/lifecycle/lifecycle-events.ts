import type { Assignment, AssignmentEvent } from '../assignments/assignment.js';
import { LIFECYCLE_EVENTS } from '../assignments/status-report.schema.js';
import { ENGAGEMENT_ROUTED } from '../engagement/engagement-routed.js';
import type { Engagement, Priority } from '../engagement/engagement.schema.js';
import type { SlaKind } from '../routing/sla.js';
import type { OutboxEvent } from './ports/lifecycle-store.js';

/**
 * The events a lifecycle change publishes, as outbox entries (docs/design.md, "Lifecycle" and
 * "SLAs and escalation"). Keys are made from what the change is, so computing the same change
 * again gives the same key.
 */

/** "Engagement Status Changed" for one applied change of an assignment. */
export function statusChanged(assignment: Assignment, change: AssignmentEvent, version: number): OutboxEvent {
  return {
    engagementId: assignment.engagementId,
    key: `${change.at}#${assignment.department}#v${version}#status`,
    at: change.at,
    source: LIFECYCLE_EVENTS.statusChanged.source,
    detailType: LIFECYCLE_EVENTS.statusChanged.detailType,
    detail: {
      engagementId: assignment.engagementId,
      department: assignment.department,
      from: change.from,
      to: change.to,
      at: change.at,
      ...(change.reportId !== undefined ? { reportId: change.reportId } : {}),
      ...(change.actor ? { actor: change.actor } : {}),
      ...(change.note !== undefined ? { note: change.note } : {}),
    },
  };
}

/** "SLA Breached", once per missed deadline. */
export function slaBreached(
  assignment: Assignment,
  sla: SlaKind,
  dueAt: string,
  breachedAt: string,
  escalatedTo: string | undefined,
): OutboxEvent {
  return {
    engagementId: assignment.engagementId,
    key: `${breachedAt}#${assignment.department}#breach-${sla}`,
    at: breachedAt,
    source: LIFECYCLE_EVENTS.slaBreached.source,
    detailType: LIFECYCLE_EVENTS.slaBreached.detailType,
    detail: {
      engagementId: assignment.engagementId,
      department: assignment.department,
      sla,
      dueAt,
      breachedAt,
      ...(escalatedTo ? { escalatedTo } : {}),
    },
  };
}

/**
 * The "Engagement Routed" delivery of a handed-over or escalated engagement: the engagement as
 * published, with `routing.departments` the one new department and where it came from.
 */
export function routedAgain(
  engagement: Engagement,
  to: string,
  at: string,
  origin: { reroutedFrom: string } | { escalatedFrom: string },
  options: { priority?: Priority; slaDueAt?: string } = {},
): OutboxEvent {
  // Only this hop's origin: a delivery names the department it came from, not the whole chain
  // (the chain is in the assignments' history).
  const {
    slaDueAt: _previous,
    trial: _trial,
    replayed: _replayed,
    reroutedFrom: _rerouted,
    escalatedFrom: _escalated,
    ...routing
  } = engagement.routing;
  return {
    engagementId: engagement.id,
    key: `${at}#${to}#routed`,
    at,
    source: ENGAGEMENT_ROUTED.source,
    detailType: ENGAGEMENT_ROUTED.detailType,
    detail: {
      ...engagement,
      routing: {
        ...routing,
        departments: [to],
        priority: options.priority ?? routing.priority,
        ...(options.slaDueAt ? { slaDueAt: options.slaDueAt } : {}),
        ...origin,
      },
    },
  };
}
