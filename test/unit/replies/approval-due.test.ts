import { type ApprovalTimer, EarlyApprovalTimerError, handleApprovalMessage } from '#core/replies/approval-due.js';
import type { Reply } from '#core/replies/reply.js';
import { MemoryReplyStore } from '#test-support/memory-reply-store.js';

const pending: Reply = {
  id: 'r-1',
  engagementId: 'x:1',
  department: 'care',
  platform: 'x',
  text: 'ok',
  author: { id: 'a' },
  state: 'pending_approval',
  submittedAt: '2026-12-06T10:00:00.000Z',
  at: '2026-12-06T10:00:00.000Z',
  checks: [],
  approvals: [{ entry: 'legal-risk', approvers: 'legal', within: 'PT4H' }],
  revision: 1,
};
const timer: ApprovalTimer = {
  replyId: 'r-1',
  engagementId: 'x:1',
  approvers: 'legal',
  entry: 'legal-risk',
  dueAt: '2026-12-06T14:00:00.000Z',
};

function setup(reply: Reply, now: string) {
  const replies = new MemoryReplyStore();
  replies.replies.set(reply.id, reply);
  const started: ApprovalTimer[] = [];
  const deps = {
    replies,
    timers: { start: async (t: ApprovalTimer[]) => void started.push(...t) },
    now: () => new Date(now),
  };
  return { replies, started, deps };
}

describe('approval deadlines', () => {
  it('start from "Reply Submitted" for each approval with a deadline', async () => {
    const { started, deps } = setup(pending, '2026-12-06T10:00:01.000Z');
    const submitted = {
      source: 'switchboard',
      'detail-type': 'Reply Submitted',
      detail: {
        replyId: 'r-1',
        engagementId: 'x:1',
        at: '2026-12-06T10:00:00.000Z',
        approvals: [
          { entry: 'legal-risk', approvers: 'legal', within: 'PT4H' },
          { entry: 'b', approvers: 'comms' },
        ],
      },
    };
    expect(await handleApprovalMessage(submitted, deps)).toEqual({ kind: 'approval-timers', started: 1 });
    expect(started).toEqual([timer]);
    expect(await handleApprovalMessage({ 'detail-type': 'Status Reported' }, deps)).toBeUndefined();
  });

  it('breach once when the department has not decided in time', async () => {
    const { replies, deps } = setup(pending, '2026-12-06T14:00:02.000Z');
    expect(await handleApprovalMessage({ approvalDue: timer }, deps)).toEqual({
      kind: 'approval-due',
      outcome: 'breached',
    });
    expect(replies.events).toEqual([
      expect.objectContaining({
        detailType: 'SLA Breached',
        detail: expect.objectContaining({ sla: 'approval', department: 'legal', replyId: 'r-1' }),
      }),
    ]);
    expect(await handleApprovalMessage({ approvalDue: timer }, deps)).toEqual({ kind: 'approval-due', outcome: 'met' });
    expect(replies.events).toHaveLength(1);
  });

  it('are met by a decision, and a timer that fires early comes back', async () => {
    const decided = {
      ...pending,
      approvals: [
        { ...pending.approvals[0]!, decision: { decision: 'approve' as const, approver: { id: 'l' }, at: 'x' } },
      ],
    };
    expect(
      await handleApprovalMessage({ approvalDue: timer }, setup(decided, '2026-12-06T15:00:00.000Z').deps),
    ).toEqual({
      kind: 'approval-due',
      outcome: 'met',
    });
    await expect(
      handleApprovalMessage({ approvalDue: timer }, setup(pending, '2026-12-06T13:59:59.000Z').deps),
    ).rejects.toThrow(EarlyApprovalTimerError);
  });
});
