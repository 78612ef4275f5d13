import * as z from 'zod';
import { PLATFORM_IDS } from '#core/engagement/platform-ids.js';
import { REPLY_EVENT_SOURCE, REPLY_EVENTS } from '#core/replies/reply-events.js';
import { REPLY_STATES } from '#core/replies/reply.js';
import { ReplyBodySchema } from '#core/replies/reply-request.schema.js';
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
    approvals: z.array(z.object({ entry: z.string(), approvers: z.string(), within: z.string().optional() })),
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

/** Put on the bus by a department: a reply to submit, the body of `POST …/replies`. */
export const ReplyRequestedEventSchema = eventEnvelope(
  REPLY_EVENTS.requested,
  z
    .string()
    .regex(/^switchboard\.department\.[a-z0-9-]+$/)
    .describe('switchboard.department.<department id>'),
  ReplyBodySchema,
).meta({ title: 'Reply Requested', description: 'Put on the Switchboard bus by a department to submit a reply.' });

/** Sent back to a department whose "Reply Requested" was refused, with what the API would have answered. */
export const ReplyRefusedEventSchema = schema(
  REPLY_EVENTS.refused,
  z.object({
    replyId: z.string().optional(),
    engagementId: z.string().optional(),
    department: z.string().min(1),
    statusCode: z.number().int(),
    error: z.string(),
    message: z.string(),
    violations: z
      .array(
        z.object({
          rule: z.string(),
          message: z.string(),
          start: z.number().int().optional(),
          end: z.number().int().optional(),
        }),
      )
      .optional(),
    at,
    departments: z.array(z.string().min(1)),
  }),
  'Reply Refused',
  'A "Reply Requested" that was not taken (a 422 names each violation): nothing was stored or sent.',
);
