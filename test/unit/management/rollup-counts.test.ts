import type { Assignment, AssignmentEvent } from '#core/assignments/assignment.js';
import { parseConfig } from '#core/config/load-config.js';
import type { Engagement } from '#core/engagement/engagement.schema.js';
import { countRecords, type InsertedItem } from '#core/management/count-records.js';
import { responseBucket } from '#core/management/response-times.js';
import { counterKey, hourOf, readHour, topicWords } from '#core/management/rollup.js';
import {
  countBreach,
  countReplyPublished,
  countRouted,
  countStatusChanged,
  type RollupDelta,
  spikeCount,
} from '#core/management/rollup-counts.js';

const { spikes } = parseConfig(
  `departments: [{ id: care, name: Care }]
defaultDepartment: care
spikes:
  - { id: battery, key: "keyword:battery", window: PT15M, sensitivity: 3, cooldown: PT1H }
  - { id: fire-phrase, key: "keyword:battery fire", window: PT15M, sensitivity: 3, cooldown: PT1H }
  - { id: refunds, key: "keyword:refund", window: PT15M, sensitivity: 3, cooldown: PT1H }
  - { id: complaints, key: "intent:complaint", window: PT15M, sensitivity: 3, cooldown: PT1H }
  - { id: praise, key: "intent:praise", window: PT15M, sensitivity: 3, cooldown: PT1H }
  - { id: on-x, key: "platform:x", window: PT15M, sensitivity: 3, cooldown: PT1H }
  - { id: on-facebook, key: "platform:facebook", window: PT15M, sensitivity: 3, cooldown: PT1H }
  - { id: mood, key: negativeShare, window: PT15M, sensitivity: 3, cooldown: PT1H }
`,
  'rollups.yaml',
).config;

const engagement = (more: Partial<Engagement> = {}): Engagement =>
  ({
    id: 'x:1',
    platform: 'x',
    externalId: '1',
    kind: 'mention',
    text: 'my battery caught fire, battery fire!',
    language: 'en',
    intents: ['complaint', 'bug_report'],
    keywords: ['battery', 'battery fire', 'fire', 'battery', 'a|b'],
    sentiment: { label: 'negative', score: -0.8 },
    author: { id: 'u-1', handle: 'jo', name: 'Jo' },
    createdAt: '2026-12-01T10:17:00.000Z',
    receivedAt: '2026-12-01T10:17:42.123Z',
    routing: {
      departments: ['care', 'eng'],
      rules: ['batteries', 'angry'],
      priority: 'high',
      configVersion: 'v1',
    },
    ...more,
  }) as Engagement;

const withRouting = (routing: Partial<Engagement['routing']>) =>
  engagement({ routing: { ...engagement().routing, ...routing } });

describe('counting a routed engagement', () => {
  it('counts it once in the hour, by platform, department, intent, sentiment, language, priority and rule', () => {
    const delta = countRouted('ENG#x:1#ENGAGEMENT', engagement(), []);
    expect(delta.id).toBe('ENG#x:1#ENGAGEMENT');
    expect(delta.hour).toEqual({
      hour: '2026-12-01T10:00:00.000Z',
      add: {
        n: 1,
        'p|x': 1,
        'd|care': 1,
        'd|eng': 1,
        'i|complaint': 1,
        'i|bug_report': 1,
        's|negative': 1,
        'l|en': 1,
        'pr|high': 1,
        'r|batteries': 1,
        'r|angry': 1,
      },
    });
  });

  it('counts an engagement no rule matched under the rule (none), and none without a sentiment', () => {
    const { sentiment: _, ...noSentiment } = withRouting({ rules: [] });
    const delta = countRouted('id', noSentiment as Engagement, []);
    expect(delta.hour?.add).toMatchObject({ 'r|(none)': 1 });
    expect(Object.keys(delta.hour?.add ?? {}).filter((k) => k.startsWith('r|'))).toEqual(['r|(none)']);
    expect(Object.keys(delta.hour?.add ?? {}).some((k) => k.startsWith('s|'))).toBe(false);
  });

  it('counts the crisis rule like any other', () => {
    const delta = countRouted('id', withRouting({ rules: ['crisis'], crisis: 'c1' }), []);
    expect(delta.hour?.add).toMatchObject({ 'r|crisis': 1 });
    expect(delta.hour?.add['r|(none)']).toBeUndefined();
  });

  it("counts the day's topic words once: single words as written, not phrases, stems or ones with a |", () => {
    expect(countRouted('id', engagement(), []).keywords).toEqual({
      day: '2026-12-01',
      add: { battery: 1, fire: 1 },
    });
    expect(
      topicWords({
        text: 'My order never ARRIVED 😡️, acme!',
        keywords: ['order', 'arrived', 'arriv', 'acme', 'acm', 'never arrived', '️'],
      }),
    ).toEqual(['order', 'arrived', 'acme']);
  });

  it('leaves the keywords out when there are none to count', () => {
    const delta = countRouted('id', engagement({ keywords: ['a|b'] }), []);
    expect(delta.keywords).toBeUndefined();
    expect(countRouted('id', engagement({ keywords: [] }), []).keywords).toBeUndefined();
  });

  it('adds a live-feed row without the text', () => {
    const { feed } = countRouted('id', engagement(), []);
    expect(feed).toEqual({
      engagementId: 'x:1',
      receivedAt: '2026-12-01T10:17:42.123Z',
      platform: 'x',
      kind: 'mention',
      departments: ['care', 'eng'],
      priority: 'high',
      intents: ['complaint', 'bug_report'],
      sentiment: 'negative',
      language: 'en',
      rules: ['batteries', 'angry'],
    });
    expect(JSON.stringify(feed)).not.toContain('caught fire');
  });

  it('counts the minute for each spike entry whose key it matches, and only those', () => {
    const delta = countRouted('id', engagement(), spikes);
    const minute = '2026-12-01T10:17:00.000Z';
    expect(delta.spikes).toEqual([
      { spikeId: 'battery', minute, add: { n: 1 } },
      { spikeId: 'fire-phrase', minute, add: { n: 1 } },
      { spikeId: 'complaints', minute, add: { n: 1 } },
      { spikeId: 'on-x', minute, add: { n: 1 } },
      { spikeId: 'mood', minute, add: { n: 1, negative: 1 } },
    ]);
  });

  it('counts a sentiment other than negative in the negative share only as an engagement', () => {
    const positive = engagement({ sentiment: { label: 'positive', score: 0.9 }, platform: 'facebook' });
    expect(countRouted('id', positive, spikes).spikes).toEqual(
      expect.arrayContaining([
        { spikeId: 'mood', minute: '2026-12-01T10:17:00.000Z', add: { n: 1 } },
        { spikeId: 'on-facebook', minute: '2026-12-01T10:17:00.000Z', add: { n: 1 } },
      ]),
    );
    const { sentiment: _, ...none } = engagement();
    expect(countRouted('id', none as Engagement, spikes).spikes.map((s) => s.spikeId)).not.toContain('mood');
  });

  it('matches keys exactly: intent, platform and keyword', () => {
    const e = engagement({ keywords: ['batteries'], intents: ['praise'], platform: 'facebook' });
    expect(spikeCount('keyword:battery', e)).toBeUndefined();
    expect(spikeCount('intent:complaint', e)).toBeUndefined();
    expect(spikeCount('intent:praise', e)).toEqual({ n: 1 });
    expect(spikeCount('platform:x', e)).toBeUndefined();
    expect(spikeCount('platform:facebook', e)).toEqual({ n: 1 });
  });
});

const assignment = (events: Partial<AssignmentEvent>[], more: Partial<Assignment> = {}): Assignment => ({
  engagementId: 'x:1',
  department: 'care',
  state: (events.at(-1)?.to ?? 'new') as Assignment['state'],
  version: events.length,
  revision: events.length,
  routedAt: '2026-12-01T10:00:00.000Z',
  changedAt: events.at(-1)?.at ?? '2026-12-01T10:00:00.000Z',
  events: events.map((e) => ({ from: 'new', to: 'new', by: 'department', at: '', ...e }) as AssignmentEvent),
  answers: {},
  ...more,
});

describe('counting status changes', () => {
  const f = (what: number | 'count' | 'met') => counterKey.firstResponse('care', what);
  const z = (what: number | 'count' | 'met') => counterKey.resolution('care', what);

  it("counts a department's first response, how long it took from routing, and that it met the SLA", () => {
    const a = assignment([
      { at: '2026-12-01T10:05:00.000Z', from: 'new', to: 'acknowledged' },
      { at: '2026-12-01T11:20:00.000Z', from: 'acknowledged', to: 'responded' },
    ]);
    const delta = countStatusChanged(
      'EV#1',
      { department: 'care', to: 'responded', at: '2026-12-01T11:20:00.000Z' },
      a,
    );
    expect(delta).toEqual({
      id: 'EV#1',
      hour: {
        hour: '2026-12-01T11:00:00.000Z',
        add: { [f('count')]: 1, [f('met')]: 1, [f(responseBucket(80 * 60))]: 1 },
      },
      spikes: [],
    });
  });

  it('does not count it as met when a breach of that kind was recorded', () => {
    const a = assignment([{ at: '2026-12-01T11:20:00.000Z', to: 'responded' }], {
      breaches: { firstResponse: '2026-12-01T11:00:00.000Z' },
    });
    const delta = countStatusChanged('id', { department: 'care', to: 'responded', at: '2026-12-01T11:20:00.000Z' }, a);
    expect(delta.hour?.add).toEqual({ [f('count')]: 1, [f(responseBucket(80 * 60))]: 1 });
  });

  it('counts nothing for a change that meets no SLA', () => {
    const a = assignment([{ at: '2026-12-01T10:05:00.000Z', to: 'acknowledged' }]);
    expect(
      countStatusChanged('id', { department: 'care', to: 'acknowledged', at: '2026-12-01T10:05:00.000Z' }, a),
    ).toEqual({ id: 'id', spikes: [] });
  });

  it('does not count a later response after a reopening as a second first response', () => {
    const a = assignment([
      { at: '2026-12-01T10:20:00.000Z', from: 'new', to: 'responded' },
      { at: '2026-12-01T12:00:00.000Z', from: 'responded', to: 'reopened', by: 'switchboard' },
      { at: '2026-12-01T12:30:00.000Z', from: 'reopened', to: 'responded' },
    ]);
    const first = countStatusChanged('1', { department: 'care', to: 'responded', at: '2026-12-01T10:20:00.000Z' }, a);
    expect(first.hour?.add[f('count')]).toBe(1);
    const later = countStatusChanged('2', { department: 'care', to: 'responded', at: '2026-12-01T12:30:00.000Z' }, a);
    expect(later).toEqual({ id: '2', spikes: [] });
  });

  it('counts a resolution that is also the first response as both', () => {
    const a = assignment([{ at: '2026-12-01T10:30:00.000Z', from: 'new', to: 'resolved' }]);
    const delta = countStatusChanged('id', { department: 'care', to: 'resolved', at: '2026-12-01T10:30:00.000Z' }, a);
    const bucket = responseBucket(30 * 60);
    expect(delta.hour).toEqual({
      hour: '2026-12-01T10:00:00.000Z',
      add: { [f('count')]: 1, [f('met')]: 1, [f(bucket)]: 1, [z('count')]: 1, [z('met')]: 1, [z(bucket)]: 1 },
    });
  });

  it('counts a resolution after a response as a resolution only', () => {
    const a = assignment(
      [
        { at: '2026-12-01T10:20:00.000Z', from: 'new', to: 'responded' },
        { at: '2026-12-01T14:00:00.000Z', from: 'responded', to: 'resolved' },
      ],
      { breaches: { resolution: '2026-12-01T13:00:00.000Z' } },
    );
    const delta = countStatusChanged('id', { department: 'care', to: 'resolved', at: '2026-12-01T14:00:00.000Z' }, a);
    expect(delta.hour).toEqual({
      hour: '2026-12-01T14:00:00.000Z',
      add: { [z('count')]: 1, [z(responseBucket(4 * 3600))]: 1 },
    });
  });

  it('does not take a late report as the first response', () => {
    const a = assignment([
      { at: '2026-12-01T10:20:00.000Z', from: 'new', to: 'responded', late: true },
      { at: '2026-12-01T10:40:00.000Z', from: 'new', to: 'responded' },
    ]);
    expect(
      countStatusChanged('id', { department: 'care', to: 'responded', at: '2026-12-01T10:40:00.000Z' }, a).hour?.add[
        f('count')
      ],
    ).toBe(1);
  });

  it('counts nothing without the assignment', () => {
    expect(
      countStatusChanged('id', { department: 'care', to: 'responded', at: '2026-12-01T10:40:00.000Z' }, undefined),
    ).toEqual({ id: 'id', spikes: [] });
  });

  it('counts an SLA breach and a published reply in their hours', () => {
    expect(countBreach('b', { department: 'care', sla: 'approval', breachedAt: '2026-12-01T23:59:59.999Z' })).toEqual({
      id: 'b',
      hour: { hour: '2026-12-01T23:00:00.000Z', add: { 'b|care|approval': 1 } },
      spikes: [],
    });
    expect(countReplyPublished('r', { department: 'care', at: '2026-12-02T00:00:00.000Z' })).toEqual({
      id: 'r',
      hour: { hour: '2026-12-02T00:00:00.000Z', add: { 'rp|care': 1 } },
      spikes: [],
    });
  });
});

describe('counting a batch of inserted items', () => {
  const responded = assignment([{ at: '2026-12-01T10:20:00.000Z', from: 'new', to: 'responded' }]);
  const items: InsertedItem[] = [
    { pk: 'ENG#x:1', sk: 'ENGAGEMENT', engagement: engagement() },
    {
      pk: 'ENG#x:1',
      sk: 'EVENT#2026-12-01T10:20:00.000Z#care#v1#status',
      event: {
        detailType: 'Engagement Status Changed',
        detail: {
          engagementId: 'x:1',
          department: 'care',
          from: 'new',
          to: 'responded',
          at: '2026-12-01T10:20:00.000Z',
        },
      },
    },
    {
      pk: 'ENG#x:1',
      sk: 'EVENT#b',
      event: {
        detailType: 'SLA Breached',
        detail: {
          engagementId: 'x:1',
          department: 'care',
          sla: 'firstResponse',
          breachedAt: '2026-12-01T11:00:00.000Z',
        },
      },
    },
    {
      pk: 'ENG#x:1',
      sk: 'EVENT#r',
      event: { detailType: 'Reply Published', detail: { department: 'care', at: '2026-12-01T11:05:00.000Z' } },
    },
    { pk: 'ENG#x:1', sk: 'EVENT#s', event: { detailType: 'Reply Submitted', detail: { department: 'care' } } },
    { pk: 'ENG#switchboard:spike:battery', sk: 'EVENT#k', event: { detailType: 'Spike Detected', detail: {} } },
    { pk: 'ENG#x:2', sk: 'ENGAGEMENT' },
    { pk: 'ENG#x:1', sk: 'CHAIN' },
  ];

  it('keys each delta by its table key, reads the assignment of a status change, and skips the rest', async () => {
    const applied: RollupDelta[][] = [];
    const asked: string[] = [];
    const outcome = await countRecords(items, {
      spikes,
      readAssignment: async (engagementId, department) => {
        asked.push(`${engagementId}/${department}`);
        return responded;
      },
      apply: async (deltas) => {
        applied.push(deltas);
        return { counted: deltas.length, repeated: 0 };
      },
    });
    expect(outcome).toEqual({ counted: 4, repeated: 0, skipped: 4 });
    expect(applied).toHaveLength(1);
    expect(applied[0]?.map((d) => d.id)).toEqual([
      'ENG#x:1#ENGAGEMENT',
      'ENG#x:1#EVENT#2026-12-01T10:20:00.000Z#care#v1#status',
      'ENG#x:1#EVENT#b',
      'ENG#x:1#EVENT#r',
    ]);
    expect(asked).toEqual(['x:1/care']);
    expect(applied[0]?.[0]).toEqual(countRouted('ENG#x:1#ENGAGEMENT', engagement(), spikes));
    expect(applied[0]?.[1]?.hour?.add).toMatchObject({ [counterKey.firstResponse('care', 'count')]: 1 });
    expect(applied[0]?.[2]?.hour?.add).toEqual({ 'b|care|firstResponse': 1 });
    expect(applied[0]?.[3]?.hour?.add).toEqual({ 'rp|care': 1 });
  });

  it('gives a redelivered item the same id, so the store can count it once', async () => {
    const ids: string[] = [];
    const deps = {
      spikes,
      readAssignment: async () => responded,
      apply: async (deltas: RollupDelta[]) => {
        ids.push(...deltas.map((d) => d.id));
        return { counted: deltas.length, repeated: 0 };
      },
    };
    await countRecords(items, deps);
    const first = [...ids];
    ids.length = 0;
    await countRecords(items, deps);
    expect(ids).toEqual(first);
  });

  it('fails when the counters cannot be written, so the stream delivers the batch again', async () => {
    await expect(
      countRecords(items, {
        spikes,
        readAssignment: async () => responded,
        apply: async () => {
          throw new Error('throttled');
        },
      }),
    ).rejects.toThrow('throttled');
  });
});

describe('reading an hour back', () => {
  it('reads the counters counterKey writes into the hour’s breakdowns', () => {
    const counters: Record<string, number> = {
      [counterKey.engagements()]: 7,
      [counterKey.platform('x')]: 5,
      [counterKey.platform('google-business')]: 2,
      [counterKey.department('care')]: 6,
      [counterKey.intent('bug_report')]: 3,
      [counterKey.sentiment('negative')]: 4,
      [counterKey.language('und')]: 1,
      [counterKey.priority('urgent')]: 2,
      [counterKey.rule('(none)')]: 1,
      [counterKey.rule('crisis')]: 3,
      [counterKey.firstResponse('care', 'count')]: 4,
      [counterKey.firstResponse('care', 'met')]: 3,
      [counterKey.firstResponse('care', responseBucket(60))]: 3,
      [counterKey.firstResponse('care', responseBucket(0))]: 1,
      [counterKey.resolution('eng', 'count')]: 1,
      [counterKey.resolution('eng', responseBucket(7200))]: 1,
      [counterKey.breach('care', 'firstResponse')]: 1,
      [counterKey.breach('legal', 'approval')]: 2,
      [counterKey.replyPublished('care')]: 5,
      'something|else|entirely|new': 9,
      'f|care': 1,
    };
    expect(readHour('2026-12-01T10:00:00.000Z', counters)).toEqual({
      hour: '2026-12-01T10:00:00.000Z',
      engagements: 7,
      byPlatform: { x: 5, 'google-business': 2 },
      byDepartment: { care: 6 },
      byIntent: { bug_report: 3 },
      bySentiment: { negative: 4 },
      byLanguage: { und: 1 },
      byPriority: { urgent: 2 },
      byRule: { '(none)': 1, crisis: 3 },
      firstResponse: {
        care: {
          count: 4,
          met: 3,
          buckets: { [String(responseBucket(60))]: 3, [String(responseBucket(0))]: 1 },
        },
      },
      resolution: { eng: { count: 1, met: 0, buckets: { [String(responseBucket(7200))]: 1 } } },
      breaches: { care: { firstResponse: 1 }, legal: { approval: 2 } },
      repliesPublished: { care: 5 },
    });
  });

  it('reads back what counting an engagement, a response, a breach and a reply added', () => {
    const routedAt = '2026-12-01T10:00:00.000Z';
    const a = assignment([{ at: '2026-12-01T10:10:00.000Z', to: 'responded' }], { routedAt });
    const deltas = [
      countRouted('1', engagement({ receivedAt: '2026-12-01T10:00:01.000Z' }), []),
      countRouted('2', withRouting({ rules: [], departments: ['care'], priority: 'normal' }), []),
      countStatusChanged('3', { department: 'care', to: 'responded', at: '2026-12-01T10:10:00.000Z' }, a),
      countBreach('4', { department: 'eng', sla: 'firstResponse', breachedAt: '2026-12-01T10:30:00.000Z' }),
      countReplyPublished('5', { department: 'care', at: '2026-12-01T10:45:00.000Z' }),
    ];
    const counters: Record<string, number> = {};
    for (const d of deltas) {
      expect(d.hour?.hour).toBe(hourOf('2026-12-01T10:59:59.999Z'));
      for (const [k, v] of Object.entries(d.hour?.add ?? {})) counters[k] = (counters[k] ?? 0) + v;
    }
    const hour = readHour('2026-12-01T10:00:00.000Z', counters);
    expect(hour).toMatchObject({
      engagements: 2,
      byPlatform: { x: 2 },
      byDepartment: { care: 2, eng: 1 },
      byIntent: { complaint: 2, bug_report: 2 },
      bySentiment: { negative: 2 },
      byLanguage: { en: 2 },
      byPriority: { high: 1, normal: 1 },
      byRule: { batteries: 1, angry: 1, '(none)': 1 },
      firstResponse: { care: { count: 1, met: 1, buckets: { [String(responseBucket(600))]: 1 } } },
      resolution: {},
      breaches: { eng: { firstResponse: 1 } },
      repliesPublished: { care: 1 },
    });
  });

  it('ignores unknown keys, even ones named like properties every object has', () => {
    const loose = Object as unknown as Record<string, unknown>;
    const proto = Object.prototype as Record<string, unknown>;
    try {
      const hour = readHour('2026-12-01T10:00:00.000Z', {
        'constructor|x': 1,
        '__proto__|polluted': 2,
        'hasOwnProperty|y': 3,
      });
      expect(hour).toEqual(readHour('2026-12-01T10:00:00.000Z', {}));
      expect(proto.polluted).toBeUndefined();
      expect(loose.x).toBeUndefined();
    } finally {
      delete proto.polluted;
      delete loose.x;
      delete (Object.prototype.hasOwnProperty as unknown as Record<string, unknown>).y;
    }
  });

  it('takes the hour of a time as the start of its UTC hour', () => {
    expect(hourOf('2026-12-01T10:59:59.999Z')).toBe('2026-12-01T10:00:00.000Z');
    expect(hourOf('2026-12-01T12:30:00+02:00')).toBe('2026-12-01T10:00:00.000Z');
    expect(hourOf(new Date('2026-12-01T00:00:00.000Z'))).toBe('2026-12-01T00:00:00.000Z');
  });
});
