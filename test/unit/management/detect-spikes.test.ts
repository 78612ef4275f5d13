import type { CrisisPlaybook, SpikeEntry } from '#core/config/crisis.schema.js';
import { parseConfig } from '#core/config/load-config.js';
import { CRISIS_PARTITION } from '#core/management/crisis.js';
import { endCrisisByHand, readCrisisStatus, startCrisisByHand } from '#core/management/crisis-commands.js';
import {
  type DetectSpikesOutcome,
  detectSpikes,
  type SpikeCounts,
  type SpikeState,
  spikePartition,
} from '#core/management/detect-spikes.js';
import { spikeScore, type WindowCounts } from '#core/management/spike-score.js';
import { MemoryGovernanceStore } from '#test-support/memory-governance-store.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Half a minute into 12:00: the current window of a 15-minute entry is [11:46, 12:01). */
const NOW = Date.parse('2026-12-07T12:00:30.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const at = (clock: string, daysAgo = 0) => Date.parse(`2026-12-07T${clock}:00.000Z`) - daysAgo * DAY;

/** Per-minute counts by spike id, decided by the test. */
type Rate = (minute: number) => number | WindowCounts;

/** {@link SpikeCounts} in memory: each spike id's count per minute comes from a function of the minute. */
class MinuteCounts implements SpikeCounts {
  private readonly rates = new Map<string, Rate>();
  /** Every window read: [from, to) per spike id. */
  readonly reads: { spikeId: string; from: number; to: number }[] = [];

  constructor(private readonly startedAt: number | undefined) {}

  set(spikeId: string, rate: Rate): this {
    this.rates.set(spikeId, rate);
    return this;
  }

  async window(spikeId: string, from: number, to: number): Promise<WindowCounts> {
    expect(from % MIN).toBe(0);
    expect(to % MIN).toBe(0);
    this.reads.push({ spikeId, from, to });
    const rate = this.rates.get(spikeId) ?? (() => 0);
    const total = { n: 0, negative: 0 };
    for (let m = from; m < to; m += MIN) {
      const c = rate(m);
      total.n += typeof c === 'number' ? c : c.n;
      total.negative += typeof c === 'number' ? 0 : c.negative;
    }
    return total;
  }

  async since(): Promise<number | undefined> {
    return this.startedAt;
  }
}

/** `high` per minute in [from, to), `base` elsewhere. */
const burst =
  (from: number, to: number, high: number, base = 1): Rate =>
  (m) =>
    m >= from && m < to ? high : base;

/** Spike entries and the playbook as the config parses them (defaults filled in). */
function configured(spikes: string, crisis = ''): { spikes: SpikeEntry[]; playbook: CrisisPlaybook | undefined } {
  const { config } = parseConfig(
    `departments: [{ id: care, name: Care }, { id: crisis-room, name: Crisis room }]
defaultDepartment: care
spikes:
${spikes}
${crisis}`,
    'spikes.yaml',
  );
  return { spikes: config.spikes, playbook: config.crisis };
}

const BATTERY = '  - { id: battery, key: "keyword:battery", window: PT15M, sensitivity: 3, cooldown: PT1H }';
const PLAYBOOK = 'crisis: { team: crisis-room, when: { keywords: [fire] }, autoEnd: PT2H }';
const storm = (cooldown = 'PT1H') =>
  `  - { id: storm, key: "keyword:fire", window: PT15M, sensitivity: 3, cooldown: ${cooldown}, startsCrisis: true }`;

function detector(setup: { spikes: SpikeEntry[]; playbook: CrisisPlaybook | undefined }, since: number | undefined) {
  const store = new MemoryGovernanceStore();
  const counts = new MinuteCounts(since);
  const logged: { level: string; message: string }[] = [];
  let ids = 0;
  const run = (now = NOW): Promise<DetectSpikesOutcome> =>
    detectSpikes({
      ...setup,
      counts,
      store,
      now: () => new Date(now),
      newId: () => `c${++ids}`,
      log: (level, message) => logged.push({ level, message }),
    });
  return { store, counts, run, logged };
}

describe('spike detection', () => {
  const eightDaysOfHistory = NOW - 8 * DAY;

  it('raises one "Spike Detected" for a burst past minCount and sensitivity, with what it measured', async () => {
    const { store, counts, run } = detector(configured(BATTERY), eightDaysOfHistory);
    // 1 a minute every day (15 a window); 4 a minute in the current window (60).
    counts.set('battery', burst(at('11:46'), at('12:01'), 4));
    const outcome = await run();
    const detected = {
      key: 'keyword:battery',
      spike: 'battery',
      window: 'PT15M',
      observed: 60,
      expected: 15,
      score: spikeScore(60, 15),
      at: iso(NOW),
    };
    expect(outcome).toEqual({ raised: [detected] });
    expect(detected.score).toBeGreaterThan(3);
    expect(store.events).toEqual([
      {
        engagementId: spikePartition('battery'),
        key: expect.any(String),
        at: iso(NOW),
        source: 'switchboard',
        detailType: 'Spike Detected',
        detail: detected,
      },
    ]);
    // The window read includes the current minute.
    expect(counts.reads[0]).toEqual({ spikeId: 'battery', from: at('11:46'), to: at('12:01') });
  });

  it('never raises below minCount, however high the score', async () => {
    const { store, counts, run } = detector(configured(BATTERY), eightDaysOfHistory);
    counts.set('battery', burst(at('11:52'), at('11:55'), 3, 0)); // 9 against nothing: a score of 4.9
    expect(spikeScore(9, 0)).toBeGreaterThan(3);
    expect(await run()).toEqual({ raised: [] });
    expect(store.events).toEqual([]);

    // One more engagement reaches minCount (10).
    const again = detector(configured(BATTERY), eightDaysOfHistory);
    again.counts.set('battery', (m) => (m === at('12:00') ? 1 : m >= at('11:52') && m < at('11:55') ? 3 : 0));
    expect((await again.run()).raised).toHaveLength(1);
  });

  it('honours minCount as configured', async () => {
    const { counts, run } = detector(
      configured(
        '  - { id: battery, key: "keyword:battery", window: PT15M, sensitivity: 3, minCount: 61, cooldown: PT1H }',
      ),
      eightDaysOfHistory,
    );
    counts.set('battery', burst(at('11:46'), at('12:01'), 4));
    expect(await run()).toEqual({ raised: [] });
  });

  it('does not raise a rise below the sensitivity', async () => {
    const { store, counts, run } = detector(configured(BATTERY), eightDaysOfHistory);
    // 20 against 15: a score near 1.2.
    counts.set('battery', (m) => (m >= at('11:46') && m < at('11:51') ? 2 : 1));
    expect(await run()).toEqual({ raised: [] });
    expect(store.commits).toEqual([]);
  });

  it('raises nothing again within the cooldown, and again once it is over', async () => {
    const { store, counts, run } = detector(configured(BATTERY), eightDaysOfHistory);
    counts.set('battery', burst(at('11:46'), at('11:46') + 3 * HOUR, 4));
    expect((await run(NOW)).raised).toHaveLength(1);
    expect((await run(NOW + 30 * MIN)).raised).toEqual([]);
    expect((await run(NOW + 59 * MIN)).raised).toEqual([]);
    expect(store.eventsOf('Spike Detected')).toHaveLength(1);
    const later = await run(NOW + HOUR);
    expect(later.raised).toEqual([expect.objectContaining({ spike: 'battery', at: iso(NOW + HOUR) })]);
    expect(store.eventsOf('Spike Detected').map((e) => e.at)).toEqual([iso(NOW), iso(NOW + HOUR)]);
  });

  it('keeps each entry to its own cooldown', async () => {
    const { store, counts, run } = detector(
      configured(`${BATTERY}\n  - { id: fire, key: "keyword:fire", window: PT15M, sensitivity: 3, cooldown: PT10M }`),
      eightDaysOfHistory,
    );
    counts.set('battery', burst(at('11:46'), at('14:00'), 4)).set('fire', burst(at('11:46'), at('14:00'), 4));
    expect((await run(NOW)).raised.map((d) => d.spike)).toEqual(['battery', 'fire']);
    expect((await run(NOW + 10 * MIN)).raised.map((d) => d.spike)).toEqual(['fire']);
    expect(store.eventsOf('Spike Detected').map((e) => e.engagementId)).toEqual([
      spikePartition('battery'),
      spikePartition('fire'),
      spikePartition('fire'),
    ]);
  });

  describe('the baseline', () => {
    // High every day at this time: 4 a minute from 11:46 to 12:01, 1 a minute otherwise.
    const daily: Rate = (m) => {
      const ofDay = ((m % DAY) + DAY) % DAY;
      return ofDay >= 11 * HOUR + 46 * MIN && ofDay < 12 * HOUR + MIN ? 4 : 1;
    };

    it('does not raise a window that is as high every day at that time', async () => {
      const { counts, run } = detector(configured(BATTERY), eightDaysOfHistory);
      counts.set('battery', daily);
      expect(await run()).toEqual({ raised: [] });
    });

    it('raises the same count on a stack whose history is flat', async () => {
      const { counts, run } = detector(configured(BATTERY), eightDaysOfHistory);
      counts.set('battery', (m) => (m >= at('11:46') && m < at('12:01') ? daily(m) : 1));
      expect((await run()).raised).toEqual([expect.objectContaining({ observed: 60, expected: 15 })]);
    });

    it('takes the same window of the 7 previous days, no more', async () => {
      const { counts, run } = detector(configured(BATTERY), NOW - 10 * DAY);
      // d days ago: d a minute (15·d a window), so the 7 days expect 60; older days are huge.
      counts.set('battery', (m) => {
        if (m >= at('11:46')) return 20;
        const daysAgo = Math.ceil((at('11:46') - m) / DAY);
        return daysAgo <= 7 ? daysAgo : 10_000;
      });
      expect((await run()).raised).toEqual([expect.objectContaining({ observed: 300, expected: 60 })]);
    });

    it('takes only the days counted: a stack counting for 2½ days has two', async () => {
      const { counts, run } = detector(configured(BATTERY), NOW - 2.5 * DAY);
      counts.set('battery', (m) => {
        if (m >= at('11:46')) return 20;
        if (m >= at('11:46', 1) && m < at('12:01', 1)) return 1; // 15
        if (m >= at('11:46', 2) && m < at('12:01', 2)) return 2; // 30
        return 1_000; // before counting began, or another time of day
      });
      expect((await run()).raised).toEqual([expect.objectContaining({ observed: 300, expected: 22.5 })]);
    });

    it('uses the windows just before on a fresh stack (counting began 10 minutes ago)', async () => {
      const { counts, run } = detector(
        configured('  - { id: battery, key: "keyword:battery", window: PT5M, sensitivity: 3, cooldown: PT1H }'),
        NOW - 10 * MIN,
      );
      counts.set('battery', (m) => {
        if (m >= at('11:56')) return 10; // the current window: 50
        if (m >= at('11:51')) return 2; // the window before: 10
        return 100; // before counting began (and yesterday): never read
      });
      expect((await run()).raised).toEqual([expect.objectContaining({ observed: 50, expected: 10 })]);
    });

    it('uses at most 4 windows just before', async () => {
      const { counts, run } = detector(
        configured('  - { id: battery, key: "keyword:battery", window: PT5M, sensitivity: 3, cooldown: PT1H }'),
        NOW - HOUR,
      );
      counts.set('battery', (m) => (m >= at('11:56') ? 10 : m >= at('11:36') ? 2 : 1_000));
      expect((await run()).raised).toEqual([expect.objectContaining({ observed: 50, expected: 10 })]);
    });

    it('does not raise a fresh stack’s steady traffic', async () => {
      const { counts, run } = detector(
        configured('  - { id: battery, key: "keyword:battery", window: PT5M, sensitivity: 3, cooldown: PT1H }'),
        NOW - 30 * MIN,
      );
      counts.set('battery', () => 10);
      expect(await run()).toEqual({ raised: [] });
    });

    it('raises a negative share past its baseline, but not a busy window of the usual share', async () => {
      const entry = '  - { id: mood, key: negativeShare, window: PT15M, sensitivity: 3, cooldown: PT1H }';
      // 10 a minute, 1 of them negative: the baseline share is (105 + 1) / (1050 + 2).
      const usual = detector(configured(entry), eightDaysOfHistory);
      usual.counts.set('mood', (m) => (m >= at('11:46') ? { n: 40, negative: 4 } : { n: 10, negative: 1 }));
      expect(await usual.run()).toEqual({ raised: [] });

      const angry = detector(configured(entry), eightDaysOfHistory);
      angry.counts.set('mood', (m) => (m >= at('11:46') ? { n: 10, negative: 6 } : { n: 10, negative: 1 }));
      expect((await angry.run()).raised).toEqual([
        expect.objectContaining({ key: 'negativeShare', observed: 90, expected: 15.11 }),
      ]);
    });
  });

  describe('crisis mode', () => {
    const setup = () => configured(`${BATTERY}\n${storm()}`, PLAYBOOK);

    it('starts crisis mode with a startsCrisis spike, in the same commit', async () => {
      const { store, counts, run } = detector(setup(), eightDaysOfHistory);
      counts.set('storm', burst(at('11:46'), at('12:01'), 4));
      const outcome = await run();
      expect(outcome.crisis).toBe('started');
      expect(outcome.raised).toHaveLength(1);
      const score = spikeScore(60, 15);
      expect(store.commits).toHaveLength(1);
      expect(store.commits[0]?.writes.map((w) => w.partition).sort()).toEqual(
        [spikePartition('storm'), CRISIS_PARTITION].sort(),
      );
      expect(store.commits[0]?.events.map((e) => e.detailType)).toEqual(['Spike Detected', 'Crisis Started']);
      expect(store.eventsOf('Crisis Started')).toEqual([
        {
          engagementId: CRISIS_PARTITION,
          key: expect.any(String),
          at: iso(NOW),
          source: 'switchboard',
          detailType: 'Crisis Started',
          detail: {
            crisisId: 'c1',
            cause: { by: 'spike', spike: 'storm', key: 'keyword:fire', score },
            at: iso(NOW),
          },
        },
      ]);
      expect(await readCrisisStatus(store)).toEqual({
        active: true,
        crisisId: 'c1',
        startedAt: iso(NOW),
        cause: { by: 'spike', spike: 'storm', key: 'keyword:fire', score },
      });
    });

    it('does not start crisis mode with a spike that does not say startsCrisis', async () => {
      const { store, counts, run } = detector(setup(), eightDaysOfHistory);
      counts.set('battery', burst(at('11:46'), at('12:01'), 4));
      const outcome = await run();
      expect(outcome).toEqual({ raised: [expect.objectContaining({ spike: 'battery' })] });
      expect(await readCrisisStatus(store)).toEqual({ active: false });
    });

    it('leaves a crisis started by hand to its cause, raising the spike all the same', async () => {
      const { store, counts, run } = detector(setup(), eightDaysOfHistory);
      await startCrisisByHand(store, { reason: 'recall', actor: 'ana' }, iso(NOW - 5 * MIN), 'manual-1');
      counts.set('storm', burst(at('11:46'), at('12:01'), 4));
      const outcome = await run();
      expect(outcome).toEqual({ raised: [expect.objectContaining({ spike: 'storm' })] });
      expect(await readCrisisStatus(store)).toMatchObject({
        active: true,
        crisisId: 'manual-1',
        cause: { by: 'manual', reason: 'recall', actor: 'ana' },
      });
      expect(store.eventsOf('Crisis Started')).toHaveLength(1);
    });

    it('never restarts a crisis ended by hand with a spike still in its cooldown', async () => {
      const { store, counts, run } = detector(setup(), eightDaysOfHistory);
      counts.set('storm', burst(at('11:46'), at('11:46') + 3 * HOUR, 4));
      expect((await run(NOW)).crisis).toBe('started');
      expect((await endCrisisByHand(store, 'handled', iso(NOW + 10 * MIN))).done).toBe(true);
      const commits = store.commits.length;
      for (const later of [NOW + 20 * MIN, NOW + 40 * MIN, NOW + 59 * MIN]) {
        expect(await run(later)).toEqual({ raised: [] });
      }
      expect(store.commits).toHaveLength(commits);
      expect(store.eventsOf('Crisis Started')).toHaveLength(1);
      expect(await readCrisisStatus(store)).toMatchObject({ active: false, last: { endedBy: 'manual' } });
    });

    it('ends a spike-started crisis by itself after autoEnd without its spike, not before', async () => {
      const { store, counts, run } = detector(setup(), eightDaysOfHistory);
      counts.set('storm', burst(at('11:46'), at('12:01'), 4)); // one burst, then quiet
      expect((await run(NOW)).crisis).toBe('started');
      for (const later of [NOW + 30 * MIN, NOW + HOUR, NOW + 2 * HOUR - MIN]) {
        expect(await run(later)).toEqual({ raised: [] });
      }
      expect(store.eventsOf('Crisis Ended')).toEqual([]);
      expect(await run(NOW + 2 * HOUR)).toEqual({ raised: [], crisis: 'ended' });
      expect(store.eventsOf('Crisis Ended')).toEqual([
        expect.objectContaining({
          engagementId: CRISIS_PARTITION,
          at: iso(NOW + 2 * HOUR),
          detail: { crisisId: 'c1', by: 'auto', at: iso(NOW + 2 * HOUR) },
        }),
      ]);
      expect(await readCrisisStatus(store)).toEqual({
        active: false,
        last: {
          crisisId: 'c1',
          startedAt: iso(NOW),
          endedAt: iso(NOW + 2 * HOUR),
          cause: expect.objectContaining({ by: 'spike', spike: 'storm' }),
          endedBy: 'auto',
        },
      });
      // Ended once.
      expect(await run(NOW + 3 * HOUR)).toEqual({ raised: [] });
      expect(store.eventsOf('Crisis Ended')).toHaveLength(1);
    });

    it('never ends a crisis started by hand by itself', async () => {
      const { store, run } = detector(setup(), eightDaysOfHistory);
      await startCrisisByHand(store, { reason: 'recall' }, iso(NOW), 'manual-1');
      for (const later of [NOW + 2 * HOUR, NOW + 3 * HOUR, NOW + 30 * DAY]) {
        expect(await run(later)).toEqual({ raised: [] });
      }
      expect(store.eventsOf('Crisis Ended')).toEqual([]);
      expect(await readCrisisStatus(store)).toMatchObject({ active: true, crisisId: 'manual-1' });
    });

    it('never ends a crisis by itself when the playbook has no autoEnd', async () => {
      const { store, counts, run } = detector(
        configured(storm(), 'crisis: { team: crisis-room, when: { keywords: [fire] } }'),
        eightDaysOfHistory,
      );
      counts.set('storm', burst(at('11:46'), at('12:01'), 4));
      expect((await run(NOW)).crisis).toBe('started');
      expect(await run(NOW + 10 * DAY)).toEqual({ raised: [] });
      expect(await readCrisisStatus(store)).toMatchObject({ active: true });
    });

    it('keeps a crisis alive while its storm goes on within the cooldown', async () => {
      const { store, counts, run } = detector(configured(storm('PT6H'), PLAYBOOK), eightDaysOfHistory);
      // The storm lasts until 14:31, then it is quiet.
      counts.set('storm', burst(at('11:46'), at('14:31'), 4));
      expect((await run(NOW)).crisis).toBe('started');
      for (const later of [NOW + HOUR, NOW + 2 * HOUR, NOW + 2.5 * HOUR]) {
        expect(await run(later)).toEqual({ raised: [] }); // in the cooldown: no second "Spike Detected"
      }
      expect(await readCrisisStatus(store)).toMatchObject({ active: true, crisisId: 'c1' });
      // Two hours after the storm was last seen (14:30:30), not before.
      expect(await run(NOW + 4.5 * HOUR - MIN)).toEqual({ raised: [] });
      expect(await readCrisisStatus(store)).toMatchObject({ active: true });
      expect(await run(NOW + 4.5 * HOUR)).toEqual({ raised: [], crisis: 'ended' });
      expect(store.eventsOf('Spike Detected')).toHaveLength(1);
      expect(store.eventsOf('Crisis Ended').map((e) => e.detail)).toEqual([
        { crisisId: 'c1', by: 'auto', at: iso(NOW + 4.5 * HOUR) },
      ]);
    });

    it('counts the autoEnd from a spike raised again after its cooldown', async () => {
      const { store, counts, run } = detector(setup(), eightDaysOfHistory);
      counts.set('storm', burst(at('11:46'), at('13:01'), 4));
      expect((await run(NOW)).crisis).toBe('started');
      const again = await run(NOW + HOUR);
      expect(again.raised).toHaveLength(1);
      expect(again.crisis).toBeUndefined(); // the same crisis goes on
      expect(store.eventsOf('Crisis Started')).toHaveLength(1);
      expect(await run(NOW + 3 * HOUR - MIN)).toEqual({ raised: [] });
      expect(await readCrisisStatus(store)).toMatchObject({ active: true, crisisId: 'c1' });
      expect(await run(NOW + 3 * HOUR)).toEqual({ raised: [], crisis: 'ended' });
    });

    it('starts a new crisis when its spike comes back after an auto end', async () => {
      const { store, counts, run } = detector(setup(), eightDaysOfHistory);
      counts.set('storm', (m) =>
        (m >= at('11:46') && m < at('12:01')) || (m >= at('14:46') && m < at('15:01')) ? 4 : 1,
      );
      await run(NOW);
      expect((await run(NOW + 2 * HOUR)).crisis).toBe('ended');
      expect((await run(NOW + 3 * HOUR)).crisis).toBe('started');
      expect(await readCrisisStatus(store)).toMatchObject({ active: true, crisisId: 'c2' });
      expect(store.eventsOf('Crisis Started').map((e) => e.detail.crisisId)).toEqual(['c1', 'c2']);
    });
  });

  describe('concurrent runs', () => {
    it('retries a commit conflict and raises once', async () => {
      const { store, counts, run } = detector(configured(`${BATTERY}\n${storm()}`, PLAYBOOK), eightDaysOfHistory);
      counts.set('storm', burst(at('11:46'), at('12:01'), 4));
      store.conflictNext(1);
      const outcome = await run();
      expect(outcome.raised).toHaveLength(1);
      expect(outcome.crisis).toBe('started');
      expect(store.conflicts).toBe(1);
      expect(store.eventsOf('Spike Detected')).toHaveLength(1);
      expect(store.eventsOf('Crisis Started')).toHaveLength(1);
    });

    it('raises nothing when another run raised the spike meanwhile', async () => {
      const { store, counts, run } = detector(configured(BATTERY), eightDaysOfHistory);
      counts.set('battery', burst(at('11:46'), at('12:01'), 4));
      let once = true;
      store.beforeCommit = () => {
        if (!once) return;
        once = false;
        const raised: SpikeState = { revision: 1, lastRaisedAt: iso(NOW - 5_000) };
        store.put(spikePartition('battery'), raised);
      };
      expect(await run()).toEqual({ raised: [] });
      expect(store.events).toEqual([]);
    });

    it('raises a spike once when two runs go at the same time', async () => {
      const { store, counts, run } = detector(configured(`${BATTERY}\n${storm()}`, PLAYBOOK), eightDaysOfHistory);
      counts.set('battery', burst(at('11:46'), at('12:01'), 4)).set('storm', burst(at('11:46'), at('12:01'), 4));
      const outcomes = await Promise.all([run(), run(), run()]);
      expect(
        outcomes
          .flatMap((o) => o.raised)
          .map((d) => d.spike)
          .sort(),
      ).toEqual(['battery', 'storm']);
      expect(outcomes.filter((o) => o.crisis === 'started')).toHaveLength(1);
      expect(store.eventsOf('Spike Detected')).toHaveLength(2);
      expect(store.eventsOf('Crisis Started')).toHaveLength(1);
    });

    it('gives up, saying so, when the state keeps changing', async () => {
      const { store, counts, run, logged } = detector(configured(BATTERY), eightDaysOfHistory);
      counts.set('battery', burst(at('11:46'), at('12:01'), 4));
      store.conflictNext(10);
      expect(await run()).toEqual({ raised: [] });
      expect(store.events).toEqual([]);
      expect(logged).toContainEqual(expect.objectContaining({ level: 'warn' }));
    });
  });
});
