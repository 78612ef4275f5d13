import type { OutboxEvent } from '../lifecycle/ports/lifecycle-store.js';
import type { Reply } from './reply.js';

/**
 * The events of a reply's life (docs/replies.md). Each is an outbox event in the engagement's
 * audit chain, written in the same transaction as the change it reports: together they are the
 * reply's outbound record (who drafted it, what the checks said, who approved, what was sent,
 * the platform's id, when). The chain hashes them without the reply's text, which an erasure
 * may scrub (lambdas/core/audit/chain.ts).
 */
export const REPLY_EVENTS = {
  submitted: 'Reply Submitted',
  approved: 'Reply Approved',
  rejected: 'Reply Rejected',
  /** Read by the bus rule that hands a reply to the publisher's queue. */
  queued: 'Reply Queued',
  published: 'Reply Published',
  failed: 'Reply Failed',
  /** Put on the bus by a department (source `switchboard.department.<id>`): a reply to submit. */
  requested: 'Reply Requested',
  /** Sent back to the department whose "Reply Requested" was refused, and why. */
  refused: 'Reply Refused',
} as const;

/** Every reply event's source. */
export const REPLY_EVENT_SOURCE = 'switchboard';

const event = (
  reply: Reply,
  detailType: string,
  key: string,
  at: string,
  detail: Record<string, unknown>,
): OutboxEvent => ({
  engagementId: reply.engagementId,
  key: `${at}#reply#${reply.id}#${key}`,
  at,
  source: REPLY_EVENT_SOURCE,
  detailType,
  // `departments` lets a department's bus rule deliver it to the replying department's queue.
  detail: {
    replyId: reply.id,
    engagementId: reply.engagementId,
    department: reply.department,
    ...detail,
    at,
    departments: [reply.department],
  },
});

/** "Reply Submitted": the draft as checked, who wrote it, and what it waits for. */
export function replySubmitted(reply: Reply): OutboxEvent {
  return event(reply, REPLY_EVENTS.submitted, 'submitted', reply.submittedAt, {
    platform: reply.platform,
    author: reply.author,
    text: reply.text,
    checks: reply.checks,
    state: reply.state,
    approvals: reply.approvals.map((a) => ({
      entry: a.entry,
      approvers: a.approvers,
      ...(a.within ? { within: a.within } : {}),
    })),
  });
}

/** "Reply Approved" / "Reply Rejected": one department's decision, by whom, with their note. */
export function replyDecided(reply: Reply, department: string, at: string): OutboxEvent {
  const need = reply.approvals.find((a) => a.approvers === department && a.decision?.at === at);
  const rejected = need?.decision?.decision === 'reject';
  return event(reply, rejected ? REPLY_EVENTS.rejected : REPLY_EVENTS.approved, `${department}#decided`, at, {
    approvingDepartment: department,
    approver: need?.decision?.approver,
    ...(need?.decision?.note !== undefined ? { note: need.decision.note } : {}),
    entries: reply.approvals.filter((a) => a.approvers === department).map((a) => a.entry),
    state: reply.state,
  });
}

/** "Reply Queued": the reply may go; the publisher's queue gets it from the bus. */
export function replyQueued(reply: Reply, at: string): OutboxEvent {
  return event(reply, REPLY_EVENTS.queued, 'queued', at, { platform: reply.platform });
}

/** "Reply Published" (docs/design.md): `{ replyId, engagementId, department, platform, platformReplyId, at }`. */
export function replyPublished(reply: Reply, at: string): OutboxEvent {
  return event(reply, REPLY_EVENTS.published, 'published', at, {
    platform: reply.platform,
    platformReplyId: reply.platformReplyId ?? '',
    attempts: reply.attempt?.count ?? 1,
  });
}

/** "Reply Failed": why; `uncertain` when it may have been posted and a person must look. */
export function replyFailed(reply: Reply, at: string, uncertain = false): OutboxEvent {
  return event(reply, REPLY_EVENTS.failed, 'failed', at, {
    platform: reply.platform,
    reason: reply.failure ?? 'unknown',
    ...(uncertain ? { uncertain: true } : {}),
    attempts: reply.attempt?.count ?? 0,
  });
}
