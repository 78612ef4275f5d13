import {
  autoEndDue,
  CRISIS_PARTITION,
  type CrisisState,
  crisisStatus,
  endCrisis,
  NO_CRISIS,
  spikeAgain,
  startCrisis,
} from '#core/management/crisis.js';
import { endCrisisByHand, readCrisisStatus, startCrisisByHand } from '#core/management/crisis-commands.js';
import type { CrisisPlaybook } from '#core/config/crisis.schema.js';
import { MemoryGovernanceStore } from '#test-support/memory-governance-store.js';

const T0 = '2026-12-07T12:00:00.000Z';
const T1 = '2026-12-07T13:30:00.000Z';
const T2 = '2026-12-07T15:00:00.000Z';

describe('crisis start and end by hand', () => {
  it('starts crisis mode by hand, with the reason and the actor as its cause, and "Crisis Started"', async () => {
    const store = new MemoryGovernanceStore();
    const outcome = await startCrisisByHand(store, { reason: 'battery recall', actor: 'ana' }, T0, 'c1');
    const cause = { by: 'manual', reason: 'battery recall', actor: 'ana' };
    expect(outcome).toEqual({ done: true, status: { active: true, crisisId: 'c1', startedAt: T0, cause } });
    expect(store.events).toEqual([
      {
        engagementId: CRISIS_PARTITION,
        key: expect.any(String),
        at: T0,
        source: 'switchboard',
        detailType: 'Crisis Started',
        detail: { crisisId: 'c1', cause, at: T0 },
      },
    ]);
    expect(await readCrisisStatus(store)).toEqual(outcome.status);
  });

  it('leaves the actor out when none is given', async () => {
    const store = new MemoryGovernanceStore();
    const outcome = await startCrisisByHand(store, { reason: 'recall', actor: undefined }, T0, 'c1');
    expect(outcome.status).toEqual({
      active: true,
      crisisId: 'c1',
      startedAt: T0,
      cause: { by: 'manual', reason: 'recall' },
    });
  });

  it('answers done:false with the running crisis when one is on, changing nothing', async () => {
    const store = new MemoryGovernanceStore();
    const first = await startCrisisByHand(store, { reason: 'recall', actor: 'ana' }, T0, 'c1');
    const second = await startCrisisByHand(store, { reason: 'another', actor: 'bo' }, T1, 'c2');
    expect(second).toEqual({ done: false, status: first.status });
    expect(store.events).toHaveLength(1);
    expect(await readCrisisStatus(store)).toMatchObject({ crisisId: 'c1', startedAt: T0 });
  });

  it('ends crisis mode by hand with "Crisis Ended" { by: manual }, keeping it as the last crisis', async () => {
    const store = new MemoryGovernanceStore();
    await startCrisisByHand(store, { reason: 'recall', actor: 'ana' }, T0, 'c1');
    const outcome = await endCrisisByHand(store, 'recall handled', T1);
    const last = {
      crisisId: 'c1',
      startedAt: T0,
      endedAt: T1,
      cause: { by: 'manual', reason: 'recall', actor: 'ana' },
      endedBy: 'manual',
      reason: 'recall handled',
    };
    expect(outcome).toEqual({ done: true, status: { active: false, last } });
    expect(store.eventsOf('Crisis Ended')).toEqual([
      {
        engagementId: CRISIS_PARTITION,
        key: expect.any(String),
        at: T1,
        source: 'switchboard',
        detailType: 'Crisis Ended',
        detail: { crisisId: 'c1', by: 'manual', at: T1, reason: 'recall handled' },
      },
    ]);
    expect(await readCrisisStatus(store)).toEqual({ active: false, last });
  });

  it('ends without a reason, leaving it out', async () => {
    const store = new MemoryGovernanceStore();
    await startCrisisByHand(store, { reason: 'recall' }, T0, 'c1');
    const outcome = await endCrisisByHand(store, undefined, T1);
    expect(outcome.done).toBe(true);
    expect(outcome.status).toEqual({
      active: false,
      last: {
        crisisId: 'c1',
        startedAt: T0,
        endedAt: T1,
        cause: { by: 'manual', reason: 'recall' },
        endedBy: 'manual',
      },
    });
    expect(store.eventsOf('Crisis Ended')[0]?.detail).toEqual({ crisisId: 'c1', by: 'manual', at: T1 });
  });

  it('answers done:false when no crisis is on, with the last one if any', async () => {
    const store = new MemoryGovernanceStore();
    expect(await endCrisisByHand(store, 'nothing to end', T0)).toEqual({ done: false, status: { active: false } });
    expect(store.events).toEqual([]);
    expect(store.commits).toEqual([]);

    await startCrisisByHand(store, { reason: 'recall' }, T0, 'c1');
    await endCrisisByHand(store, undefined, T1);
    const again = await endCrisisByHand(store, undefined, T2);
    expect(again).toEqual({
      done: false,
      status: { active: false, last: expect.objectContaining({ crisisId: 'c1', endedAt: T1 }) },
    });
    expect(store.eventsOf('Crisis Ended')).toHaveLength(1);
  });

  it('starts a new crisis after one ended, keeping the ended one as the last until the new one ends', async () => {
    const store = new MemoryGovernanceStore();
    await startCrisisByHand(store, { reason: 'first' }, T0, 'c1');
    await endCrisisByHand(store, undefined, T1);
    const second = await startCrisisByHand(store, { reason: 'second' }, T2, 'c2');
    expect(second).toEqual({
      done: true,
      status: { active: true, crisisId: 'c2', startedAt: T2, cause: { by: 'manual', reason: 'second' } },
    });
    const ended = await endCrisisByHand(store, undefined, '2026-12-07T16:00:00.000Z');
    expect(ended.status).toEqual({ active: false, last: expect.objectContaining({ crisisId: 'c2', startedAt: T2 }) });
  });

  it('tries again after a concurrent change, and gives up with an error when it keeps changing', async () => {
    const store = new MemoryGovernanceStore().conflictNext(1);
    expect((await startCrisisByHand(store, { reason: 'recall' }, T0, 'c1')).done).toBe(true);
    expect(store.eventsOf('Crisis Started')).toHaveLength(1);

    store.conflictNext(100);
    await expect(endCrisisByHand(store, undefined, T1)).rejects.toThrow(/try again/);
    expect(await readCrisisStatus(store)).toMatchObject({ active: true, crisisId: 'c1' });
  });

  it('does not start a second crisis when a spike started one meanwhile', async () => {
    const store = new MemoryGovernanceStore();
    let once = true;
    store.beforeCommit = () => {
      if (!once) return;
      once = false;
      const change = startCrisis(NO_CRISIS, { by: 'spike', spike: 'storm', key: 'keyword:fire', score: 9 }, T0, 's1');
      store.put(CRISIS_PARTITION, change!.next);
    };
    const outcome = await startCrisisByHand(store, { reason: 'recall' }, T0, 'c1');
    expect(outcome).toEqual({
      done: false,
      status: {
        active: true,
        crisisId: 's1',
        startedAt: T0,
        cause: { by: 'spike', spike: 'storm', key: 'keyword:fire', score: 9 },
      },
    });
  });
});

describe('crisis status', () => {
  const spikeCause = { by: 'spike' as const, spike: 'storm', key: 'keyword:fire', score: 7.8 };

  it('shows a running crisis as its id, start and cause only', () => {
    const on = startCrisis(NO_CRISIS, spikeCause, T0, 'c1')!.next;
    expect(on.lastSpikeAt).toBe(T0);
    expect(crisisStatus(on)).toEqual({ active: true, crisisId: 'c1', startedAt: T0, cause: spikeCause });
    // Even with an ended crisis before it.
    const ended = endCrisis(on, 'auto', T1)!.next;
    const again = startCrisis(ended, spikeCause, T2, 'c2')!.next;
    expect(crisisStatus(again)).toEqual({ active: true, crisisId: 'c2', startedAt: T2, cause: spikeCause });
  });

  it('shows no crisis as off, and an ended one as off with the last', () => {
    expect(crisisStatus(NO_CRISIS)).toEqual({ active: false });
    const on = startCrisis(NO_CRISIS, spikeCause, T0, 'c1')!.next;
    expect(crisisStatus(endCrisis(on, 'auto', T1)!.next)).toEqual({
      active: false,
      last: { crisisId: 'c1', startedAt: T0, endedAt: T1, cause: spikeCause, endedBy: 'auto' },
    });
  });

  it('reads off from an empty store', async () => {
    expect(await readCrisisStatus(new MemoryGovernanceStore())).toEqual({ active: false });
  });
});

describe('the crisis state changes', () => {
  const spikeCause = { by: 'spike' as const, spike: 'storm', key: 'keyword:fire', score: 7.8 };
  const playbook = (autoEnd?: string): CrisisPlaybook => ({
    team: 'crisis-room',
    when: { keywords: ['fire'] },
    priority: 'urgent',
    approvalsRequired: false,
    slaFactor: 1,
    ...(autoEnd ? { autoEnd } : {}),
  });

  it('bumps the revision with every change', () => {
    const on = startCrisis(NO_CRISIS, spikeCause, T0, 'c1')!.next;
    expect(on.revision).toBe(1);
    const again = spikeAgain(on, 'storm', T1)!;
    expect(again).toMatchObject({ revision: 2, lastSpikeAt: T1, crisisId: 'c1' });
    expect(endCrisis(again, 'auto', T2)!.next.revision).toBe(3);
  });

  it('refuses to start one that is on, or end one that is off', () => {
    const on = startCrisis(NO_CRISIS, spikeCause, T0, 'c1')!.next;
    expect(startCrisis(on, spikeCause, T1, 'c2')).toBeUndefined();
    expect(endCrisis(NO_CRISIS, 'manual', T1)).toBeUndefined();
  });

  it('notes a spike again only for the running crisis it caused', () => {
    const on = startCrisis(NO_CRISIS, spikeCause, T0, 'c1')!.next;
    expect(spikeAgain(on, 'other', T1)).toBeUndefined();
    const manual = startCrisis(NO_CRISIS, { by: 'manual', reason: 'x' }, T0, 'c1')!.next;
    expect(spikeAgain(manual, 'storm', T1)).toBeUndefined();
    expect(spikeAgain(endCrisis(on, 'manual', T1)!.next, 'storm', T2)).toBeUndefined();
  });

  it('is due to end by itself once its cause has been quiet for autoEnd, only with autoEnd and a spike cause', () => {
    const on: CrisisState = startCrisis(NO_CRISIS, spikeCause, T0, 'c1')!.next;
    const t = (ms: number) => new Date(Date.parse(T0) + ms);
    expect(autoEndDue(on, playbook('PT2H'), t(2 * 3_600_000 - 1))).toBe(false);
    expect(autoEndDue(on, playbook('PT2H'), t(2 * 3_600_000))).toBe(true);
    expect(autoEndDue(on, playbook(), t(30 * 86_400_000))).toBe(false);
    expect(autoEndDue(on, undefined, t(30 * 86_400_000))).toBe(false);
    const later = spikeAgain(on, 'storm', new Date(Date.parse(T0) + 3_600_000).toISOString())!;
    expect(autoEndDue(later, playbook('PT2H'), t(2 * 3_600_000))).toBe(false);
    const manual = startCrisis(NO_CRISIS, { by: 'manual', reason: 'x' }, T0, 'c1')!.next;
    expect(autoEndDue(manual, playbook('PT2H'), t(30 * 86_400_000))).toBe(false);
  });
});
