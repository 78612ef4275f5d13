import { type AuditAnchor, parseAnchor } from '#core/audit/anchor.js';
import { type AnchorRunPorts, type ExportFolder, runAnchors } from '#core/audit/anchor-run.js';
import { nextLink } from '#core/audit/chain.js';
import type { VerifiedExport } from '#core/audit/export-reader.js';

type Item = Record<string, unknown>;

const HOUR = 3_600_000;
const now = new Date('2026-12-06T05:00:00.000Z');
const idAt = (ms: number, suffix = 'aaaaaaaa') => `${String(ms).padStart(14, '0')}-${suffix}`;

function engagement(id: string, kind = 'mention'): Item {
  const item: Item = {
    pk: `ENG#${id}`,
    sk: 'ENGAGEMENT',
    engagement: { id, kind, receivedAt: '2026-12-01T00:00:00.000Z', routing: { departments: ['care'] } },
    decision: { at: '2026-12-01T00:00:00.000Z', reasons: [] },
  };
  return { ...item, chain: nextLink(undefined, item) };
}

/** A bucket in memory: export folders with their items, anchors written once. */
function bucket(folders: (ExportFolder & { items?: Item[] })[]) {
  const anchors = new Map<string, string>();
  const ports: AnchorRunPorts = {
    exportFolders: async () => folders.map(({ exportId, started, finished }) => ({ exportId, started, finished })),
    anchoredIds: async () => [...anchors.keys()],
    readAnchor: async (id) => parseAnchor(anchors.get(id)!, id),
    async *readExport(id, onVerified) {
      const f = folders.find((x) => x.exportId === id)!;
      onVerified({
        location: id,
        files: [],
        summary: {
          exportArn: `arn:x/export/${id}`,
          tableId: 't-1',
          exportTime: new Date(Number(id.slice(0, 14))).toISOString(),
        },
      } as unknown as VerifiedExport);
      yield* f.items ?? [];
    },
    async writeAnchor(anchor: AuditAnchor) {
      if (anchors.has(anchor.exportId)) throw new Error('written twice');
      anchors.set(anchor.exportId, JSON.stringify(anchor));
    },
  };
  return { ports, anchors };
}

describe('the daily anchor run', () => {
  it('anchors each finished export once, in order, each chained to the one before', async () => {
    const day1 = idAt(now.getTime() - 26 * HOUR);
    const day2 = idAt(now.getTime() - 2 * HOUR);
    const { ports, anchors } = bucket([
      { exportId: day2, started: true, finished: true, items: [engagement('x:1'), engagement('x:2')] },
      { exportId: day1, started: true, finished: true, items: [engagement('x:1')] },
    ]);
    const first = await runAnchors(ports, { now, auditDays: 2555 });
    expect(first.anchored.map((a) => [a.exportId, a.chains, a.problems])).toEqual([
      [day1, 1, []],
      [day2, 2, []],
    ]);
    expect(JSON.parse(anchors.get(day2)!).previousRoot).toBe(first.anchored[0]!.root);
    expect(first).toMatchObject({ unfinished: [], overdue: false });
    const again = await runAnchors(ports, { now, auditDays: 2555 });
    expect(again.anchored).toEqual([]);
  });

  it('points the auditors’ tables at the newest anchored export on every run', async () => {
    const day1 = idAt(now.getTime() - 26 * HOUR);
    const running = idAt(now.getTime() - HOUR, 'cccccccc');
    const shown: string[] = [];
    const { ports } = bucket([
      { exportId: day1, started: true, finished: true, items: [engagement('x:1')] },
      { exportId: running, started: true, finished: false },
    ]);
    const withTables = { ...ports, showExport: async (id: string) => (shown.push(id), true) };
    expect((await runAnchors(withTables, { now, auditDays: 2555 })).shown).toBe(day1);
    // Nothing new to anchor: the tables are pointed again, in case a deploy put them back.
    await runAnchors(withTables, { now, auditDays: 2555 });
    expect(shown).toEqual([day1, day1]);
  });

  it('reports a chain rewritten since the anchor before', async () => {
    const day1 = idAt(now.getTime() - 26 * HOUR);
    const day2 = idAt(now.getTime() - 2 * HOUR);
    const { ports } = bucket([
      { exportId: day1, started: true, finished: true, items: [engagement('x:1')] },
      { exportId: day2, started: true, finished: true, items: [engagement('x:1', 'dm')] },
    ]);
    const result = await runAnchors(ports, { now, auditDays: 2555 });
    expect(result.anchored[1]!.problems).toEqual([
      expect.objectContaining({ pk: 'ENG#x:1', problem: expect.stringContaining('rewritten') }),
    ]);
  });

  it('reports an export begun and never finished, and a day without a finished export', async () => {
    const stuck = idAt(now.getTime() - 13 * HOUR, 'bbbbbbbb');
    const running = idAt(now.getTime() - HOUR, 'cccccccc');
    const old = idAt(now.getTime() - 40 * HOUR);
    const { ports } = bucket([
      { exportId: old, started: true, finished: true, items: [] },
      { exportId: stuck, started: true, finished: false },
      { exportId: running, started: true, finished: false },
    ]);
    const result = await runAnchors(ports, { now, auditDays: 2555 });
    expect(result.unfinished).toEqual([stuck]);
    expect(result.overdue).toBe(true);
    expect((await runAnchors(bucket([]).ports, { now, auditDays: 2555 })).overdue).toBe(true);
  });
});
