import { marshall } from '@aws-sdk/util-dynamodb';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const root = mkdtempSync(join(tmpdir(), 'sb-audit-query-'));
const { SWITCHBOARD_STATE_DIR: _ignored, ...env } = process.env;
/** Runs the CLI; a state folder without exports unless the test names one. */
const cli = (args: string[], stateDir = join(root, 'no-state')) =>
  spawnSync(process.execPath, ['bin/switchboard.js', 'audit', 'query', ...args], {
    encoding: 'utf8',
    env: { ...env, SWITCHBOARD_STATE_DIR: stateDir },
  });

/**
 * Writes items as DynamoDB exports them (manifest-summary.json, manifest-files.json, gzipped
 * `{"Item": …}` lines in DynamoDB JSON), in two data files to prove both are read.
 */
function writeExport(dir: string, items: Record<string, unknown>[]): string {
  mkdirSync(join(dir, 'data'), { recursive: true });
  const half = Math.ceil(items.length / 2);
  const entries = [items.slice(0, half), items.slice(half)].map((part, n) => {
    const key = `data/part-${n}.json.gz`;
    // Binary values are base64 text in DynamoDB JSON.
    const line = (item: Record<string, unknown>) =>
      JSON.stringify({ Item: marshall(item) }, (_k, v: unknown) =>
        v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v,
      );
    const gz = gzipSync(part.map((item) => `${line(item)}\n`).join(''));
    writeFileSync(join(dir, key), gz);
    const md5 = createHash('md5').update(gz).digest();
    return {
      itemCount: part.length,
      md5Checksum: md5.toString('base64'),
      etag: md5.toString('hex'),
      dataFileS3Key: key,
    };
  });
  writeFileSync(join(dir, 'manifest-files.json'), entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
  writeFileSync(
    join(dir, 'manifest-summary.json'),
    JSON.stringify({
      version: '2020-06-30',
      exportArn: 'arn:aws:dynamodb:eu-west-1:000000000000:table/engagements/export/01733500200000-1a2b3c4d',
      startTime: '2026-12-06T15:50:00.000Z',
      endTime: '2026-12-06T15:50:01.000Z',
      tableArn: 'arn:aws:dynamodb:eu-west-1:000000000000:table/engagements',
      tableId: '00000000-0000-0000-0000-000000000000',
      exportTime: '2026-12-06T15:50:00.000Z',
      s3Bucket: null,
      s3Prefix: null,
      s3SseAlgorithm: null,
      s3SseKmsKeyId: null,
      manifestFilesS3Key: 'manifest-files.json',
      billedSizeBytes: 0,
      itemCount: items.length,
      outputFormat: 'DYNAMODB_JSON',
      exportType: 'FULL_EXPORT',
    }),
  );
  return dir;
}

const engagementItem = (id: string, fields: { text: string; departments: string[]; caseId?: string }) => ({
  pk: `ENG#${id}`,
  sk: 'ENGAGEMENT',
  type: 'engagement',
  ...(fields.caseId ? { caseId: fields.caseId } : {}),
  engagement: {
    id,
    platform: id.split(':')[0],
    kind: 'mention',
    externalId: id.split(':')[1],
    text: fields.text,
    language: 'en',
    createdAt: '2026-12-01T09:59:00.000Z',
    receivedAt: '2026-12-01T10:00:00.000Z',
    author: { id: 'u-1', handle: 'sam', name: 'Sam' },
    sentiment: { label: 'negative', score: -0.5 },
    intents: ['complaint'],
    keywords: [],
    enrichment: { model: 'local-nb', version: '3', mode: 'local', confidence: { sentiment: 0.9, intents: {} } },
    routing: {
      departments: fields.departments,
      rules: ['refunds'],
      priority: 'high',
      slaDueAt: '2026-12-01T11:00:00.000Z',
      configVersion: 'cfg-7',
    },
  },
  decision: { at: '2026-12-01T10:00:01.000Z', deliveryId: 'm-1', reasons: [] },
});

const statusItem = (id: string, department: string, from: string, to: string, at: string, reportId?: string) => ({
  pk: `ENG#${id}`,
  sk: `EVENT#${at}#${department}#status`,
  type: 'event',
  at,
  event: {
    source: 'switchboard',
    detailType: 'Engagement Status Changed',
    detail: {
      engagementId: id,
      department,
      from,
      to,
      at,
      ...(reportId ? { reportId, actor: { id: 'agent-7' } } : {}),
    },
  },
});

const items = [
  engagementItem('x:1', { text: 'refund, "now"\nplease', departments: ['care', 'sales'], caseId: 'case-1' }),
  engagementItem('x:2', { text: 'love it', departments: ['care'] }),
  {
    pk: 'ENG#x:1',
    sk: 'ASSIGN#care',
    type: 'assignment',
    revision: 2,
    assignment: {
      engagementId: 'x:1',
      department: 'care',
      state: 'resolved',
      version: 3,
      revision: 2,
      routedAt: '2026-12-01T10:00:01.000Z',
      changedAt: '2026-12-01T10:30:00.000Z',
      events: [],
      answers: {},
    },
  },
  statusItem('x:1', 'care', 'new', 'acknowledged', '2026-12-01T10:05:00.000Z', 'r1'),
  statusItem('x:1', 'care', 'acknowledged', 'resolved', '2026-12-01T10:30:00.000Z', 'r2'),
  // Items of no audit table.
  { pk: 'ENG#x:1', sk: 'AUDIT#2026-12-01T10:40:00.000Z#EDITED', at: '2026-12-01T10:40:00.000Z' },
  { pk: 'CASE#case-1', sk: 'CASE', version: 1 },
  { pk: 'RAW#batch-1', sk: 'PART#000', body: new Uint8Array([1, 2, 3]) },
  { pk: 'POLL#reddit', sk: 'CURSOR', cursor: 'abc' },
  { pk: 'HEALTH', sk: 'reddit', ok: true },
];
const exportDir = writeExport(join(root, 'export'), items);
const query = (sql: string, ...options: string[]) => cli([...options, '--export', exportDir, sql]);

describe('npx switchboard audit query', () => {
  it('prints a readable table: a header, aligned columns, and the row count', () => {
    const out = query('SELECT engagement_id, department, state, version FROM assignments ORDER BY 1, 2');
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    expect(out.stdout).toBe(
      [
        'engagement_id  department  state     version',
        '-------------  ----------  --------  -------',
        'x:1            care        resolved        3',
        'x:1            sales       new             1',
        'x:2            care        new             1',
        '(3 rows)',
        '',
      ].join('\n'),
    );
  });

  it('--json prints one array of row objects: numbers as numbers, lists as arrays, times in ISO 8601', () => {
    const out = query(
      'SELECT e.engagement_id, e.departments, e.intents, e.received_at, count(a.department) AS assignments FROM engagements e JOIN assignments a USING (engagement_id) GROUP BY ALL ORDER BY 1',
      '--json',
    );
    expect(out.status).toBe(0);
    expect(out.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(out.stdout)).toEqual([
      {
        engagement_id: 'x:1',
        departments: ['care', 'sales'],
        intents: ['complaint'],
        received_at: '2026-12-01T10:00:00.000Z',
        assignments: 2,
      },
      {
        engagement_id: 'x:2',
        departments: ['care'],
        intents: ['complaint'],
        received_at: '2026-12-01T10:00:00.000Z',
        assignments: 1,
      },
    ]);
  });

  it('--csv prints a header row, then rows; lists as JSON text, and cells with commas, quotes or line breaks quoted', () => {
    const out = query(
      "SELECT engagement_id, text, departments, sentiment FROM engagements WHERE engagement_id = 'x:1'",
      '--csv',
    );
    expect(out.status).toBe(0);
    expect(out.stdout).toBe(
      'engagement_id,text,departments,sentiment\nx:1,"refund, ""now""\nplease","[""care"",""sales""]",negative\n',
    );
  });

  it('joins one engagement’s decision, assignments and status changes in one query', () => {
    const out = query(
      `SELECT d.rule_ids, d.model_version, a.department, a.state, a.sla_due_at, a.case_id, s.to_state, s.report_id, s."by", s."at"
         FROM routing_decisions d
         JOIN assignments a USING (engagement_id)
         LEFT JOIN status_changes s ON s.engagement_id = a.engagement_id AND s.department = a.department
        WHERE d.engagement_id = 'x:1'
        ORDER BY a.department, s."at"`,
      '--json',
    );
    expect(out.stderr).toBe('');
    const common = {
      rule_ids: ['refunds'],
      model_version: 'local-nb@3',
      sla_due_at: '2026-12-01T11:00:00.000Z',
      case_id: 'case-1',
    };
    expect(JSON.parse(out.stdout)).toEqual([
      {
        ...common,
        department: 'care',
        state: 'resolved',
        to_state: 'acknowledged',
        report_id: 'r1',
        by: 'department',
        at: '2026-12-01T10:05:00.000Z',
      },
      {
        ...common,
        department: 'care',
        state: 'resolved',
        to_state: 'resolved',
        report_id: 'r2',
        by: 'department',
        at: '2026-12-01T10:30:00.000Z',
      },
      { ...common, department: 'sales', state: 'new', to_state: null, report_id: null, by: null, at: null },
    ]);
  });

  it('ignores the items of no audit table', () => {
    const out = query(
      'SELECT (SELECT count(*) FROM engagements) AS engagements, (SELECT count(*) FROM routing_decisions) AS decisions, (SELECT count(*) FROM status_changes) AS changes, (SELECT count(*) FROM replies) AS replies, (SELECT count(*) FROM erasures) AS erasures',
      '--json',
    );
    expect(JSON.parse(out.stdout)).toEqual([{ engagements: 2, decisions: 2, changes: 2, replies: 0, erasures: 0 }]);
  });

  it('exits 1 for an unknown table, listing the tables', () => {
    const out = query('SELECT * FROM engagement');
    expect(out.status).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/unknown table "engagement"/);
    expect(out.stderr).toContain('engagements, assignments, routing_decisions, status_changes, replies, erasures');
  });

  it('exits 1 for an unknown column, listing that table’s columns', () => {
    const out = query('SELECT a.department, a.status FROM engagements e JOIN assignments a USING (engagement_id)');
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(
      /unknown column "status" in assignments; its columns are: engagement_id, department, state, version, sla_due_at, case_id$/m,
    );
    const bare = query('SELECT sentiment_label FROM engagements');
    expect(bare.status).toBe(1);
    expect(bare.stderr).toMatch(
      /unknown column "sentiment_label" in engagements; its columns are: engagement_id, .*, priority$/m,
    );
  });

  it('exits 1 with DuckDB’s message for other bad SQL, and says to quote at and by', () => {
    const out = query('SELECT at FROM status_changes');
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/^switchboard: Parser Error: syntax error/);
    expect(out.stderr).toContain('quote them, as "at" and "by"');
  });

  it('exits 2 for a command line that does not fit the usage', () => {
    for (const args of [[], ['--json', '--csv', 'SELECT 1'], ['--tsv', 'SELECT 1'], ['--export'], ['SELECT', '1']]) {
      const out = cli(args);
      expect([args, out.status]).toEqual([args, 2]);
      expect(out.stderr).toContain('switchboard audit query [--json|--csv] [--export <dir>] "<SQL>"');
    }
  });

  it('reads the newest export of the state folder by default', () => {
    const state = join(root, 'state');
    writeExport(join(state, 'exports', '2026-12-05T10-00-00Z'), [
      engagementItem('x:9', { text: 'old', departments: ['care'] }),
    ]);
    writeExport(join(state, 'exports', '2026-12-06T10-00-00Z'), [
      engagementItem('x:1', { text: 'new', departments: ['care'] }),
    ]);
    // An export still being written (no manifest-summary.json yet) is passed over.
    mkdirSync(join(state, 'exports', '2026-12-07T10-00-00Z'), { recursive: true });
    const out = cli(['--json', 'SELECT text FROM engagements'], state);
    expect(out.stderr).toBe('');
    expect(JSON.parse(out.stdout)).toEqual([{ text: 'new' }]);
  });

  it('exits 1 when there is no export, or the export does not check out', () => {
    const none = cli(['SELECT 1']);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/no export found in .*no-state[/\\]exports/);

    const broken = writeExport(join(root, 'broken'), items);
    writeFileSync(join(broken, 'data', 'part-1.json.gz'), gzipSync('{"Item": {}}\n'));
    const out = cli(['--export', broken, 'SELECT 1']);
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/cannot read the export in .*broken.*part-1\.json\.gz/);
  });
});
