import { marshall } from '@aws-sdk/util-dynamodb';
import { LIFECYCLE_EVENTS } from '#core/assignments/status-report.schema.js';
import {
  ATHENA_CATALOG,
  ATHENA_TYPES,
  athenaViewSql,
  athenaViews,
  decodePrestoViewText,
  EXPORT_LINES_TABLE,
  exportLinesTableInput,
  prestoViewTableInput,
  prestoViewText,
} from '#core/audit/athena-views.js';
import { AUDIT_TABLES, auditTable, type TableDeclaration } from '#core/audit/tables.js';
import { GLUE_TYPES, glueColumns } from '#core/audit/views.js';
import { type AuditDatabase, openAuditDatabase, queryAudit, rowObjects } from '../../../bin/commands/audit-query.js';

/** The SELECT blocks of a generated view, each with its columns' expressions by alias, in order. */
function selects(sql: string): { columns: [string, string][]; text: string }[] {
  return sql
    .split(/^UNION ALL$/m)
    .map((block) => block.slice(block.search(/^SELECT$/m)))
    .map((text) => ({
      text,
      columns: [...text.matchAll(/^ {2}(.*) AS "([^"]+)",?$/gm)].map((m) => [m[2]!, m[1]!] as [string, string]),
    }));
}

/** Single quotes and parentheses outside string literals balance: the SQL at least tokenizes. */
function balanced(sql: string): boolean {
  const outside = sql.replace(/'(?:[^']|'')*'/g, "''");
  if (outside.includes("'") && outside.match(/'/g)!.length % 2 !== 0) return false;
  let depth = 0;
  for (const ch of outside) {
    depth += ch === '(' ? 1 : ch === ')' ? -1 : 0;
    if (depth < 0) return false;
  }
  return depth === 0;
}

describe('the audit tables as Athena views', () => {
  const views = athenaViews();

  it('are the declared tables, in order, with their columns in order and Trino types', () => {
    expect(views.map((v) => v.name)).toEqual(AUDIT_TABLES.map((t) => t.name));
    for (const [n, table] of AUDIT_TABLES.entries()) {
      const view = views[n]!;
      expect(view.columns).toEqual(table.columns.map((c) => ({ name: c.name, type: ATHENA_TYPES[c.type] })));
      expect(view.glueColumns).toEqual(glueColumns(table));
      expect(view.glueColumns.map((c) => c.Type)).toEqual(table.columns.map((c) => GLUE_TYPES[c.type]));
    }
    expect(views.find((v) => v.name === 'status_changes')!.columns.slice(-2)).toEqual([
      { name: 'at', type: 'timestamp(3)' },
      { name: 'by', type: 'varchar' },
    ]);
    expect(views.find((v) => v.name === 'engagements')!.columns.find((c) => c.name === 'intents')?.type).toBe(
      'array(varchar)',
    );
  });

  it('select every declared column once per kind of item, in declaration order, quoted', () => {
    for (const table of AUDIT_TABLES) {
      const blocks = selects(athenaViewSql(table));
      expect(blocks).toHaveLength(table.rows.length);
      for (const block of blocks) expect(block.columns.map(([name]) => name)).toEqual(table.columns.map((c) => c.name));
      expect(balanced(athenaViewSql(table))).toBe(true);
    }
  });

  it('give each column the type it declares: casts to bigint and timestamp(3), lists as array(varchar), literals not bare', () => {
    for (const table of AUDIT_TABLES)
      for (const block of selects(athenaViewSql(table)))
        for (const [name, sql] of block.columns) {
          const type = table.columns.find((c) => c.name === name)!.type;
          if (type === 'timestamp') expect(sql).toContain("AT TIME ZONE 'UTC' AS timestamp(3)");
          if (type === 'integer') expect(sql).toMatch(/AS bigint\)/);
          if (type === 'string[]') expect(sql).toMatch(/^COALESCE\(try\(transform\(.* AS array\(varchar\)\)\)\)$/);
          // A bare 'new' is varchar(3): the view declares varchar.
          expect(sql).not.toMatch(/^'.*'$/);
        }
  });

  it('read the data lines of the newest complete export only, by "$path"', () => {
    for (const view of views) {
      expect(view.sql).toMatch(/^WITH newest AS \(/);
      expect(view.sql).toContain(`regexp_extract("$path", '/AWSDynamoDB/([^/]+)/manifest-summary\\.json$', 1)`);
      expect(view.sql).toContain(
        `WHERE regexp_extract("$path", '/AWSDynamoDB/([^/]+)/data/', 1) = (SELECT export_id FROM newest)`,
      );
      expect(view.sql).toContain(`FROM ${EXPORT_LINES_TABLE}`);
    }
  });

  it('write any attribute name as a JSON path, and quotes inside SQL literals', () => {
    const odd: TableDeclaration = {
      name: 'odd',
      about: 'odd names',
      columns: [{ name: 'v', type: 'string' }],
      rows: [
        {
          about: "it's odd",
          items: { pkPrefix: "O'#" },
          read: { v: { kind: 'attribute', of: 'item', path: ['a-b', 'say "hi"', "it's"] } },
        },
      ],
    };
    const sql = athenaViewSql(odd);
    expect(sql).toContain(`json_extract_scalar(i.line, '$.Item["a-b"].M["say \\"hi\\""].M["it''s"].S') AS "v"`);
    expect(sql).toContain("substr(i.pk, 1, 3) = 'O''#'");
  });

  it('keep the DuckDB views’ semantics: engagement join, unnest with its anti-join, listed, present', () => {
    const assignments = athenaViewSql(auditTable('assignments')!);
    expect(assignments).toContain(
      "LEFT JOIN items AS e ON e.pk = i.pk AND substr(e.pk, 1, 4) = 'ENG#' AND e.sk = 'ENGAGEMENT'",
    );
    expect(assignments).toContain(') AS x(element)');
    expect(assignments).toContain("LEFT JOIN items AS s ON s.pk = i.pk AND s.sk = 'ASSIGN#' || x.element");
    expect(assignments).toMatch(/AND s\.pk IS NULL$/m);
    expect(assignments).toContain('CASE WHEN contains(');
    expect(athenaViewSql(auditTable('status_changes')!)).toContain(
      "CASE WHEN json_extract_scalar(i.line, '$.Item.event.M.detail.M.reportId.S') IS NOT NULL THEN CAST('department' AS varchar) ELSE CAST('switchboard' AS varchar) END AS \"by\"",
    );
  });
});

describe('the Glue tables of the Athena views', () => {
  it('hold each view as Athena does: VIRTUAL_VIEW, presto_view, base64 JSON of its SQL and columns', () => {
    for (const view of athenaViews()) {
      const input = prestoViewTableInput(view, 'switchboard_audit');
      expect(input).toMatchObject({
        Name: view.name,
        Description: view.about,
        TableType: 'VIRTUAL_VIEW',
        Parameters: { presto_view: 'true', comment: 'Presto View' },
        ViewExpandedText: '/* Presto View */',
      });
      expect(input.ViewOriginalText).toMatch(/^\/\* Presto View: [A-Za-z0-9+/]+=* \*\/$/);
      const definition = decodePrestoViewText(input.ViewOriginalText!);
      expect(definition).toEqual({
        originalSql: view.sql,
        catalog: ATHENA_CATALOG,
        schema: 'switchboard_audit',
        columns: view.columns,
      });
      // Glue's columns (Hive types) name the same columns as the view definition (Trino types).
      expect(input.StorageDescriptor.Columns.map((c) => c.Name)).toEqual(definition.columns.map((c) => c.name));
      for (const c of input.StorageDescriptor.Columns) expect(c.Comment?.length ?? 0).toBeLessThanOrEqual(255);
    }
  });

  it('encode and decode a definition whatever its text (quotes, newlines, non-ASCII)', () => {
    const definition = {
      originalSql: `SELECT 'café' AS "é", '\n' AS "by" -- “quoted” …`,
      catalog: ATHENA_CATALOG,
      schema: 'db',
      columns: [{ name: 'é', type: 'varchar' }],
    };
    const text = prestoViewText(definition);
    expect(text.startsWith('/* Presto View: ')).toBe(true);
    expect(text.endsWith(' */')).toBe(true);
    expect(decodePrestoViewText(text)).toEqual(definition);
    expect(() => decodePrestoViewText('SELECT 1')).toThrow(/not a Presto view/);
  });

  it('read every line of the exports as one text column, gzip by extension, never split', () => {
    expect(exportLinesTableInput('s3://audit-bucket/exports/AWSDynamoDB/')).toEqual({
      Name: 'export_lines',
      Description: expect.any(String),
      TableType: 'EXTERNAL_TABLE',
      Parameters: { EXTERNAL: 'TRUE', classification: 'text' },
      StorageDescriptor: {
        Columns: [{ Name: 'line', Type: 'string', Comment: expect.any(String) }],
        Location: 's3://audit-bucket/exports/AWSDynamoDB/',
        InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
        OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
        SerdeInfo: {
          SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
          Parameters: { 'field.delim': '\u0001', 'serialization.format': '\u0001' },
        },
      },
    });
    // JSON escapes control characters, so the delimiter never occurs in a line.
    expect(JSON.stringify({ Item: marshall({ s: 'a\u0001b' }) })).not.toContain('\u0001');
  });
});

// --- The Athena SQL run, as far as DuckDB can stand in for Trino: the few functions and type
// names DuckDB spells otherwise are mapped, everything else (paths into DynamoDB JSON, the newest
// export, joins, unnest, the anti-join, casts) runs as written, and must give the DuckDB views' rows.

/** Trino → DuckDB, for the functions and types the generated SQL uses and DuckDB names otherwise. */
const TRINO_IN_DUCKDB = [
  'CREATE MACRO json_extract_scalar(j, p) AS json_extract_string(j, p)',
  'CREATE MACRO from_iso8601_timestamp(t) AS TRY_CAST(t AS TIMESTAMPTZ)',
];
const asDuckDb = (sql: string) =>
  sql
    .replaceAll(/\btransform\(/g, 'list_transform(')
    .replaceAll('array(json)', 'JSON[]')
    .replaceAll('array(varchar)', 'VARCHAR[]')
    .replaceAll('timestamp(3)', 'TIMESTAMP');

const ENG = LIFECYCLE_EVENTS.statusChanged;
/** Items of every kind each table reads, in the shapes the stores write (unmarshalled). */
const ITEMS: Record<string, unknown>[] = [
  {
    pk: 'ENG#x:1',
    sk: 'ENGAGEMENT',
    caseId: 'case-1',
    decision: { at: '2026-12-01T10:00:01.000Z' },
    engagement: {
      id: 'x:1',
      platform: 'x',
      kind: 'mention',
      author: { id: 'u-1' },
      text: 'where is my refund',
      language: 'en',
      sentiment: { label: 'negative', score: -0.8 },
      // A string set (SS) reads as a list, as the DuckDB views read it.
      intents: new Set(['complaint']),
      createdAt: '2026-12-01T09:59:00.000Z',
      receivedAt: '2026-12-01T10:00:00.000Z',
      enrichment: { model: 'local-nb', version: '2026.11' },
      routing: {
        departments: ['care', 'sales'],
        rules: ['refunds'],
        priority: 'high',
        slaDueAt: '2026-12-01T11:00:00.000Z',
        configVersion: 'cfg-7',
      },
    },
  },
  {
    pk: 'ENG#x:1',
    sk: 'ASSIGN#care',
    assignment: { engagementId: 'x:1', department: 'care', state: 'resolved', version: 3 },
  },
  {
    pk: 'ENG#reddit:2',
    sk: 'ENGAGEMENT',
    // No caseId on the item: the decision's case; no decision time: its receipt; not enriched.
    decision: { case: { id: 'case-9' } },
    engagement: {
      id: 'reddit:2',
      platform: 'reddit',
      kind: 'comment',
      author: { id: 'u-2' },
      text: 'see you in court',
      language: 'en',
      intents: [],
      createdAt: '2026-12-01T10:59:00.000Z',
      receivedAt: '2026-12-01T11:00:00.000Z',
      routing: { departments: ['legal'], rules: [], priority: 'normal', configVersion: 'cfg-7' },
    },
  },
  // Escalated to: not a department of the routing, so no deadline.
  {
    pk: 'ENG#reddit:2',
    sk: 'ASSIGN#comms',
    assignment: { engagementId: 'reddit:2', department: 'comms', state: 'new', version: 1 },
  },
  {
    pk: 'ENG#x:1',
    sk: 'EVENT#2026-12-01T10:05:00.000Z#care#v2#status',
    event: {
      source: ENG.source,
      detailType: ENG.detailType,
      detail: {
        engagementId: 'x:1',
        department: 'care',
        from: 'new',
        to: 'acknowledged',
        at: '2026-12-01T10:05:00.000Z',
        reportId: 'r1',
        actor: { id: 'agent-7' },
        note: 'on it',
      },
    },
  },
  {
    pk: 'ENG#reddit:2',
    sk: 'EVENT#2026-12-01T12:00:05.000Z#legal#v2#status',
    event: {
      source: ENG.source,
      detailType: ENG.detailType,
      detail: {
        engagementId: 'reddit:2',
        department: 'legal',
        from: 'new',
        to: 'escalated',
        at: '2026-12-01T12:00:05.000Z',
      },
    },
  },
  // Another event kind: no status change.
  {
    pk: 'ENG#reddit:2',
    sk: 'EVENT#2026-12-01T12:00:05.000Z#legal#breach',
    event: {
      source: ENG.source,
      detailType: 'SLA Breached',
      detail: { engagementId: 'reddit:2', department: 'legal' },
    },
  },
  {
    pk: 'ENG#x:1',
    sk: 'REPLY#rp-1',
    reply: {
      id: 'rp-1',
      engagementId: 'x:1',
      department: 'care',
      state: 'published',
      author: { id: 'agent-7' },
      platformReplyId: '99',
      at: '2026-12-01T10:20:00.000Z',
    },
  },
  {
    pk: 'ERASURE#2026-12-03T09:00:00.000Z#reddit:u-2',
    sk: 'ERASURE',
    erasure: { author: 'reddit:u-2', requestedBy: 'dpo', engagementIds: ['reddit:2'], at: '2026-12-03T09:00:00.000Z' },
  },
  // No table's: ignored. And an engagement item of an unexpected shape: a row of nulls, as in DuckDB.
  { pk: 'POLL#reddit', sk: 'CURSOR', cursor: 't3_abc' },
  { pk: 'ENG#x:1', sk: 'AUDIT#2026-12-01T10:40:00.000Z#EDITED', type: 'engagement-edited' },
  { pk: 'ENG#odd:1', sk: 'ENGAGEMENT', engagement: 'not an object' },
];

/** An export line, as DynamoDB writes it (DYNAMODB_JSON). */
const line = (item: Record<string, unknown>) =>
  JSON.stringify({ Item: marshall(item, { removeUndefinedValues: true }) });

describe('the Athena views run over export lines (DuckDB standing in for Trino)', () => {
  let db: AuditDatabase;
  const query = async (sql: string) => rowObjects(await queryAudit(db.connection, sql));
  const sorted = (rows: Record<string, unknown>[]) => rows.map((r) => JSON.stringify(r)).sort();

  beforeAll(async () => {
    // The DuckDB views over the items, as `switchboard audit query` has them…
    db = await openAuditDatabase(ITEMS);
    // …and beside them the export lines of three exports: an older complete one, the newest
    // complete one (the items, in two data files) and a newer one still being written.
    const root = 's3://audit-bucket/exports/AWSDynamoDB';
    const older = `${root}/01764500000000-aaaaaaaa`;
    const newest = `${root}/01764600000000-bbbbbbbb`;
    const running = `${root}/01764700000000-cccccccc`;
    const ghost = (id: string) => ({
      pk: `ENG#${id}`,
      sk: 'ENGAGEMENT',
      engagement: { id, routing: { departments: ['care'] } },
    });
    const lines: [string, string][] = [
      [`${older}/data/old.json.gz`, line(ghost('x:old'))],
      [`${older}/manifest-summary.json`, '{"exportArn":"…older"}'],
      ...ITEMS.slice(0, 6).map((item): [string, string] => [`${newest}/data/a.json.gz`, line(item)]),
      ...ITEMS.slice(6).map((item): [string, string] => [`${newest}/data/b.json.gz`, line(item)]),
      [`${newest}/manifest-files.json`, '{"dataFileS3Key":"…/data/a.json.gz","itemCount":6}'],
      [`${newest}/manifest-summary.json`, '{"exportArn":"…newest"}'],
      [`${running}/data/c.json.gz`, line(ghost('x:partial'))],
    ];
    await db.connection.run(`CREATE TABLE ${EXPORT_LINES_TABLE} ("$path" VARCHAR, line VARCHAR)`);
    for (const [path, text] of lines)
      await db.connection.run(`INSERT INTO ${EXPORT_LINES_TABLE} VALUES ($1, $2)`, [path, text]);
    for (const statement of TRINO_IN_DUCKDB) await db.connection.run(statement);
    await db.connection.run('CREATE SCHEMA athena');
    for (const view of athenaViews())
      await db.connection.run(`CREATE VIEW athena.${view.name} AS\n${asDuckDb(view.sql)}`);
  });
  afterAll(() => db.close());

  it.each(AUDIT_TABLES.map((t) => [t.name]))(
    '%s: the same rows as the DuckDB view over the same items',
    async (name) => {
      const athena = await query(`SELECT * FROM athena.${name}`);
      expect(sorted(athena)).toEqual(sorted(await query(`SELECT * FROM main.${name}`)));
      expect(athena.length).toBeGreaterThan(0);
    },
  );

  it('read the newest complete export: not an older one, not one still being written', async () => {
    expect(await query('SELECT engagement_id FROM athena.engagements ORDER BY engagement_id NULLS FIRST')).toEqual([
      { engagement_id: null },
      { engagement_id: 'reddit:2' },
      { engagement_id: 'x:1' },
    ]);
  });

  it('read every kind of value: sets as lists, numbers, times, firstOf, joined, listed and present', async () => {
    expect(await query("SELECT intents FROM athena.engagements WHERE engagement_id = 'x:1'")).toEqual([
      { intents: ['complaint'] },
    ]);
    expect(await query('SELECT * FROM athena.routing_decisions ORDER BY engagement_id')).toEqual([
      expect.objectContaining({
        engagement_id: 'reddit:2',
        rule_ids: [],
        model_version: null,
        at: '2026-12-01T11:00:00.000Z',
      }),
      expect.objectContaining({
        engagement_id: 'x:1',
        rule_ids: ['refunds'],
        model_version: 'local-nb@2026.11',
        at: '2026-12-01T10:00:01.000Z',
      }),
      expect.objectContaining({ engagement_id: null }),
    ]);
    expect(await query('SELECT * FROM athena.assignments ORDER BY engagement_id, department')).toEqual([
      { engagement_id: 'reddit:2', department: 'comms', state: 'new', version: 1, sla_due_at: null, case_id: 'case-9' },
      { engagement_id: 'reddit:2', department: 'legal', state: 'new', version: 1, sla_due_at: null, case_id: 'case-9' },
      {
        engagement_id: 'x:1',
        department: 'care',
        state: 'resolved',
        version: 3,
        sla_due_at: '2026-12-01T11:00:00.000Z',
        case_id: 'case-1',
      },
      {
        engagement_id: 'x:1',
        department: 'sales',
        state: 'new',
        version: 1,
        sla_due_at: '2026-12-01T11:00:00.000Z',
        case_id: 'case-1',
      },
    ]);
    expect(await query('SELECT "by", to_state FROM athena.status_changes ORDER BY "at"')).toEqual([
      { by: 'department', to_state: 'acknowledged' },
      { by: 'switchboard', to_state: 'escalated' },
    ]);
  });
});
