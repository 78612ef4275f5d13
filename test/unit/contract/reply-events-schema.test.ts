import type { Engagement } from '#core/engagement/engagement.schema.js';
import { publishReply } from '#core/replies/publish-reply.js';
import type { PublishOutcome } from '#core/replies/publisher.js';
import { approvalPolicy, type Reply } from '#core/replies/reply.js';
import { decideApproval, submitReply } from '#core/replies/replies-api.js';
import { voiceChecker } from '#core/voice/check-reply.js';
import {
  ReplyApprovedEventSchema,
  ReplyFailedEventSchema,
  ReplyPublishedEventSchema,
  ReplyQueuedEventSchema,
  ReplyRejectedEventSchema,
  ReplySubmittedEventSchema,
} from '#events/schemas/replies.js';
import { MemoryLifecycleStore } from '#test-support/memory-lifecycle-store.js';
import { onTheBus } from '#test-support/on-the-bus.js';
import { MemoryReplyStore } from '#test-support/memory-reply-store.js';

const schemas = {
  'Reply Submitted': ReplySubmittedEventSchema,
  'Reply Approved': ReplyApprovedEventSchema,
  'Reply Rejected': ReplyRejectedEventSchema,
  'Reply Queued': ReplyQueuedEventSchema,
  'Reply Published': ReplyPublishedEventSchema,
  'Reply Failed': ReplyFailedEventSchema,
} as const;

describe('reply event contract', () => {
  it('every event a reply’s life publishes is valid against its JSON Schema', async () => {
    const replies = new MemoryReplyStore();
    const lifecycle = new MemoryLifecycleStore();
    const engagement = {
      id: 'x:1',
      platform: 'x',
      externalId: '1',
      kind: 'mention',
      text: 'i will sue you',
      intents: ['legal_risk'],
      author: { id: 'u', handle: 'u', name: 'U' },
    } as unknown as Engagement;
    replies.engagements.set('x:1', engagement);
    lifecycle.routed.set('x:1', { departments: ['care'], at: '2026-12-01T10:00:00.000Z' });
    const deps = {
      replies,
      lifecycle,
      voice: voiceChecker({ terms: [], disclosures: [], examples: { allowed: [], refused: [] }, templates: [] }),
      voicePolicy: undefined,
      approvals: approvalPolicy([
        { id: 'legal-risk', when: { engagement: { intents: ['legal_risk'] } }, approvers: 'legal' },
      ]),
      statusTokens: async () => ({ care: 'c', legal: 'l' }),
      now: () => new Date('2026-12-01T11:00:00.000Z'),
    };
    const post = (department: string, body: unknown) => ({
      department,
      authorization: `Bearer ${department === 'care' ? 'c' : 'l'}`,
      body: JSON.stringify(body),
    });
    for (const replyId of ['r-ok', 'r-no'])
      expect(
        (
          await submitReply(
            post('care', { engagementId: 'x:1', text: 'We are looking into it', replyId, author: { id: 'a' } }),
            deps,
          )
        ).statusCode,
      ).toBe(201);
    await decideApproval({ ...post('legal', { decision: 'approve', approver: { id: 'l1' } }), replyId: 'r-ok' }, deps);
    await decideApproval(
      { ...post('legal', { decision: 'reject', approver: { id: 'l1' }, note: 'no' }), replyId: 'r-no' },
      deps,
    );
    const outcomes: PublishOutcome[] = [{ kind: 'published', platformReplyId: '1800' }];
    const publishDeps = {
      replies,
      publisherFor: () => ({
        platform: 'x' as const,
        idempotent: false,
        secretKeys: [],
        publish: async () => outcomes.shift() ?? { kind: 'failed' as const, reason: 'refused the reply (403)' },
      }),
      secretFor: async () => ({}),
      settings: () => ({}),
      responded: async () => undefined,
      fetch,
      now: () => new Date('2026-12-01T11:01:00.000Z'),
    };
    await publishReply('r-ok', publishDeps);
    const failing: Reply = {
      ...(await replies.get('r-ok'))!,
      id: 'r-fail',
      state: 'queued',
      attempt: undefined,
      revision: 1,
    };
    replies.replies.set('r-fail', failing);
    await publishReply('r-fail', publishDeps);

    const types = new Set(replies.events.map((e) => e.detailType));
    expect([...types].sort()).toEqual(Object.keys(schemas).sort());
    for (const e of replies.events) {
      const result = schemas[e.detailType as keyof typeof schemas].safeParse(onTheBus(e));
      expect({ type: e.detailType, issues: result.error?.issues ?? [] }).toEqual({ type: e.detailType, issues: [] });
    }
  });
});
