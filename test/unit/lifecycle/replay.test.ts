import { parseConfig } from '#core/config/load-config.js';
import type { Engagement } from '#core/engagement/engagement.schema.js';
import type { OutboxEvent } from '#core/lifecycle/ports/lifecycle-store.js';
import {
  createReplayer,
  departmentRules,
  highestPriority,
  inWindow,
  parseInstant,
  ReplayWindowError,
  replayedRouting,
  replayWindow,
} from '#core/lifecycle/replay.js';
import { PatternSet } from '#core/patterns/index.js';
import { EngagementRoutedEventSchema } from '#events/schemas/engagement-routed.js';
import { parseReplayArgs, ReplayUsageError } from '../../../bin/commands/replay.js';
import type { ReplaySource, ScanKey } from '#core/lifecycle/replay-run.js';
import { type CursorStore, type ReplayCursor, type ReplayRun, runReplay } from '../../../bin/commands/replay-run.js';

const loaded = parseConfig(`departments:
  - { id: legal, name: Legal, sla: { firstResponse: PT1H } }
  - { id: care, name: Care, sla: { firstResponse: PT2H } }
  - { id: press, name: Press }
defaultDepartment: care
rules:
  - { id: threats, when: { keywords: [lawsuit] }, routeTo: [press, legal], priority: urgent }
  - { id: refunds, when: { keywords: [refund] }, routeTo: [care] }
  - { id: gdpr, when: { keywords: [gdpr] }, routeTo: [legal], priority: low }
  - { id: routed-care, when: { routing: { departments: [care] } }, routeTo: [legal], priority: high }
`);

/** A stored engagement as the first routing left it (to care, with everything a routing can carry). */
const stored = (n: number, keywords: string[], receivedAt = '2026-03-01T10:00:00.000Z'): Engagement => ({
  id: `x:${n}`,
  platform: 'x',
  kind: 'mention',
  externalId: String(n),
  text: keywords.join(' '),
  createdAt: '2026-03-01T09:59:00.000Z',
  receivedAt,
  author: { id: '42', handle: 'jdoe', name: 'J' },
  language: 'en',
  intents: ['other'],
  keywords,
  routing: {
    departments: ['care'],
    rules: ['refunds'],
    priority: 'normal',
    slaDueAt: '2026-03-01T12:00:00.000Z',
    configVersion: 'old-config',
    trial: true,
    reroutedFrom: 'press',
  },
});

/** An outbox event as the publish function puts it on the bus, in the envelope EventBridge adds. */
const onTheBus = (e: OutboxEvent) => ({
  version: '0',
  id: 'e',
  'detail-type': e.detailType,
  source: e.source,
  account: '123456789012',
  time: '2026-03-02T08:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: e.detail,
});

describe('replay: rules and the replayed delivery', () => {
  it('takes the rules that route to the department, in config order, and the highest of their priorities', () => {
    expect(departmentRules(loaded.config.rules, 'legal').map((r) => r.id)).toEqual(['threats', 'gdpr', 'routed-care']);
    expect(departmentRules(loaded.config.rules, 'care').map((r) => r.id)).toEqual(['refunds']);
    expect(departmentRules(loaded.config.rules, 'nobody')).toEqual([]);
    expect(highestPriority([{ priority: 'low' }, { priority: 'urgent' }, { priority: 'high' }])).toBe('urgent');
    expect(highestPriority([{ priority: 'low' }])).toBe('low');
  });

  it('matches only the department’s rules, against the engagement without its routing', () => {
    const replayer = createReplayer(loaded, 'legal');
    // "routed-care" matches the stored routing (to care), which the rules never see.
    const routedCare = loaded.config.rules.find((r) => r.id === 'routed-care')!;
    expect(new PatternSet([{ key: 1, pattern: routedCare.when }]).matching(stored(1, ['refund']))).toEqual([1]);
    expect(replayer.matching(stored(1, ['refund']))).toEqual([]);
    expect(replayer.replay(stored(1, ['refund']), '2026-03-02T08:00:00.000Z')).toBeUndefined();
    expect(replayer.matching(stored(2, ['gdpr', 'lawsuit'])).map((r) => r.id)).toEqual(['threats', 'gdpr']);
  });

  it('leaves out an engagement first routed to the department: the department has it', () => {
    const engagement = stored(2, ['gdpr', 'lawsuit']);
    const routedThere = { ...engagement, routing: { ...engagement.routing, departments: ['care', 'legal'] } };
    const replayer = createReplayer(loaded, 'legal');
    expect(replayer.replay(routedThere, '2026-03-02T08:00:00.000Z')).toBeUndefined();
    expect(replayer.replay(engagement, '2026-03-02T08:00:00.000Z')).toBeDefined();
  });

  it('delivers the stored engagement to the one department, marked replayed, with the rules, priority and config of now', () => {
    const engagement = stored(2, ['gdpr', 'lawsuit']);
    const event = createReplayer(loaded, 'legal').replay(engagement, '2026-03-02T08:00:00.000Z');
    const { routing: _routing, ...rest } = engagement;
    expect(event).toEqual({
      engagementId: 'x:2',
      key: 'replay#legal',
      at: '2026-03-02T08:00:00.000Z',
      source: 'switchboard',
      detailType: 'Engagement Routed',
      detail: {
        ...rest,
        // No deadline (no SLA starts), no trial, no handover: those were the first delivery's.
        routing: {
          departments: ['legal'],
          rules: ['threats', 'gdpr'],
          priority: 'urgent',
          configVersion: loaded.configVersion,
          replayed: true,
        },
      },
    });
    const parsed = EngagementRoutedEventSchema.safeParse(onTheBus(event!));
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  it('keeps a routing field it does not know of, and replaces the ones it does', () => {
    const routing = { ...stored(1, []).routing, escalatedFrom: 'care', future: 'kept' } as Engagement['routing'];
    expect(replayedRouting(routing, 'legal', [{ id: 'gdpr', priority: 'low' }], 'v2')).toEqual({
      departments: ['legal'],
      rules: ['gdpr'],
      priority: 'low',
      configVersion: 'v2',
      replayed: true,
      future: 'kept',
    });
  });
});

describe('replay: the window', () => {
  const now = new Date('2026-03-02T08:00:00.000Z');

  it('reads dates as midnight UTC, and times in UTC unless they name an offset', () => {
    expect(parseInstant('2026-03-01')).toBe('2026-03-01T00:00:00.000Z');
    expect(parseInstant('2026-03-01T10:30')).toBe('2026-03-01T10:30:00.000Z');
    expect(parseInstant('2026-03-01T10:30:15.5Z')).toBe('2026-03-01T10:30:15.500Z');
    expect(parseInstant('2026-03-01T10:30:00+02:00')).toBe('2026-03-01T08:30:00.000Z');
    for (const bad of [
      'yesterday',
      '2026-02-30',
      '2026-13-01',
      '2026-03-01T24:00Z',
      '1/3/2026',
      '2026-03-01 10:00',
      '',
    ])
      expect([bad, parseInstant(bad)]).toEqual([bad, undefined]);
  });

  it('runs from --since to --until, or to now', () => {
    expect(replayWindow('2026-03-01', '2026-03-01T12:00:00Z', now)).toEqual({
      since: '2026-03-01T00:00:00.000Z',
      until: '2026-03-01T12:00:00.000Z',
    });
    expect(replayWindow('2026-03-01', undefined, now)).toEqual({
      since: '2026-03-01T00:00:00.000Z',
      until: '2026-03-02T08:00:00.000Z',
    });
  });

  it('refuses a bound that is no date or time, and a window that ends before it starts', () => {
    expect(() => replayWindow('last week', undefined, now)).toThrow(ReplayWindowError);
    expect(() => replayWindow('2026-03-01', 'soon', now)).toThrow(/--until "soon"/);
    expect(() => replayWindow('2026-03-01', '2026-03-01', now)).toThrow(/empty/);
    expect(() => replayWindow('2026-03-03', undefined, now)).toThrow(/in the future/);
  });

  it('includes its start and excludes its end', () => {
    const window = { since: '2026-03-01T00:00:00.000Z', until: '2026-03-02T00:00:00.000Z' };
    expect(inWindow('2026-03-01T00:00:00.000Z', window)).toBe(true);
    expect(inWindow('2026-03-01T23:59:59.999Z', window)).toBe(true);
    expect(inWindow('2026-03-02T00:00:00.000Z', window)).toBe(false);
    expect(inWindow('2026-02-28T23:59:59.999Z', window)).toBe(false);
  });
});

describe('replay: the command line', () => {
  it('reads the department, the window and the flags', () => {
    expect(parseReplayArgs(['--department', 'legal', '--since', '2026-03-01'])).toEqual({
      department: 'legal',
      since: '2026-03-01',
      dryRun: false,
      json: false,
      restart: false,
    });
    expect(
      parseReplayArgs([
        '--json',
        '--since=2026-03-01',
        '--department=legal',
        '--until',
        '2026-03-02',
        '--dry-run',
        '--restart',
      ]),
    ).toEqual({
      department: 'legal',
      since: '2026-03-01',
      until: '2026-03-02',
      dryRun: true,
      json: true,
      restart: true,
    });
    expect(parseReplayArgs(['--department', 'legal', '--since', '2026-03-01', '--stack=Prod'])).toMatchObject({
      department: 'legal',
      stack: 'Prod',
      restart: false,
    });
  });

  it.each([
    [[], /--department/],
    [['--department', 'legal'], /--since/],
    [['--since', '2026-03-01'], /--department/],
    [['--department', '--since', '2026-03-01'], /--department needs a value/],
    [['--department', 'legal', '--since'], /--since needs a value/],
    [['--department', 'legal', '--since', '2026-03-01', '--nope'], /unknown option "--nope"/],
    [['--department', 'legal', '--since', '2026-03-01', 'extra'], /unexpected argument "extra"/],
    [['--department', 'legal', '--since', '2026-03-01', '--stack'], /--stack needs a value/],
    [['--department', 'legal', '--since', '2026-03-01', '--stack', 'Prod', '--restart'], /--restart is for the local/],
  ])('refuses %j', (args, message) => {
    expect(() => parseReplayArgs(args)).toThrow(ReplayUsageError);
    expect(() => parseReplayArgs(args)).toThrow(message);
  });
});

/** The table in memory: pages of engagements, and the outbox events written (by engagement id and key). */
function fakeTable(pages: Engagement[][], options: { failOnPage?: number } = {}) {
  const written = new Map<string, OutboxEvent>();
  const pageReads: (string | undefined)[] = [];
  let failOnPage = options.failOnPage;
  const source: ReplaySource = {
    async page(_window, start: ScanKey | undefined) {
      const index = start ? Number(start.page) : 0;
      pageReads.push(start ? String(start.page) : undefined);
      if (failOnPage === index) {
        failOnPage = undefined; // once: the next run gets through
        throw new Error('throttled');
      }
      return { engagements: pages[index]!, ...(index + 1 < pages.length ? { next: { page: index + 1 } } : {}) };
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
  return { source, written, pageReads };
}

function memoryCursor(): CursorStore & { saved: ReplayCursor | undefined; saves: number } {
  return {
    saved: undefined,
    saves: 0,
    load() {
      return this.saved;
    },
    save(c) {
      this.saved = structuredClone(c);
      this.saves++;
    },
    clear() {
      this.saved = undefined;
    },
  };
}

describe('replay: a run', () => {
  const window = { since: '2026-03-01T00:00:00.000Z', until: '2026-03-02T00:00:00.000Z' };
  const pages = [
    [stored(1, ['lawsuit']), stored(2, ['refund'])],
    [stored(3, ['gdpr']), stored(4, ['gdpr'], '2026-03-02T00:00:00.000Z')],
    [stored(5, ['lawsuit', 'gdpr'])],
  ];
  const run = (over: Partial<ReplayRun> & Pick<ReplayRun, 'source' | 'cursor'>): Promise<unknown> =>
    runReplay({
      replayer: createReplayer(loaded, 'legal'),
      window,
      untilGiven: true,
      tableName: 'T',
      dryRun: false,
      restart: false,
      now: () => new Date('2026-03-02T08:00:00.000Z'),
      ...over,
    });

  it('sends each match once: a second run over the window sends nothing and counts them skipped', async () => {
    const { source, written } = fakeTable(pages);
    const cursor = memoryCursor();
    const progress: unknown[] = [];
    // x:2 matches no legal rule; x:4 was received at the window's end.
    expect(await run({ source, cursor, progress: (c) => progress.push(c) })).toEqual({
      matched: 3,
      sent: 3,
      skipped: 0,
    });
    expect([...written.keys()]).toEqual(['x:1/replay#legal', 'x:3/replay#legal', 'x:5/replay#legal']);
    expect(progress.at(-1)).toEqual({ matched: 3, sent: 3, skipped: 0, read: 4 });
    expect(cursor.saved).toBeUndefined();
    expect(await run({ source, cursor })).toEqual({ matched: 3, sent: 0, skipped: 3 });
    expect(written.size).toBe(3);
  });

  it('writes nothing on a dry run: it names what it would send and counts what was sent before', async () => {
    const { source, written } = fakeTable(pages);
    await source.put(createReplayer(loaded, 'legal').replay(stored(3, ['gdpr']), 'earlier')!);
    const cursor = memoryCursor();
    const wouldSend: string[] = [];
    expect(await run({ source, cursor, dryRun: true, wouldSend: (e) => wouldSend.push(e.engagementId) })).toEqual({
      matched: 3,
      sent: 0,
      skipped: 1,
    });
    expect(wouldSend).toEqual(['x:1', 'x:5']);
    expect(written.size).toBe(1);
    expect(cursor.saves).toBe(0);
  });

  it('goes on after an interruption from the last whole page, with the counts so far, and then drops the cursor', async () => {
    const { source, written, pageReads } = fakeTable(pages, { failOnPage: 2 });
    const cursor = memoryCursor();
    await expect(run({ source, cursor })).rejects.toThrow('throttled');
    expect(cursor.saved).toMatchObject({
      department: 'legal',
      next: { page: 2 },
      matched: 2,
      sent: 2,
      skipped: 0,
      read: 3,
    });
    const notices: string[] = [];
    expect(await run({ source, cursor, notice: (m) => notices.push(m) })).toEqual({ matched: 3, sent: 3, skipped: 0 });
    expect(pageReads).toEqual([undefined, '1', '2', '2']);
    expect(notices).toEqual([expect.stringMatching(/^resuming the interrupted replay to legal .* after 3 engagement/)]);
    expect(written.size).toBe(3);
    expect(cursor.saved).toBeUndefined();
  });

  it('keeps the first run’s end of the window when it resumes one that ran until "now"', async () => {
    const { source, pageReads } = fakeTable(pages, { failOnPage: 1 });
    const cursor = memoryCursor();
    await expect(run({ source, cursor, untilGiven: false })).rejects.toThrow();
    const later = { since: window.since, until: '2026-03-09T00:00:00.000Z' };
    const seen: string[] = [];
    const wrapped: ReplaySource = { ...source, page: (w, s) => (seen.push(w.until), source.page(w, s)) };
    await run({ source: wrapped, cursor, window: later, untilGiven: false });
    expect(seen).toEqual([window.until, window.until]);
    expect(pageReads).toEqual([undefined, '1', '1', '2']);
  });

  it('starts over with --restart, or when the cursor is for another window', async () => {
    for (const over of [{ restart: true }, { window: { ...window, since: '2026-02-01T00:00:00.000Z' } }]) {
      const { source, pageReads } = fakeTable(pages, { failOnPage: 1 });
      const cursor = memoryCursor();
      await expect(run({ source, cursor })).rejects.toThrow();
      expect(await run({ source, cursor, ...over })).toEqual({ matched: 3, sent: 2, skipped: 1 });
      expect(pageReads).toEqual([undefined, '1', undefined, '1', '2']);
    }
  });
});
