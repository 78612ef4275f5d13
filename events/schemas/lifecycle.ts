import * as z from 'zod';
import { ASSIGNMENT_STATES } from '#core/assignments/assignment.js';
import { LIFECYCLE_EVENTS, StatusReportBodySchema } from '#core/assignments/status-report.schema.js';
import { eventEnvelope } from './envelope.js';
import { ENGAGEMENT_ERASED } from '#core/lifecycle/erase.js';

/**
 * The lifecycle's events exactly as they cross the bus or reach a department's queue: the
 * EventBridge envelope with the detail the contract fixes (docs/design.md, "Lifecycle" and "SLAs
 * and escalation"). Their JSON Schemas next to this file are generated from these.
 */
const at = z.iso.datetime({ offset: true });
const actor = z.object({ id: z.string().min(1), name: z.string().optional() });
const state = z.enum(ASSIGNMENT_STATES);

/** A department's report on the bus: `source` names the department, `detail` is the report body. */
export const StatusReportedEventSchema = eventEnvelope(
  LIFECYCLE_EVENTS.statusReported.detailType,
  z
    .string()
    .regex(/^switchboard\.department\.[a-z0-9-]+$/)
    .describe('switchboard.department.<department id>'),
  StatusReportBodySchema,
).meta({ title: 'Status Reported', description: 'Put on the Switchboard bus by a department to report a status.' });

/** Published for every applied change of an assignment. */
export const EngagementStatusChangedEventSchema = eventEnvelope(
  LIFECYCLE_EVENTS.statusChanged.detailType,
  z.literal(LIFECYCLE_EVENTS.statusChanged.source),
  z.object({
    engagementId: z.string().min(1),
    department: z.string().min(1),
    from: state,
    to: state,
    at,
    reportId: z.string().optional(),
    actor: actor.optional(),
    note: z.string().optional(),
  }),
).meta({
  title: 'Engagement Status Changed',
  description: 'Published by Switchboard when an assignment changes state.',
});

/** Sent back to the reporting department's queue for a report that was refused. */
export const StatusRejectedEventSchema = eventEnvelope(
  LIFECYCLE_EVENTS.statusRejected.detailType,
  z.literal(LIFECYCLE_EVENTS.statusRejected.source),
  z.object({ reportId: z.string(), engagementId: z.string(), department: z.string(), reason: z.string() }),
).meta({ title: 'Status Rejected', description: "A department's report over the bus that was not applied, and why." });

/** Published once per missed deadline. */
export const SlaBreachedEventSchema = eventEnvelope(
  LIFECYCLE_EVENTS.slaBreached.detailType,
  z.literal(LIFECYCLE_EVENTS.slaBreached.source),
  z.object({
    engagementId: z.string().min(1),
    department: z.string().min(1),
    sla: z
      .enum(['firstResponse', 'resolution', 'approval'])
      .describe('approval: a reply waited longer than its approval entry allows (`department` is the approving one)'),
    dueAt: at,
    breachedAt: at,
    escalatedTo: z.string().optional(),
    replyId: z.string().optional().describe('with sla approval: the reply that waits'),
    entry: z.string().optional().describe('with sla approval: the approval entry'),
  }),
).meta({
  title: 'SLA Breached',
  description: 'Published by Switchboard once when an assignment misses an SLA deadline.',
});

/** Sent to each department that received an engagement erased on its author's request. */
export const EngagementErasedEventSchema = eventEnvelope(
  ENGAGEMENT_ERASED.detailType,
  z.literal(ENGAGEMENT_ERASED.source),
  z.object({
    engagementId: z.string().min(1),
    author: z.string().min(1).describe('<platform>:<author id> whose data was erased'),
    at,
    departments: z.array(z.string().min(1)).describe('the departments that received it'),
  }),
).meta({
  title: 'Engagement Erased',
  description: "Published by Switchboard when an engagement's personal data was erased; erase your copy.",
});
