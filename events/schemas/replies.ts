import * as z from 'zod';
import { PLATFORM_IDS } from '#core/engagement/platform-ids.js';
import { REPLY_EVENT_SOURCE, REPLY_EVENTS } from '#core/replies/reply-events.js';
import { REPLY_STATES } from '#core/replies/reply.js';
import { eventEnvelope } from './envelope.js';

/**
 * The events of a reply's life, as they cross the bus (docs/replies.md). Their JSON Schemas next
 * to this file are generated from these. Every detail names the reply, its engagement and the
 * replying department (also as `departments`, which the department's bus rule reads), and when.
 */
const at = z.iso.datetime({ offset: true });
const person = z.object({ id: z.string().min(1), name: z.string().optional() });
const common = {
  replyId: z.string().min(1),
  engagementId: z.string().min(1),
  department: z.string().min(1).describe('the replying department'),
  at,
  departments: z.array(z.string().min(1)).describe('[department]: where the department bus rule delivers it'),
};
const platform = z.enum(PLATFORM_IDS);
const check = z.object({
  rule: z.string().min(1),
  ok: z.boolean(),
  severity: z.enum(['refuse', 'warn']).optional(),
  message: z.string().optional(),
  start: z.number().int().nonnegative().optional(),
  end: z.number().int().nonnegative().optional(),
});

const schema = (detailType: string, detail: z.ZodObject, title: string, description: string) =>
  eventEnvelope(detailType, z.literal(REPLY_EVENT_SOURCE), detail).meta({ title, description });

export const ReplySubmittedEventSchema = schema(
  REPLY_EVENTS.submitted,
  z.object({
    ...common,
    platform,
    author: person,
    text: z.string(),
    checks: z.array(check),
    state: z.enum(REPLY_STATES),
    approvals: z.array(z.object({ entry: z.string(), approvers: z.string() })),
  }),
  'Reply Submitted',
  'A department submitted a reply that passed the voice policy: its checks and the approvals it waits for.',
);

const decided = z.object({
  ...common,
  approvingDepartment: z.string().min(1),
  approver: person,
  note: z.string().optional(),
  entries: z.array(z.string()),
  state: z.enum(REPLY_STATES),
});
export const ReplyApprovedEventSchema = schema(
  REPLY_EVENTS.approved,
  decided,
  'Reply Approved',
  'An approver approved a pending reply.',
);
export const ReplyRejectedEventSchema = schema(
  REPLY_EVENTS.rejected,
  decided,
  'Reply Rejected',
  'An approver rejected a pending reply; it is final.',
);
export const ReplyQueuedEventSchema = schema(
  REPLY_EVENTS.queued,
  z.object({ ...common, platform }),
  'Reply Queued',
  'A reply may go: the publisher queue receives it from the bus.',
);
export const ReplyPublishedEventSchema = schema(
  REPLY_EVENTS.published,
  z.object({ ...common, platform, platformReplyId: z.string(), attempts: z.number().int().positive() }),
  'Reply Published',
  "A reply was posted on its platform, once: the platform's id of it.",
);
export const ReplyFailedEventSchema = schema(
  REPLY_EVENTS.failed,
  z.object({
    ...common,
    platform,
    reason: z.string(),
    uncertain: z.literal(true).optional(),
    attempts: z.number().int().nonnegative(),
  }),
  'Reply Failed',
  'A reply could not be posted; `uncertain` when it may have been, for a person to check on the platform.',
);
