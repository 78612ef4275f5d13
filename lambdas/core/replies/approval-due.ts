import { LIFECYCLE_EVENTS } from '../assignments/status-report.schema.js';
import { parseDurationMs } from '../config/duration.js';
import type { OutboxEvent } from '../lifecycle/ports/lifecycle-store.js';
import type { ReplyStore } from './ports/reply-store.js';
import { REPLY_EVENT_SOURCE, REPLY_EVENTS } from './reply-events.js';

/**
 * Approvals that wait too long (docs/replies.md, "Approvals"): an `approval:` entry with
 * `within` gives the approving department that long from submission. A timer per such approval
 * starts when the reply is submitted (from its "Reply Submitted" event, as SLA timers start from
 * "Engagement Routed"); when it fires and the department has still not decided, "SLA Breached"
 * `{ sla: approval }` is published once, in the reply's audit chain, for the approving department.
 */

/** One approval's deadline. */
export interface ApprovalTimer {
  replyId: string;
  engagementId: string;
  /** The approving department. */
  approvers: string;
  entry: string;
  dueAt: string;
}

/** One-time timers that come back as `{ "approvalDue": … }` (EventBridge Scheduler, as SLA timers). */
export interface ApprovalTimers {
  start(timers: ApprovalTimer[]): Promise<void>;
}

/** What a fired approval timer sends. */
export const approvalDueMessage = (timer: ApprovalTimer): string => JSON.stringify({ approvalDue: timer });

/** A timer fired before its time (Scheduler rounds to the second): the message must come back. */
export class EarlyApprovalTimerError extends Error {}

/** What handling one tracker message as an approval matter came to; undefined: not one. */
export type ApprovalOutcome =
  | { kind: 'approval-timers'; started: number }
  | { kind: 'approval-due'; outcome: 'breached' | 'met' | 'missing' };

/** What it needs. */
export interface ApprovalDueDependencies {
  replies: ReplyStore;
  timers: ApprovalTimers;
  now(): Date;
}

/**
 * A tracker message, if it is an approval matter: a "Reply Submitted" that waits for approvals
 * with a deadline (its timers start), or an approval timer that fired (checked, and breached
 * if the department has not decided).
 */
export async function handleApprovalMessage(
  message: Record<string, unknown>,
  deps: ApprovalDueDependencies,
): Promise<ApprovalOutcome | undefined> {
  if (message.approvalDue && typeof message.approvalDue === 'object')
    return { kind: 'approval-due', outcome: await approvalDue(message.approvalDue as ApprovalTimer, deps) };
  if (message['detail-type'] !== REPLY_EVENTS.submitted || message.source !== REPLY_EVENT_SOURCE) return undefined;
  const detail = message.detail as {
    replyId: string;
    engagementId: string;
    at: string;
    approvals?: { entry: string; approvers: string; within?: string }[];
  };
  const timers = (detail.approvals ?? []).flatMap((a) => {
    const ms = a.within ? parseDurationMs(a.within) : undefined;
    return ms === undefined
      ? []
      : [
          {
            replyId: detail.replyId,
            engagementId: detail.engagementId,
            approvers: a.approvers,
            entry: a.entry,
            dueAt: new Date(Date.parse(detail.at) + ms).toISOString(),
          },
        ];
  });
  if (timers.length > 0) await deps.timers.start(timers);
  return { kind: 'approval-timers', started: timers.length };
}

/** A fired approval timer: breached once if the department has not decided and the reply still waits. */
async function approvalDue(
  timer: ApprovalTimer,
  deps: ApprovalDueDependencies,
): Promise<'breached' | 'met' | 'missing'> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const reply = await deps.replies.get(timer.replyId);
    if (!reply) return 'missing';
    const index = reply.approvals.findIndex((a) => a.entry === timer.entry && a.approvers === timer.approvers);
    const need = reply.approvals[index];
    if (!need || need.decision || need.breachedAt || reply.state !== 'pending_approval') return 'met';
    const now = deps.now();
    if (now.getTime() < Date.parse(timer.dueAt))
      throw new EarlyApprovalTimerError(`approval of ${timer.replyId} is due at ${timer.dueAt}`);
    const breachedAt = now.toISOString();
    const approvals = reply.approvals.map((a, i) => (i === index ? { ...a, breachedAt } : a));
    const event: OutboxEvent = {
      engagementId: reply.engagementId,
      key: `${breachedAt}#reply#${reply.id}#${timer.entry}#approval-breached`,
      at: breachedAt,
      source: LIFECYCLE_EVENTS.slaBreached.source,
      detailType: LIFECYCLE_EVENTS.slaBreached.detailType,
      detail: {
        engagementId: reply.engagementId,
        department: timer.approvers,
        sla: 'approval',
        dueAt: timer.dueAt,
        breachedAt,
        replyId: reply.id,
        entry: timer.entry,
      },
    };
    if (
      (await deps.replies.update({ ...reply, approvals, revision: reply.revision + 1 }, reply.revision, [event])) ===
      'updated'
    )
      return 'breached';
  }
  throw new Error(`reply ${timer.replyId} kept changing; the approval timer comes back`);
}
