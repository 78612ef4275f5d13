import type { Engagement } from '#core/engagement/engagement.schema.js';
import { ATTEMPT_LEASE_MS, type PublishDependencies, publishReply } from '#core/replies/publish-reply.js';
import type { PublishOutcome, ReplyPublisher } from '#core/replies/publisher.js';
import type { Reply } from '#core/replies/reply.js';
import { MemoryReplyStore } from '../../support/memory-reply-store.js';

const engagement = {
  id: 'generic:e1',
  platform: 'generic',
  externalId: 'e1',
  kind: 'post',
  author: { id: 'u1', handle: 'sam', name: 'Sam' },
} as unknown as Engagement;

function queued(platform: Reply['platform'] = 'generic'): Reply {
  return {
    id: 'r-1',
    engagementId: 'generic:e1',
    department: 'care',
    platform,
    text: 'Thanks, fixed!',
    author: { id: 'agent-7' },
    state: 'queued',
    submittedAt: '2026-12-06T10:00:00.000Z',
    at: '2026-12-06T10:00:00.000Z',
    checks: [],
    approvals: [],
    revision: 1,
  };
}

/** A platform that answers each attempt as scripted, counting them. */
function scripted(
  outcomes: PublishOutcome[],
  idempotent: boolean,
  find?: () => string | undefined,
): ReplyPublisher & { calls: number } {
  const p = {
    platform: 'generic' as const,
    idempotent,
    secretKeys: ['signingSecret'],
    calls: 0,
    async publish() {
      return outcomes[p.calls++] ?? { kind: 'failed' as const, reason: 'unscripted' };
    },
    ...(find ? { find: async () => find() } : {}),
  };
  return p;
}

function setup(publisher: ReplyPublisher, reply = queued()) {
  const store = new MemoryReplyStore();
  store.replies.set(reply.id, reply);
  store.engagements.set(engagement.id, engagement);
  let now = Date.parse('2026-12-06T10:00:01.000Z');
  const responded: string[] = [];
  const deps: PublishDependencies = {
    replies: store,
    publisherFor: () => publisher,
    secretFor: async () => ({ signingSecret: 's' }),
    settings: () => ({ replyUrl: 'http://127.0.0.1:1/replies' }),
    responded: async (r) => {
      responded.push(r.id);
    },
    fetch,
    now: () => new Date(now),
  };
  return { store, deps, responded, advance: (ms: number) => (now += ms) };
}

describe('publishing a reply', () => {
  it('publishes once, records the platform id and tells the assignment, and does nothing on a second delivery', async () => {
    const platform = scripted([{ kind: 'published', platformReplyId: 'p-9' }], true);
    const { store, deps, responded } = setup(platform);
    expect(await publishReply('r-1', deps)).toEqual({ done: true, state: 'published' });
    expect(store.replies.get('r-1')).toMatchObject({ state: 'published', platformReplyId: 'p-9' });
    expect(store.events.map((e) => e.detailType)).toEqual(['Reply Published']);
    expect(store.events[0]!.detail).toMatchObject({ replyId: 'r-1', platform: 'generic', platformReplyId: 'p-9' });
    expect(await publishReply('r-1', deps)).toEqual({ done: true, state: 'published' });
    expect(platform.calls).toBe(1);
    // Told again on the second delivery: the report is idempotent by its id.
    expect(responded).toEqual(['r-1', 'r-1']);
  });

  it('sends again with the same key after a timeout on a platform that dedupes, after the wait', async () => {
    const platform = scripted(
      [
        { kind: 'retry', reason: 'did not answer in time' },
        { kind: 'published', platformReplyId: 'p-1' },
      ],
      true,
    );
    const { store, deps, advance } = setup(platform);
    const first = await publishReply('r-1', deps);
    expect(first).toMatchObject({ done: false, retryAfterMs: 1_000 });
    // Delivered again too early: waits, sends nothing.
    expect(await publishReply('r-1', deps)).toMatchObject({ done: false });
    expect(platform.calls).toBe(1);
    advance(1_000);
    expect(await publishReply('r-1', deps)).toEqual({ done: true, state: 'published' });
    expect(platform.calls).toBe(2);
    expect(store.replies.get('r-1')!.attempt!.count).toBe(2);
  });

  it('waits for an attempt that is out, and takes over once its lease ends', async () => {
    const platform = scripted([{ kind: 'published', platformReplyId: 'p-2' }], true);
    const reply = { ...queued(), attempt: { count: 1, status: 'sending' as const, at: '2026-12-06T10:00:00.500Z' } };
    const { deps, advance } = setup(platform, reply);
    expect(await publishReply('r-1', deps)).toMatchObject({ done: false, reason: 'another attempt is out' });
    expect(platform.calls).toBe(0);
    advance(ATTEMPT_LEASE_MS);
    expect(await publishReply('r-1', deps)).toEqual({ done: true, state: 'published' });
  });

  it('on a platform without keys, checks an uncertain attempt before sending again', async () => {
    let onPlatform: string | undefined;
    const platform = scripted([{ kind: 'uncertain', reason: 'answered 502' }], false, () => onPlatform);
    const { store, deps, advance } = setup(platform);
    expect(await publishReply('r-1', deps)).toMatchObject({ done: false });
    onPlatform = 'p-3'; // it was posted after all
    // Too soon: a request still in flight could land after a look; it waits.
    expect(await publishReply('r-1', deps)).toMatchObject({ done: false });
    advance(30_000);
    expect(await publishReply('r-1', deps)).toEqual({ done: true, state: 'published' });
    expect(platform.calls).toBe(1);
    expect(store.replies.get('r-1')!.platformReplyId).toBe('p-3');
  });

  it('fails an uncertain reply for a person when the platform cannot be asked', async () => {
    const platform = scripted([{ kind: 'uncertain', reason: 'did not answer in time' }], false);
    const { store, deps, advance } = setup(platform);
    await publishReply('r-1', deps);
    advance(30_000);
    expect(await publishReply('r-1', deps)).toEqual({ done: true, state: 'failed' });
    expect(platform.calls).toBe(1);
    expect(store.events.at(-1)).toMatchObject({ detailType: 'Reply Failed', detail: { uncertain: true } });
  });

  it('fails for good on a refusal, and never publishes a reply that is not queued', async () => {
    const platform = scripted([{ kind: 'failed', reason: 'refused the reply (403)' }], true);
    const { store, deps } = setup(platform);
    expect(await publishReply('r-1', deps)).toEqual({ done: true, state: 'failed' });
    expect(store.replies.get('r-1')!.failure).toBe('refused the reply (403)');
    const pending = setup(platform, { ...queued(), state: 'pending_approval' });
    expect(await publishReply('r-1', pending.deps)).toEqual({ done: true, state: 'pending_approval' });
    expect(platform.calls).toBe(1);
  });

  it('fails a reply whose text was erased before it went, sending nothing', async () => {
    const platform = scripted([{ kind: 'published', platformReplyId: 'p' }], true);
    const { store, deps } = setup(platform, { ...queued(), text: '' });
    expect(await publishReply('r-1', deps)).toEqual({ done: true, state: 'failed' });
    expect(platform.calls).toBe(0);
    expect(store.replies.get('r-1')!.failure).toBe('its text was erased before it was published');
  });

  it('records a reply as published when an erasure emptied its text during the attempt', async () => {
    const { store, deps } = setup(scripted([{ kind: 'published', platformReplyId: 'p-7' }], true));
    let erased = false;
    store.beforeWrite = () => {
      const stored = store.replies.get('r-1')!;
      // Right after the claim: the erasure's scrub lands while the request is out.
      if (!erased && stored.attempt?.status === 'sending') {
        erased = true;
        store.replies.set('r-1', { ...stored, text: '', revision: stored.revision + 1 });
      }
    };
    expect(await publishReply('r-1', deps)).toEqual({ done: true, state: 'published' });
    expect(store.replies.get('r-1')).toMatchObject({ state: 'published', platformReplyId: 'p-7', text: '' });
  });

  it('fails a reply whose message keeps coming back, as uncertain when an attempt may have posted', async () => {
    const platform = scripted([], true);
    const reply = {
      ...queued(),
      attempt: { count: 1, status: 'uncertain' as const, at: '2026-12-06T09:00:00.000Z', reason: 'timeout' },
    };
    const { store, deps } = setup(platform, reply);
    expect(await publishReply('r-1', deps, 26)).toEqual({ done: true, state: 'failed' });
    expect(store.events.at(-1)).toMatchObject({ detailType: 'Reply Failed', detail: { uncertain: true } });
    expect(platform.calls).toBe(0);
  });

  it('tries again later when something it needs fails', async () => {
    const { deps } = setup(scripted([], true));
    deps.secretFor = async () => {
      throw new Error('secret unreadable');
    };
    expect(await publishReply('r-1', deps, 3)).toMatchObject({
      done: false,
      reason: 'secret unreadable',
      retryAfterMs: 20_000,
    });
  });

  it('honours a rate limit’s wait, for every reply to the same account', async () => {
    const platform = scripted(
      [
        { kind: 'retry', reason: 'rate-limited', retryAfterMs: 42_000 },
        { kind: 'published', platformReplyId: 'p-2' },
      ],
      true,
    );
    const { store, deps, advance } = setup(platform);
    expect(await publishReply('r-1', deps)).toMatchObject({ done: false, retryAfterMs: 42_000 });
    // Another reply to the same platform account waits too, sending nothing.
    store.replies.set('r-2', { ...queued(), id: 'r-2' });
    expect(await publishReply('r-2', deps)).toMatchObject({ done: false, retryAfterMs: 42_000 });
    expect(platform.calls).toBe(1);
    advance(42_000);
    expect(await publishReply('r-2', deps)).toEqual({ done: true, state: 'published' });
  });
});
