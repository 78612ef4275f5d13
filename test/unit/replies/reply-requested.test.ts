import type { Engagement } from '#core/engagement/engagement.schema.js';
import { approvalPolicy } from '#core/replies/reply.js';
import { handleReplyRequested, type ReplyRefusal } from '#core/replies/reply-requested.js';
import { voiceChecker } from '#core/voice/check-reply.js';
import { ReplyRefusedEventSchema, ReplyRequestedEventSchema } from '#events/schemas/replies.js';
import { MemoryLifecycleStore } from '#test-support/memory-lifecycle-store.js';
import { MemoryReplyStore } from '#test-support/memory-reply-store.js';

const envelope = (source: string, detail: unknown, detailType = 'Reply Requested') => ({
  version: '0',
  id: 'e-1',
  'detail-type': detailType,
  source,
  account: '123456789012',
  time: '2026-12-01T11:00:05Z',
  region: 'us-east-1',
  resources: [],
  detail,
});

function setup() {
  const replies = new MemoryReplyStore();
  const lifecycle = new MemoryLifecycleStore();
  replies.engagements.set('x:1', {
    id: 'x:1',
    platform: 'x',
    externalId: '1',
    kind: 'mention',
    author: { id: 'u' },
  } as unknown as Engagement);
  lifecycle.routed.set('x:1', { departments: ['care'], at: '2026-12-01T10:00:00.000Z' });
  const refused: ReplyRefusal[] = [];
  const deps = {
    replies,
    lifecycle,
    voice: voiceChecker({
      terms: [{ id: 'no-promises', match: ['guarantee'], level: 'banned' as const, message: 'No promises.' }],
      disclosures: [],
      examples: { allowed: [], refused: [] },
      templates: [],
    }),
    voicePolicy: undefined,
    approvals: approvalPolicy([]),
    departments: ['care', 'sales'],
    now: () => new Date('2026-12-01T11:00:00.000Z'),
    refuse: async (r: ReplyRefusal) => {
      refused.push(r);
    },
  };
  return { replies, refused, deps };
}

describe('"Reply Requested" on the bus', () => {
  it('submits the reply for the department its source names', async () => {
    const { replies, deps } = setup();
    const event = envelope('switchboard.department.care', {
      engagementId: 'x:1',
      text: 'On it!',
      replyId: 'b-1',
      author: { id: 'a' },
    });
    expect(ReplyRequestedEventSchema.safeParse(event).success).toBe(true);
    expect(await handleReplyRequested(JSON.stringify(event), deps)).toEqual({ kind: 'submitted', statusCode: 201 });
    expect(replies.replies.get('b-1')).toMatchObject({ department: 'care', state: 'queued' });
  });

  it('sends a refusal back as "Reply Refused", with the violations, and stores nothing', async () => {
    const { replies, refused, deps } = setup();
    const event = envelope('switchboard.department.care', {
      engagementId: 'x:1',
      text: 'We guarantee it',
      replyId: 'b-2',
      author: { id: 'a' },
    });
    expect(await handleReplyRequested(JSON.stringify(event), deps)).toEqual({ kind: 'refused', statusCode: 422 });
    expect(replies.replies.size).toBe(0);
    expect(refused).toEqual([
      expect.objectContaining({
        replyId: 'b-2',
        department: 'care',
        statusCode: 422,
        violations: [expect.objectContaining({ rule: 'no-promises' })],
      }),
    ]);
    expect(ReplyRefusedEventSchema.safeParse(envelope('switchboard', refused[0], 'Reply Refused')).success).toBe(true);
    // Another department's engagement: refused as the API would (403).
    const sales = envelope('switchboard.department.sales', {
      engagementId: 'x:1',
      text: 'Hi',
      replyId: 'b-3',
      author: { id: 'a' },
    });
    expect(await handleReplyRequested(JSON.stringify(sales), deps)).toEqual({ kind: 'refused', statusCode: 403 });
  });

  it('ignores what is not a department’s "Reply Requested"', async () => {
    const { deps } = setup();
    expect(
      await handleReplyRequested(JSON.stringify(envelope('switchboard.department.ghost', {})), deps),
    ).toMatchObject({ kind: 'ignored' });
    expect(await handleReplyRequested(JSON.stringify(envelope('acme', {})), deps)).toMatchObject({ kind: 'ignored' });
    expect(await handleReplyRequested('not json', deps)).toMatchObject({ kind: 'ignored' });
  });
});
