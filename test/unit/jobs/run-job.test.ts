import { parseConfig } from '#core/config/load-config.js';
import type { Engagement } from '#core/engagement/engagement.schema.js';
import type { ErasureRecord } from '#core/lifecycle/erase.js';
import type { ErasureSteps } from '#core/lifecycle/erase-run.js';
import type { OutboxEvent } from '#core/lifecycle/ports/lifecycle-store.js';
import type { ReplaySource, ScanKey } from '#core/lifecycle/replay-run.js';
import {
  type EraseJobState,
  JobInputError,
  type JobState,
  parseJobState,
  type ReplayJobState,
  WOULD_SEND_LISTED,
} from '../../../lambdas/jobs/job-state.js';
import { type JobDependencies, runJob, SAFETY_MARGIN_MS } from '../../../lambdas/jobs/run-job.js';

const config = parseConfig(`departments:
  - { id: legal, name: Legal }
  - { id: care, name: Care }
  - { id: press, name: Press }
defaultDepartment: care
rules:
  - { id: threats, when: { keywords: [lawsuit] }, routeTo: [legal], priority: urgent }
  - { id: refunds, when: { keywords: [refund] }, routeTo: [care] }
`);

const engagement = (n: number, keywords: string[], author = '42'): Engagement => ({
  id: `x:${n}`,
  platform: 'x',
  kind: 'mention',
  externalId: String(n),
  text: keywords.join(' '),
  createdAt: '2026-03-01T09:59:00.000Z',
  receivedAt: '2026-03-01T10:00:00.000Z',
  author: { id: author, handle: 'h', name: 'N' },
  language: 'en',
  intents: ['other'],
  keywords,
  routing: { departments: ['care'], rules: [], priority: 'normal', configVersion: 'old' },
});

/** A table of pages: engagements to replay (and whose they are, for an erasure), and what was written. */
function fakeTable(pages: Engagement[][]) {
  const written = new Map<string, OutboxEvent>();
  const erased = new Set<string>();
  const tombstones = new Map<string, ErasureRecord>();
  const log: string[] = [];
  const index = (start: ScanKey | undefined) => (start ? Number(start.page) : 0);
  const next = (i: number) => (i + 1 < pages.length ? { next: { page: i + 1 } } : {});
  const source: ReplaySource = {
    async page(_window, start) {
      log.push(`page ${index(start)}`);
      return { engagements: pages[index(start)]!, ...next(index(start)) };
    },
    async put(event) {
      const key = `${event.engagementId}/${event.key}`;
      if (written.has(key)) return false;
      written.set(key, event);
      return true;
    },
    async existing(events) {
      return new Set(events.filter((e) => written.has(`${e.engagementId}/${e.key}`)).map((e) => e.engagementId));
    },
  };
  const erasure: ErasureSteps = {
    async findPage(platform, authorId, start) {
      log.push(`find ${index(start)}`);
      const ids = pages[index(start)]!.filter(
        (e) => e.platform === platform && e.author.id === authorId && !erased.has(e.id),
      ).map((e) => e.id);
      return { ids, ...next(index(start)) };
    },
    async erase(id) {
      log.push(`erase ${id}`);
      erased.add(id);
    },
    async record(record) {
      log.push('tombstone');
      tombstones.set(`ERASURE#${record.at}#${record.author}`, record);
    },
  };
  return { source, erasure, written, erased, tombstones, log };
}

const pages = [
  [engagement(1, ['lawsuit']), engagement(2, ['refund'], '7')],
  [engagement(3, ['lawsuit'], '7'), engagement(4, ['hello'])],
  [engagement(5, ['lawsuit'])],
];

const deps = (table: ReturnType<typeof fakeTable>): JobDependencies => ({
  replay: { config, source: table.source, now: () => new Date('2026-03-02T08:00:00.000Z') },
  erasure: table.erasure,
});

/** Time left for `steps` more checks, then less than the margin: each invocation takes steps+1 steps. */
const timeFor = (steps: number) => {
  let checks = 0;
  return () => (checks++ < steps ? SAFETY_MARGIN_MS + 1 : SAFETY_MARGIN_MS - 1);
};

/** Calls the job as the state machine does (its output is the next input, through JSON) until done. */
async function untilDone(input: JobState, dependencies: JobDependencies, steps = 0) {
  const states: JobState[] = [];
  let state: unknown = input;
  do {
    state = JSON.parse(JSON.stringify(await runJob(state, dependencies, timeFor(steps))));
    states.push(state as JobState);
  } while (!(state as JobState).done && states.length < 50);
  return states;
}

const replayInput: ReplayJobState = {
  job: 'replay',
  department: 'legal',
  since: '2026-03-01T00:00:00.000Z',
  until: '2026-03-02T00:00:00.000Z',
  dryRun: false,
};

const eraseInput: EraseJobState = {
  job: 'erase',
  author: 'x:42',
  requestedBy: 'dpo@example.com',
  at: '2026-03-02T08:00:00.000Z',
  dryRun: false,
};

describe('the job function: replay', () => {
  it('works page by page while time is left, hands the cursor on, and ends done with the counts', async () => {
    const table = fakeTable(pages);
    const states = await untilDone(replayInput, deps(table));
    // Each invocation stops after one page: time was short.
    expect(states.map((s) => s.done)).toEqual([false, false, true]);
    expect(states.map((s) => s.cursor)).toEqual([{ page: 1 }, { page: 2 }, undefined]);
    expect(states.at(-1)).toEqual({ ...replayInput, counts: { matched: 3, sent: 3, skipped: 0, read: 5 }, done: true });
    expect([...table.written.keys()]).toEqual(['x:1/replay#legal', 'x:3/replay#legal', 'x:5/replay#legal']);
  });

  it('does as many pages as time allows in one invocation', async () => {
    const table = fakeTable(pages);
    const states = await untilDone(replayInput, deps(table), 10);
    expect(states).toHaveLength(1);
    expect(table.log).toEqual(['page 0', 'page 1', 'page 2']);
  });

  it('counts a page done again after a failed invocation as skipped, not sent twice', async () => {
    const table = fakeTable(pages);
    const first = await runJob(replayInput, deps(table), timeFor(0));
    // The second invocation fails after writing; the state machine calls it again with the same state.
    await runJob(first, deps(table), timeFor(0));
    const again = await runJob(first, deps(table), timeFor(10));
    expect(again).toMatchObject({ done: true, counts: { matched: 3, sent: 2, skipped: 1 } });
    expect(table.written.size).toBe(3);
  });

  it('lists what a dry run would send and writes nothing', async () => {
    const table = fakeTable(pages);
    const states = await untilDone({ ...replayInput, dryRun: true }, deps(table));
    expect(states.at(-1)).toMatchObject({ done: true, wouldSend: ['x:1', 'x:3', 'x:5'], counts: { sent: 0 } });
    expect(table.written.size).toBe(0);
    expect(WOULD_SEND_LISTED).toBeGreaterThan(3);
  });

  it('ends at once, with a notice, when no rule of the deployed config routes to the department', async () => {
    const table = fakeTable(pages);
    const [state] = await untilDone({ ...replayInput, department: 'press' }, deps(table));
    expect(state).toMatchObject({ done: true, counts: { matched: 0 }, notice: expect.stringMatching(/no rule/) });
    expect(table.log).toEqual([]);
  });

  it('refuses a department the deployed config does not have, naming those it has', async () => {
    await expect(runJob({ ...replayInput, department: 'nobody' }, deps(fakeTable(pages)), timeFor(0))).rejects.toThrow(
      new JobInputError('no department "nobody" in the deployed config; departments: legal, care, press'),
    );
  });
});

describe('the job function: erase', () => {
  it('finds every engagement first, then erases them, then writes the tombstone once, over several invocations', async () => {
    const table = fakeTable(pages);
    const states = await untilDone(eraseInput, deps(table));
    expect(table.log).toEqual(['find 0', 'find 1', 'find 2', 'erase x:1', 'erase x:4', 'erase x:5', 'tombstone']);
    expect(states.map((s) => s.cursor)).toEqual([
      { phase: 'find', next: { page: 1 } },
      { phase: 'find', next: { page: 2 } },
      { phase: 'erase', erased: 0 },
      { phase: 'erase', erased: 1 },
      { phase: 'erase', erased: 2 },
      { phase: 'erase', erased: 3 },
      undefined,
    ]);
    expect(states.at(-1)).toEqual({
      ...eraseInput,
      found: ['x:1', 'x:4', 'x:5'],
      counts: { found: 3, erased: 3 },
      done: true,
    });
    expect([...table.tombstones.values()]).toEqual([
      { author: 'x:42', requestedBy: 'dpo@example.com', engagementIds: ['x:1', 'x:4', 'x:5'], at: eraseInput.at },
    ]);
  });

  it('keeps every engagement in the tombstone when an invocation is retried after it erased some', async () => {
    const table = fakeTable(pages);
    const states = await untilDone(eraseInput, deps(table));
    // Say an invocation failed after erasing them all: the retry starts from its input, when
    // none was erased yet, and no longer finds them by their author (they are erased).
    const retried = await runJob(states[2], deps(table), timeFor(10));
    expect(retried).toMatchObject({ done: true, counts: { found: 3, erased: 3 } });
    expect(table.tombstones.size).toBe(1);
    expect([...table.tombstones.values()][0]!.engagementIds).toEqual(['x:1', 'x:4', 'x:5']);
  });

  it('writes a tombstone when nothing is found, and returns a finished job as it is', async () => {
    const table = fakeTable(pages);
    const states = await untilDone({ ...eraseInput, author: 'x:nobody' }, deps(table), 10);
    expect(states.at(-1)).toMatchObject({ found: [], counts: { found: 0, erased: 0 }, done: true });
    expect(table.tombstones.size).toBe(1);
    table.log.length = 0;
    expect(await runJob(states.at(-1), deps(table), timeFor(10))).toEqual(states.at(-1));
    expect(table.log).toEqual([]);
  });

  it('only finds on a dry run: no erasure, no tombstone', async () => {
    const table = fakeTable(pages);
    const states = await untilDone({ ...eraseInput, dryRun: true }, deps(table), 10);
    expect(states.at(-1)).toMatchObject({ found: ['x:1', 'x:4', 'x:5'], counts: { found: 3, erased: 0 }, done: true });
    expect(table.erased.size).toBe(0);
    expect(table.tombstones.size).toBe(0);
  });
});

describe('the job input', () => {
  it.each([
    [undefined, /JSON object/],
    [{ job: 'vacuum' }, /"job" must be "replay" or "erase"/],
    [{ ...replayInput, department: '' }, /"department"/],
    [{ ...replayInput, until: undefined }, /"until"/],
    [{ ...replayInput, since: '2026-03-01' }, /"since" must be an ISO 8601 UTC time/],
    [{ ...replayInput, dryRun: 'yes' }, /"dryRun"/],
    [{ ...replayInput, cursor: 'page 2' }, /"cursor"/],
    [{ ...eraseInput, author: 'nobody' }, /"author" must be <platform>:<author id>$/],
    [{ ...eraseInput, requestedBy: undefined }, /"requestedBy"/],
    [{ ...eraseInput, cursor: { phase: 'erase', erased: 2 }, found: ['x:1'] }, /past the engagements found/],
    [{ ...eraseInput, found: [1] }, /"found"/],
  ])('refuses %j', (input, message) => {
    expect(() => parseJobState(input)).toThrow(JobInputError);
    expect(() => parseJobState(input)).toThrow(message);
  });

  it('is named for Step Functions, which does not retry it', () => {
    expect(new JobInputError('x').name).toBe('JobInputError');
  });

  it('refuses a window that holds nothing', async () => {
    await expect(
      runJob({ ...replayInput, until: replayInput.since }, deps(fakeTable(pages)), timeFor(0)),
    ).rejects.toBeInstanceOf(JobInputError);
  });
});
