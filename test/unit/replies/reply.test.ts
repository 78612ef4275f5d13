import { approvalPolicy, approvalSubject, decide, type Reply } from '#core/replies/reply.js';

const pending: Reply = {
  id: 'r-1',
  engagementId: 'x:1',
  department: 'care',
  platform: 'x',
  text: 'We are on it',
  author: { id: 'agent-7' },
  state: 'pending_approval',
  submittedAt: '2026-12-06T10:00:00.000Z',
  at: '2026-12-06T10:00:00.000Z',
  checks: [],
  approvals: [
    { entry: 'legal-risk', approvers: 'legal' },
    { entry: 'big-voices', approvers: 'communications' },
  ],
  revision: 1,
};
const at = '2026-12-06T11:00:00.000Z';

describe('approval', () => {
  const policy = approvalPolicy([
    { id: 'legal-risk', when: { engagement: { intents: ['legal_risk'] } }, approvers: 'legal', within: 'PT4H' },
    { id: 'promo', when: { reply: { keywords: ['discount'] } }, approvers: 'sales' },
  ]);

  it('needs every entry whose pattern matches the engagement, the reply or the department', () => {
    const draft = {
      id: 'r',
      text: 'A discount for you',
      platform: 'x' as const,
      author: { id: 'a' },
      department: 'care',
    };
    expect(policy.needs(approvalSubject({ intents: ['legal_risk'] }, draft))).toEqual([
      { entry: 'legal-risk', approvers: 'legal', within: 'PT4H' },
      { entry: 'promo', approvers: 'sales' },
    ]);
    expect(policy.needs(approvalSubject({ intents: ['praise'] }, { ...draft, text: 'Thanks!' }))).toEqual([]);
  });

  it('queues the reply once every department approved, keeping the last approver', () => {
    const first = decide(pending, 'legal', { decision: 'approve', approver: { id: 'lee' } }, at);
    expect('next' in first && first.next.state).toBe('pending_approval');
    if (!('next' in first)) throw new Error('refused');
    const second = decide(first.next, 'communications', { decision: 'approve', approver: { id: 'cam' } }, at);
    expect('next' in second && second.next).toMatchObject({ state: 'queued', approver: { id: 'cam' }, revision: 3 });
  });

  it('rejects the reply on any rejection, for good', () => {
    const rejected = decide(pending, 'legal', { decision: 'reject', approver: { id: 'lee' }, note: 'too risky' }, at);
    if (!('next' in rejected)) throw new Error('refused');
    expect(rejected.next.state).toBe('rejected');
    expect(decide(rejected.next, 'communications', { decision: 'approve', approver: { id: 'cam' } }, at)).toMatchObject(
      {
        statusCode: 409,
      },
    );
  });

  it('refuses the author (four eyes) and departments no entry names', () => {
    expect(decide(pending, 'legal', { decision: 'approve', approver: { id: 'agent-7' } }, at)).toMatchObject({
      statusCode: 403,
      error: 'own_reply',
    });
    expect(decide(pending, 'sales', { decision: 'approve', approver: { id: 'sal' } }, at)).toMatchObject({
      statusCode: 403,
      error: 'not_an_approver',
    });
  });

  it('refuses a department deciding twice', () => {
    const once = decide(pending, 'legal', { decision: 'approve', approver: { id: 'lee' } }, at);
    if (!('next' in once)) throw new Error('refused');
    expect(decide(once.next, 'legal', { decision: 'approve', approver: { id: 'lou' } }, at)).toMatchObject({
      statusCode: 409,
    });
  });
});
