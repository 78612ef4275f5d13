import * as z from 'zod/mini';
// English issue messages: zod's mini API sets no locale of its own, and this module configures it.
import '../engagement/engagement.schema.js';
import { DEPARTMENT_STATUSES } from './assignment.js';

/**
 * The body a department reports a status with, over HTTPS or as the `detail` of a "Status
 * Reported" event on the bus (docs/design.md, "Lifecycle"). The department itself comes from
 * its token or its event source, never from the body.
 */
export const StatusReportBodySchema = z.strictObject({
  engagementId: z.string().check(z.minLength(1), z.maxLength(600)),
  status: z.enum(DEPARTMENT_STATUSES),
  /** The department's idempotency key: a repeat answers as the first time. */
  reportId: z.string().check(z.minLength(1), z.maxLength(200)),
  at: z.optional(z.iso.datetime({ offset: true })),
  note: z.optional(z.string().check(z.maxLength(2_000))),
  /** The department a `rerouted` hands over to. */
  to: z.optional(z.string().check(z.minLength(1))),
  actor: z.optional(z.strictObject({ id: z.string().check(z.minLength(1)), name: z.optional(z.string()) })),
});

/** See {@link StatusReportBodySchema}. */
export type StatusReportBody = z.infer<typeof StatusReportBodySchema>;

/** Envelopes of the lifecycle's events: who publishes them and under which detail type. */
export const LIFECYCLE_EVENTS = {
  statusReported: { sourcePrefix: 'switchboard.department.', detailType: 'Status Reported' },
  statusChanged: { source: 'switchboard', detailType: 'Engagement Status Changed' },
  statusRejected: { source: 'switchboard', detailType: 'Status Rejected' },
  slaBreached: { source: 'switchboard', detailType: 'SLA Breached' },
} as const;
