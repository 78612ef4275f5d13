import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { nextLink, verifyChains } from '#core/audit/chain.js';
import {
  engagementRetention,
  isPast,
  recordRetention,
  retentionCutoffs,
  retentionPeriods,
  scrubDecisionValues,
} from '#core/audit/retention-sweep.js';
import { RetentionSchema } from '#core/config/retention.js';
import type { DynamoDbEngagementStore } from '#aws/dynamodb-engagement-store.js';
import { DynamoDbRetentionSweep, loggableKey } from '#aws/dynamodb-retention-sweep.js';

const DAY = 86_400_000;
const periods = { engagementDays: 400, auditDays: 2_555 };
const now = new Date('2030-06-01T00:00:00.000Z');
const cutoffs = retentionCutoffs(now, periods);
/** The table, for the sweep and the function (one mock: a second would replace the first). */
const doc = mockClient(DynamoDBDocumentClient);
afterEach(() => doc.reset());
afterAll(() => doc.restore());
const daysAgo = (days: number, ms = 0) => new Date(now.getTime() - days * DAY - ms).toISOString();

describe('retention periods and cut-offs', () => {
  it('reads the config’s retention as days (the defaults: 400 days of text, 7 years of audit)', () => {
    expect(retentionPeriods(RetentionSchema.parse(undefined))).toEqual({ engagementDays: 400, auditDays: 2_555 });
    expect(retentionPeriods({ engagements: 'P2W', audit: 'P1Y' })).toEqual({ engagementDays: 14, auditDays: 365 });
    expect(() => retentionPeriods({ engagements: 'forever', audit: 'P7Y' })).toThrow(/ISO 8601/);
  });

  it('puts each cut-off that many whole days before now', () => {
    expect(cutoffs).toEqual({
      text: new Date('2029-04-27T00:00:00.000Z'),
      audit: new Date('2023-06-03T00:00:00.000Z'),
    });
    expect(() => retentionCutoffs(now, { engagementDays: 0, auditDays: 1 })).toThrow(/engagementDays/);
    expect(() => retentionCutoffs(now, { engagementDays: 1, auditDays: 1.5 })).toThrow(/auditDays/);
  });

  it('counts a time as past a cut-off only strictly before it, and never one it cannot read', () => {
    expect(isPast(daysAgo(400, 1), cutoffs.text)).toBe(true);
    expect(isPast(daysAgo(400), cutoffs.text)).toBe(false);
    expect(isPast('2029-04-26T23:59:59Z', cutoffs.text)).toBe(true);
    for (const unreadable of [undefined, '', 'yesterday', '2029-13-45T00:00:00Z']) {
      expect(isPast(unreadable, cutoffs.text)).toBe(false);
      expect(isPast(unreadable, cutoffs.audit)).toBe(false);
    }
  });
});

describe('what retention does to an engagement', () => {
  it('keeps a young one, scrubs the text of one past text retention, deletes one past audit retention', () => {
    expect(engagementRetention({ receivedAt: daysAgo(10), textGone: false }, cutoffs)).toBe('keep');
    expect(engagementRetention({ receivedAt: daysAgo(401), textGone: false }, cutoffs)).toBe('expire-text');
    expect(engagementRetention({ receivedAt: daysAgo(2_556), textGone: false }, cutoffs)).toBe('delete-partition');
  });

  it('scrubs nothing twice: text expired, erased or deleted before is left as it is until audit retention', () => {
    expect(engagementRetention({ receivedAt: daysAgo(401), textGone: true }, cutoffs)).toBe('keep');
    expect(engagementRetention({ receivedAt: daysAgo(2_556), textGone: true }, cutoffs)).toBe('delete-partition');
  });

  it('keeps an engagement it cannot date', () => {
    expect(engagementRetention({ receivedAt: undefined, textGone: false }, cutoffs)).toBe('keep');
    expect(engagementRetention({ receivedAt: 'not a time', textGone: false }, cutoffs)).toBe('keep');
  });

  it('deletes past audit retention even when audit is set shorter than text retention', () => {
    const odd = retentionCutoffs(now, { engagementDays: 400, auditDays: 100 });
    expect(engagementRetention({ receivedAt: daysAgo(101), textGone: false }, odd)).toBe('delete-partition');
  });

  const instant = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2060, 0, 1) });
  const arbitraryPeriods = fc
    .record({ engagementDays: fc.integer({ min: 1, max: 5_000 }), auditDays: fc.integer({ min: 1, max: 5_000 }) })
    .filter((p) => p.auditDays >= p.engagementDays);

  it('never touches an engagement younger than the text cut-off (property)', () => {
    fc.assert(
      fc.property(
        instant,
        arbitraryPeriods,
        fc.integer({ min: 0, max: 5_000 * DAY }),
        fc.boolean(),
        (t, p, age, gone) => {
          const at = new Date(t);
          fc.pre(age <= p.engagementDays * DAY);
          const receivedAt = new Date(t - age).toISOString();
          expect(engagementRetention({ receivedAt, textGone: gone }, retentionCutoffs(at, p))).toBe('keep');
        },
      ),
    );
  });

  it('never scrubs a scrubbed engagement again, however late the sweep (property)', () => {
    fc.assert(
      fc.property(instant, arbitraryPeriods, fc.integer({ min: 0, max: 10_000 * DAY }), (t, p, age) => {
        const receivedAt = new Date(t - age).toISOString();
        expect(engagementRetention({ receivedAt, textGone: true }, retentionCutoffs(new Date(t), p))).not.toBe(
          'expire-text',
        );
      }),
    );
  });

  it('moves an engagement only forward as time passes: keep, then expire-text, then delete (property)', () => {
    const order = { keep: 0, 'expire-text': 1, 'delete-partition': 2 } as const;
    fc.assert(
      fc.property(
        instant,
        arbitraryPeriods,
        fc.array(fc.integer({ min: 0, max: 10_000 * DAY }), { minLength: 2 }),
        (t, p, offsets) => {
          const receivedAt = new Date(t).toISOString();
          const actions = [...offsets]
            .sort((a, b) => a - b)
            .map((o) => engagementRetention({ receivedAt, textGone: false }, retentionCutoffs(new Date(t + o), p)));
          const ranks = actions.map((a) => order[a]);
          expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
        },
      ),
    );
  });
});

describe('what retention does to tombstones and cases', () => {
  it('deletes them once past audit retention, counted from their own time', () => {
    expect(recordRetention(daysAgo(2_556), cutoffs)).toBe('delete');
    expect(recordRetention(daysAgo(2_554), cutoffs)).toBe('keep');
    expect(recordRetention(daysAgo(401), cutoffs)).toBe('keep');
    expect(recordRetention(undefined, cutoffs)).toBe('keep');
  });
});

describe('scrubbing a routing decision', () => {
  const decision = {
    at: '2026-12-06T10:00:02.000Z',
    deliveryId: 'm1',
    rawKey: 'raw/1',
    reasons: [
      {
        rule: 'refunds',
        matched: [
          { field: 'keywords', operator: 'exact', value: 'refund' },
          { field: 'author.id', operator: 'exists', absent: true },
        ],
      },
    ],
  };

  it('drops the matched values and keeps which rule held on which field', () => {
    expect(scrubDecisionValues(decision)).toEqual({
      ...decision,
      reasons: [
        {
          rule: 'refunds',
          matched: [
            { field: 'keywords', operator: 'exact' },
            { field: 'author.id', operator: 'exists', absent: true },
          ],
        },
      ],
    });
    const noReasons: { at: string; reasons?: unknown } = { at: 'x' };
    expect(scrubDecisionValues(noReasons)).toEqual({ at: 'x' });
  });

  it('leaves the audit chain valid: its hash never covered the values', () => {
    const item: Record<string, unknown> = {
      pk: 'ENG#x:1',
      sk: 'ENGAGEMENT',
      engagement: { id: 'x:1', text: 'my refund', author: { id: '42' }, routing: { departments: ['care'] } },
      decision,
    };
    const chained = { ...item, chain: nextLink(undefined, item) };
    const scrubbed = {
      ...chained,
      engagement: { id: 'x:1', text: '', author: { id: 'erased' }, routing: { departments: ['care'] } },
      decision: scrubDecisionValues(decision),
    };
    expect(verifyChains([scrubbed]).problems).toEqual([]);
  });
});

describe('the DynamoDB sweep (mocked table)', () => {
  const expired: string[] = [];
  const store = {
    expireText: async (id: string) => {
      expired.push(id);
      return 'expired' as const;
    },
  } as unknown as DynamoDbEngagementStore;
  const sweep = () => new DynamoDbRetentionSweep(new DynamoDBClient({}), 'table', store, { backoffMs: () => 0 });
  beforeEach(() => expired.splice(0));

  it('stops starting pages at its deadline and goes on from its cursor in the next run', async () => {
    // One segment, two pages: the first run's clock passes the deadline after its first page.
    const pages: Record<string, unknown>[][] = [
      [{ pk: 'ENG#x:1', sk: 'ENGAGEMENT', engagement: { receivedAt: daysAgo(401) } }],
      [{ pk: 'ENG#x:2', sk: 'ENGAGEMENT', engagement: { receivedAt: daysAgo(402) } }],
    ];
    doc.on(ScanCommand).callsFake((input: ScanCommandInput) => {
      const i = input.ExclusiveStartKey ? Number(input.ExclusiveStartKey.page) : 0;
      return {
        Items: pages[i],
        ScannedCount: 3,
        ...(i + 1 < pages.length ? { LastEvaluatedKey: { page: i + 1 } } : {}),
      };
    });
    let ticks = 0;
    const clock = () => new Date(now.getTime() + ticks++ * 60_000);
    const deadline = new Date(now.getTime() + 30_000);
    const first = await sweep().sweep({ periods, now, deadline, clock, segments: 1 });
    expect(expired).toEqual(['x:1']);
    expect(first.cursor).toEqual({ startedAt: now.toISOString(), segments: [{ done: false, after: { page: 1 } }] });
    const second = await sweep().sweep({ periods, now, cursor: first.cursor!, segments: 7 });
    expect(expired).toEqual(['x:1', 'x:2']);
    expect(second.cursor).toBeUndefined();
    expect(second.counts).toMatchObject({ scanned: 3, textExpired: 1 });
    // The cursor's segment count wins: a Scan's keys hold only for the same TotalSegments.
    expect(doc.commandCalls(ScanCommand).at(-1)!.args[0].input).toMatchObject({ Segment: 0, TotalSegments: 1 });
  });

  it('scans every segment in parallel with a projection, and deletes partitions with the engagement item last', async () => {
    doc
      .on(ScanCommand)
      .callsFake((input: ScanCommandInput) =>
        input.Segment === 1
          ? { Items: [{ pk: 'ENG#x:old', sk: 'ENGAGEMENT', engagement: { receivedAt: daysAgo(3_000) } }] }
          : { Items: [] },
      );
    doc.on(QueryCommand).resolves({
      Items: [
        { pk: 'ENG#x:old', sk: 'AUDIT#a#EDITED' },
        { pk: 'ENG#x:old', sk: 'CHAIN' },
        { pk: 'ENG#x:old', sk: 'ENGAGEMENT' },
        { pk: 'ENG#x:old', sk: 'EVENT#b#erased' },
      ],
    });
    doc.on(BatchWriteCommand).resolves({});
    const outcome = await sweep().sweep({ periods, now, segments: 3 });
    expect(outcome).toMatchObject({ counts: { partitionsDeleted: 1, itemsDeleted: 4, failed: 0 } });
    expect(outcome.cursor).toBeUndefined();
    const scans = doc.commandCalls(ScanCommand).map((c) => c.args[0].input);
    expect(scans.map((s) => s.Segment).sort()).toEqual([0, 1, 2]);
    expect(scans[0]).toMatchObject({ TotalSegments: 3, ProjectionExpression: expect.stringContaining('receivedAt') });
    const deletes = doc
      .commandCalls(BatchWriteCommand)
      .map((c) => c.args[0].input.RequestItems!.table!.map((r) => r.DeleteRequest!.Key!.sk));
    expect(deletes).toEqual([['AUDIT#a#EDITED', 'CHAIN', 'EVENT#b#erased'], ['ENGAGEMENT']]);
  });

  it('retries deletes DynamoDB left unprocessed, and counts an item that keeps failing without stopping', async () => {
    doc.on(ScanCommand).resolves({
      Items: [
        { pk: 'ERASURE#2020-01-01T00:00:00Z#x:42', sk: 'ERASURE', erasure: { at: daysAgo(2_600) } },
        { pk: 'CASE#x:c#42', sk: 'CASE', case: { latestAt: daysAgo(2_600) } },
      ],
    });
    const key = (pk: string, sk: string) => ({ DeleteRequest: { Key: { pk, sk } } });
    doc
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { table: [key('ERASURE#2020-01-01T00:00:00Z#x:42', 'ERASURE')] } })
      .resolvesOnce({})
      .resolves({ UnprocessedItems: { table: [key('CASE#x:c#42', 'CASE')] } });
    const outcome = await sweep().sweep({ periods, now, segments: 1, concurrency: 1 });
    expect(outcome.counts).toMatchObject({ erasuresDeleted: 1, casesDeleted: 0, failed: 1 });
    expect(outcome.failures).toEqual([
      { key: expect.stringMatching(/^CASE#sha256:[0-9a-f]{12}$/), error: expect.stringMatching(/unprocessed/) },
    ]);
    // 2 for the tombstone, 8 attempts for the case.
    expect(doc.commandCalls(BatchWriteCommand)).toHaveLength(10);
  });

  it('names no person in the keys it reports', () => {
    expect(loggableKey('ENG#x:1')).toBe('ENG#x:1');
    expect(loggableKey('ERASURE#2020#x:42')).not.toContain('42');
    expect(loggableKey('CASE#x:c#42')).toMatch(/^CASE#sha256:/);
  });
});

describe('the retention function', () => {
  const context = { getRemainingTimeInMillis: () => 900_000, functionName: 'retention', awsRequestId: 'r' } as Context;

  async function load() {
    process.env.TABLE_NAME = 'engagements';
    process.env.RETENTION_ENGAGEMENT_DAYS = '400';
    process.env.RETENTION_AUDIT_DAYS = '2555';
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    return (await import(
      '../../../lambdas/retention/handler.js'
    )) as typeof import('../../../lambdas/retention/handler.js');
  }

  it('goes on from the saved cursor and records that the sweep completed', async () => {
    const { handler } = await load();
    const saved = {
      startedAt: '2030-05-31T04:30:00.000Z',
      segments: [{ done: true }, { done: false, after: { pk: 'a', sk: 'b' } }],
    };
    doc.on(GetCommand).resolves({ Item: { pk: 'SWEEP#retention', sk: 'CURSOR', cursor: saved } });
    doc.on(ScanCommand).resolves({ Items: [], ScannedCount: 5 });
    doc.on(PutCommand).resolves({});
    const result = await handler({}, context);
    expect(result).toMatchObject({ complete: true, counts: { scanned: 5, failed: 0 } });
    const scans = doc.commandCalls(ScanCommand).map((c) => c.args[0].input);
    expect(scans).toEqual([
      expect.objectContaining({ Segment: 1, TotalSegments: 2, ExclusiveStartKey: { pk: 'a', sk: 'b' } }),
    ]);
    const put = doc.commandCalls(PutCommand)[0]!.args[0].input.Item!;
    expect(put).toMatchObject({ pk: 'SWEEP#retention', sk: 'CURSOR', completedAt: expect.any(String) });
    expect(put.cursor).toBeUndefined();
  });

  it('saves its cursor, then fails the run (to the alarmed dead letters) when an item failed', async () => {
    const { handler } = await load();
    doc.on(GetCommand).resolves({});
    // No cursor: a new sweep of four segments, one of which holds an old case.
    doc.on(ScanCommand).callsFake((input: ScanCommandInput) => ({
      Items: input.Segment === 0 ? [{ pk: 'CASE#x:c#42', sk: 'CASE', case: { latestAt: '2001-01-01T00:00:00Z' } }] : [],
    }));
    doc.on(BatchWriteCommand).rejects(new Error('throttled'));
    doc.on(PutCommand).resolves({});
    await expect(handler({}, context)).rejects.toThrow(/retention failed for 1 item/);
    // The cursor is saved first (here: the sweep completed; the case is met again by the next one).
    expect(doc.commandCalls(PutCommand)).toHaveLength(1);
    expect(doc.commandCalls(ScanCommand).map((c) => c.args[0].input.TotalSegments)).toEqual([4, 4, 4, 4]);
  });
});
