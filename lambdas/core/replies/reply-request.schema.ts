import * as z from 'zod';

const person = z.strictObject({
  id: z.string().trim().min(1, 'must not be empty').max(200),
  name: z.string().max(200).optional(),
});

/** `POST /departments/<id>/replies` (docs/design.md, "Engaging back"). */
export const ReplyBodySchema = z.strictObject({
  engagementId: z.string().min(3).max(500),
  text: z.string().trim().min(1, 'must not be empty').max(20_000),
  /** The department's idempotency key: the same one again answers the stored reply. */
  replyId: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1-128 letters, digits, dots, dashes, colons or underscores'),
  author: person,
});

/** `POST /departments/<id>/approvals/<replyId>`. */
export const ApprovalBodySchema = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  approver: person,
  note: z.string().max(2_000).optional(),
});

/** `POST /departments/<id>/replies/suggest`. */
export const SuggestBodySchema = z.strictObject({ engagementId: z.string().min(3).max(500) });

/** A zod error as one message naming every problem and where. */
export const problems = (error: z.ZodError): string =>
  error.issues.map((i) => `${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ');
