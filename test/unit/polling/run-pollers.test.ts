import type { IntakeDelivery } from '#core/intake/delivery.js';
import { clampWaitMs, redactSecrets, runPollers, type RunPollersDependencies } from '#core/lifecycle/run-pollers.js';
import type { NormalizedEvent } from '#core/platforms/adapter.js';
import { RateLimitedError, type Poller, type PollTarget } from '#core/polling/poller.js';
import { MemoryPollState } from '#test-support/memory-poll-state.js';

const event = (n: number): NormalizedEvent => ({
  change: 'created',
  draft: {
    platform: 'rss',
    kind: 'post',
    externalId: `blog:${n}`,
    text: `item ${n}`,
    createdAt: '2026-11-25T10:00:00.000Z',
    author: { id: 'a', handle: '', name: '' },
  },
});
const target: PollTarget = { platform: 'rss', id: 'blog', url: 'https://blog.example.com/feed', every: 'PT15M' };

/** A poller that yields scripted pages, then fails if told to. */
function scripted(pages: number[][], failAfter?: number): Poller {
  return {
    platform: 'rss',
    async *poll(_t, state) {
      for (const [i, items] of pages.entries()) {
        if (failAfter !== undefined && i >= failAfter) throw new Error('connection reset');
        yield { events: items.map(event), state: { ...state, cursor: `page-${i}` } };
      }
    },
  };
}

function deps(poller: Poller, at = '2026-11-25T12:00:00.000Z') {
  const enqueued: IntakeDelivery[] = [];
  const state = new MemoryPollState();
  const d: RunPollersDependencies = {
    pollerFor: () => poller,
    state,
    enqueue: async (x) => void enqueued.push(x),
    fetch,
    now: () => new Date(at),
  };
  return { d, enqueued, state };
}

describe('running pollers', () => {
  it('enqueues each page as intake deliveries of at most 50 events and stores the cursor after it', async () => {
    const { d, enqueued, state } = deps(scripted([Array.from({ length: 120 }, (_, i) => i), [200]]));
    expect(await runPollers([target], d)).toEqual([
      { platform: 'rss', target: 'blog', status: 'polled', emitted: 121 },
    ]);
    expect(enqueued.map((e) => e.events?.length)).toEqual([50, 50, 20, 1]);
    expect(enqueued[0]).toMatchObject({
      v: 1,
      platform: 'rss',
      source: 'poll:blog',
      receivedAt: '2026-11-25T12:00:00.000Z',
    });
    expect(state.states.get('rss:blog')).toMatchObject({
      cursor: 'page-1',
      lastPolledAt: '2026-11-25T12:00:00.000Z',
      consecutiveFailures: 0,
    });
  });

  it('keeps the progress of the pages delivered before a failure, and backs off', async () => {
    const { d, enqueued, state } = deps(scripted([[1, 2], [3]], 1));
    const [outcome] = await runPollers([target], d);
    expect(outcome).toMatchObject({ status: 'failed', emitted: 2, error: 'connection reset' });
    expect(enqueued.flatMap((e) => e.events?.map((x) => x.draft.externalId))).toEqual(['blog:1', 'blog:2']);
    expect(state.states.get('rss:blog')).toMatchObject({
      cursor: 'page-0',
      consecutiveFailures: 1,
      nextPollAfter: '2026-11-25T12:01:00.000Z',
      lastError: 'connection reset',
    });
  });

  it('does not poll before the target is due or while backing off', async () => {
    const { d, enqueued, state } = deps(scripted([[1]]));
    await state.put('rss', 'blog', { lastPolledAt: '2026-11-25T11:50:00.000Z' });
    expect((await runPollers([target], d))[0]?.status).toBe('not-due');
    await state.put('rss', 'blog', {
      lastPolledAt: '2026-11-25T11:00:00.000Z',
      nextPollAfter: '2026-11-25T12:30:00.000Z',
    });
    expect((await runPollers([target], d))[0]?.status).toBe('not-due');
    expect(enqueued).toEqual([]);
  });

  it('waits as long as a rate limit says, without counting it as a failure', async () => {
    const limited: Poller = {
      platform: 'rss',
      poll: async function* () {
        throw new RateLimitedError(600_000, 'feed answered 429');
      },
    };
    const { d, state } = deps(limited);
    expect((await runPollers([target], d))[0]).toMatchObject({ status: 'rate-limited' });
    expect(state.states.get('rss:blog')).toMatchObject({
      nextPollAfter: '2026-11-25T12:10:00.000Z',
      consecutiveFailures: 0,
    });
  });

  it('doubles the backoff with each consecutive failure, up to an hour', async () => {
    const { d, state } = deps(scripted([[1]], 0));
    await state.put('rss', 'blog', { consecutiveFailures: 3 });
    await runPollers([target], d);
    expect(state.states.get('rss:blog')).toMatchObject({
      consecutiveFailures: 4,
      nextPollAfter: '2026-11-25T12:08:00.000Z',
    });
    await state.put('rss', 'blog', { consecutiveFailures: 20 });
    await runPollers([target], d);
    expect(state.states.get('rss:blog')?.nextPollAfter).toBe('2026-11-25T13:00:00.000Z');
  });

  it('does not store the cursor when the intake queue refuses the events, so they are polled again', async () => {
    const { d, state } = deps(scripted([[1]]));
    d.enqueue = async () => Promise.reject(new Error('SQS unavailable'));
    expect((await runPollers([target], d))[0]).toMatchObject({ status: 'failed', emitted: 0 });
    expect(state.states.get('rss:blog')?.cursor).toBeUndefined();
  });
});

describe('what pollers report', () => {
  it('masks credentials in error messages before they are stored, recorded or logged', () => {
    const message =
      'Request cannot be constructed from a URL that includes credentials: https://ana:hunter22@feeds.example.com/x.xml?key=AIzaSecret123 (token tok-123456)';
    expect(redactSecrets(message, { bearerToken: 'tok-123456' })).toBe(
      'Request cannot be constructed from a URL that includes credentials: https://***@feeds.example.com/x.xml?*** (token ***)',
    );
  });

  it('records a rate-limited poll as neither a success nor a failure', async () => {
    const limited: Poller = {
      platform: 'rss',
      poll: async function* () {
        throw new RateLimitedError(60_000, 'feed answered 429');
      },
    };
    const { d } = deps(limited);
    const recorded: unknown[] = [];
    d.health = { polled: async (...args) => void recorded.push(args) };
    await runPollers([target], d);
    expect(recorded).toEqual([['rss', 'blog', '2026-11-25T12:00:00.000Z', { result: 'rate-limited', emitted: 0 }]]);
  });
});

describe('a run that stays safe whatever one target does', () => {
  const other: PollTarget = { platform: 'rss', id: 'news', url: 'https://news.example.com/feed', every: 'PT15M' };

  it('still polls the other targets when reading one target\u2019s state fails, and records it as failed', async () => {
    const { d, enqueued } = deps(scripted([[1]]));
    const get = d.state.get.bind(d.state);
    d.state.get = async (platform, id) => (id === 'blog' ? Promise.reject(new Error('throttled')) : get(platform, id));
    const outcomes = await runPollers([target, other], d);
    expect(outcomes.map((o) => [o.target, o.status])).toEqual([
      ['blog', 'failed'],
      ['news', 'polled'],
    ]);
    expect(enqueued).toHaveLength(1);
  });

  it('bounds an absurd Retry-After instead of crashing the run, and survives a failing state write', async () => {
    const limited: Poller = {
      platform: 'rss',
      poll: async function* () {
        throw new RateLimitedError(1e19, 'feed answered 429');
      },
    };
    const { d, state } = deps(limited);
    expect((await runPollers([target], d))[0]?.status).toBe('rate-limited');
    expect(state.states.get('rss:blog')?.nextPollAfter).toBe('2026-11-26T12:00:00.000Z');
    expect(clampWaitMs(0)).toBe(60_000);
    expect(clampWaitMs(Number.NaN)).toBe(900_000);
    const broken = deps(limited).d;
    broken.state.put = async () => Promise.reject(new Error('item too large'));
    await expect(runPollers([target], broken)).resolves.toHaveLength(1);
  });

  it('resumes from the last state actually stored when storing a page\u2019s state fails', async () => {
    const { d, state } = deps(scripted([[1], [2]]));
    const put = d.state.put.bind(d.state);
    let puts = 0;
    d.state.put = async (platform, id, s) => {
      if (++puts === 2) throw new Error('item too large');
      return put(platform, id, s);
    };
    await runPollers([target], d);
    expect(state.states.get('rss:blog')).toMatchObject({
      cursor: 'page-0',
      consecutiveFailures: 1,
      lastError: 'item too large',
    });
  });

  it('aborts a request that hangs at the run\u2019s deadline and starts no target after it', async () => {
    const hanging: Poller = {
      platform: 'rss',
      async *poll(_t, state, { fetch: bounded }) {
        await bounded('http://hang.invalid/feed');
        yield { events: [], state };
      },
    };
    const { d, state } = deps(hanging);
    d.fetch = (_input, init) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener('abort', () => reject(new Error('request aborted'))),
      );
    d.now = () => new Date();
    d.deadline = new Date(Date.now() + 200);
    const outcomes = await runPollers([target], d);
    expect(outcomes[0]).toMatchObject({ status: 'failed', error: 'request aborted' });
    expect(state.states.get('rss:blog')?.consecutiveFailures).toBe(1);
    d.deadline = new Date(Date.now() - 1);
    expect((await runPollers([other], d))[0]?.status).toBe('not-due');
  });
});
