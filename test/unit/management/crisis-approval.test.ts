import { parseConfig } from '#core/config/load-config.js';
import type { Engagement } from '#core/engagement/engagement.schema.js';
import { approvalPolicy } from '#core/replies/reply.js';
import { decideApproval, type RepliesDependencies, submitReply } from '#core/replies/replies-api.js';
import type { ActiveCrisis } from '#core/routing/crisis-playbook.js';
import { voiceChecker } from '#core/voice/check-reply.js';
import { MemoryLifecycleStore } from '#test-support/memory-lifecycle-store.js';
import { MemoryReplyStore } from '#test-support/memory-reply-store.js';

const { config } = parseConfig(
  `
departments:
  - { id: care, name: Care }
  - { id: legal, name: Legal }
  - { id: crisis-room, name: Crisis room }
defaultDepartment: care
approval:
  - { id: lawyers, when: { reply: { keywords: [lawyer] } }, approvers: legal, within: PT1H }
  - { id: recalls, when: { reply: { keywords: [recall] } }, approvers: crisis-room }
crisis: { team: crisis-room, when: { keywords: [battery] }, approvalsRequired: true }
`,
  'crisis-approval.yaml',
);

const engagement: Engagement = {
  id: 'x:1',
  platform: 'x',
  externalId: '1',
  kind: 'mention',
  text: 'my battery caught fire',
  language: 'en',
  intents: ['complaint'],
  keywords: ['battery', 'fire'],
  sentiment: { label: 'negative', score: -0.8 },
  author: { id: 'u-1', handle: 'jo', name: 'Jo' },
  createdAt: '2026-12-01T10:00:00.000Z',
  receivedAt: '2026-12-01T10:00:01.000Z',
  routing: { departments: ['care'], rules: [], priority: 'normal', configVersion: 'v1', crisis: 'c1' },
};

function setup(crisis: ActiveCrisis | undefined | 'no playbook') {
  const replies = new MemoryReplyStore();
  const lifecycle = new MemoryLifecycleStore();
  replies.engagements.set('x:1', engagement);
  lifecycle.routed.set('x:1', { departments: ['care'], at: '2026-12-01T10:00:01.000Z' });
  let asked = 0;
  const deps: RepliesDependencies = {
    replies,
    lifecycle,
    voice: voiceChecker(undefined),
    voicePolicy: undefined,
    approvals: approvalPolicy(config.approval),
    ...(crisis === 'no playbook'
      ? {}
      : {
          crisisApproval: {
            team: config.crisis?.team ?? '',
            active: async () => {
              asked++;
              return crisis;
            },
          },
        }),
    statusTokens: async () => ({ care: 'care-token', legal: 'legal-token', 'crisis-room': 'crisis-token' }),
    now: () => new Date('2026-12-01T11:00:00.000Z'),
  };
  return { deps, replies, asked: () => asked };
}

const reply = (text: string, replyId = 'r-1') => ({
  department: 'care',
  authorization: 'Bearer care-token',
  body: JSON.stringify({ engagementId: 'x:1', replyId, text, author: { id: 'agent-7', name: 'Sam' } }),
});

describe('replies while crisis mode is on', () => {
  it('holds a reply that would be queued for approval by the crisis team', async () => {
    const { deps, replies } = setup({ crisisId: 'c1' });
    const res = await submitReply(reply('So sorry, please DM us your order number.'), deps);
    expect(res).toEqual({ statusCode: 201, body: { replyId: 'r-1', state: 'pending_approval', checks: [] } });
    expect(replies.replies.get('r-1')).toMatchObject({
      state: 'pending_approval',
      approvals: [{ entry: 'crisis', approvers: 'crisis-room' }],
    });
    expect(replies.events.map((e) => e.detailType)).toEqual(['Reply Submitted']);
    expect(replies.events[0]?.detail).toMatchObject({
      state: 'pending_approval',
      approvals: [{ entry: 'crisis', approvers: 'crisis-room' }],
    });
  });

  it('queues it as usual when crisis mode is off', async () => {
    const { deps, replies } = setup(undefined);
    const res = await submitReply(reply('So sorry, please DM us your order number.'), deps);
    expect(res.body).toMatchObject({ state: 'queued' });
    expect(replies.replies.get('r-1')?.approvals).toEqual([]);
    expect(replies.events.map((e) => e.detailType)).toEqual(['Reply Submitted', 'Reply Queued']);
  });

  it('queues it as usual when the playbook asks for no approvals', async () => {
    const { deps } = setup('no playbook');
    expect((await submitReply(reply('So sorry, please DM us.'), deps)).body).toMatchObject({ state: 'queued' });
  });

  it('adds the crisis team to the approvals the config asks for', async () => {
    const { deps, replies } = setup({ crisisId: 'c1' });
    await submitReply(reply('Our lawyer will call you.'), deps);
    expect(replies.replies.get('r-1')?.approvals).toEqual([
      { entry: 'lawyers', approvers: 'legal', within: 'PT1H' },
      { entry: 'crisis', approvers: 'crisis-room' },
    ]);
  });

  it('does not ask the crisis team twice when an entry needs it already', async () => {
    const { deps, replies } = setup({ crisisId: 'c1' });
    await submitReply(reply('About the recall: DM us.'), deps);
    expect(replies.replies.get('r-1')?.approvals).toEqual([{ entry: 'recalls', approvers: 'crisis-room' }]);
  });

  it('lets the crisis team approve the reply, which queues it', async () => {
    const { deps, replies } = setup({ crisisId: 'c1' });
    await submitReply(reply('So sorry, please DM us.'), deps);
    const decided = await decideApproval(
      {
        department: 'crisis-room',
        authorization: 'Bearer crisis-token',
        replyId: 'r-1',
        body: JSON.stringify({ decision: 'approve', approver: { id: 'lead-1' } }),
      },
      deps,
    );
    expect(decided).toEqual({ statusCode: 200, body: { replyId: 'r-1', state: 'queued' } });
    expect(replies.events.map((e) => e.detailType)).toEqual(['Reply Submitted', 'Reply Approved', 'Reply Queued']);
  });

  it('answers a repeated submission with the stored reply, not asking again', async () => {
    const { deps, asked } = setup({ crisisId: 'c1' });
    await submitReply(reply('So sorry, please DM us.'), deps);
    const again = await submitReply(reply('So sorry, please DM us.'), deps);
    expect(again).toEqual({ statusCode: 200, body: { replyId: 'r-1', state: 'pending_approval', checks: [] } });
    expect(asked()).toBe(1);
  });
});
