import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbCaseStore } from '#aws/dynamodb-case-store.js';
import { DynamoDbEngagementStore, keys } from '#aws/dynamodb-engagement-store.js';
import { lifecycleWriteItems } from '#aws/dynamodb-lifecycle-store.js';
import { type Assignment, applyReport, newAssignment, recordBreach } from '#core/assignments/assignment.js';
import { AUDIT_TABLES, auditTable, type ColumnType } from '#core/audit/tables.js';
import { DUCKDB_TYPES, duckdbViewSql, glueColumns } from '#core/audit/views.js';
import type { Engagement } from '#core/engagement/engagement.schema.js';
import { routedAgain, slaBreached, statusChanged } from '#core/lifecycle/lifecycle-events.js';
import type { AssignmentWrite, OutboxEvent } from '#core/lifecycle/ports/lifecycle-store.js';
import type { RoutingAuditRecord } from '#core/lifecycle/ports/engagement-store.js';
import { type AuditDatabase, openAuditDatabase, queryAudit, rowObjects } from '../../../bin/commands/audit-query.js';

/** The contract's columns, in order (`switchboard audit query`). */
const CONTRACT: Record<string, string[]> = {
  engagements: [
    'engagement_id',
    'platform',
    'kind',
    'author_id',
    'text',
    'language',
    'sentiment',
    'intents',
    'created_at',
    'received_at',
    'departments',
    'priority',
  ],
  assignments: ['engagement_id', 'department', 'state', 'version', 'sla_due_at', 'case_id'],
  routing_decisions: ['engagement_id', 'rule_ids', 'departments', 'priority', 'config_version', 'model_version', 'at'],
  status_changes: [
    'engagement_id',
    'department',
    'from_state',
    'to_state',
    'report_id',
    'actor_id',
    'note',
    'at',
    'by',
  ],
  replies: ['reply_id', 'engagement_id', 'department', 'state', 'author_id', 'approver_id', 'platform_reply_id', 'at'],
  erasures: ['author', 'requested_by', 'engagement_ids', 'at'],
};

/** The contract's list columns (DuckDB VARCHAR[]). */
const LISTS = ['intents', 'departments', 'rule_ids', 'engagement_ids'];

describe('the audit table declarations', () => {
  it('declare exactly the contract’s tables and columns, in order', () => {
    expect(Object.fromEntries(AUDIT_TABLES.map((t) => [t.name, t.columns.map((c) => c.name)]))).toEqual(CONTRACT);
    expect(AUDIT_TABLES.map((t) => t.name)).toEqual(Object.keys(CONTRACT));
    for (const t of AUDIT_TABLES)
      for (const c of t.columns) expect([c.name, c.type === 'string[]']).toEqual([c.name, LISTS.includes(c.name)]);
  });

  it('read every column, and no other, from every kind of item a table’s rows come from', () => {
    for (const t of AUDIT_TABLES)
      for (const source of t.rows) expect(Object.keys(source.read).sort()).toEqual(t.columns.map((c) => c.name).sort());
  });

  it('find tables by name as SQL does, whatever the case', () => {
    expect(auditTable('Status_Changes')?.name).toBe('status_changes');
    expect(auditTable('items')).toBeUndefined();
  });

  it('give the Glue columns of each table, in order, with Hive types and comments Glue accepts', () => {
    const assignments = glueColumns(auditTable('assignments')!);
    expect(assignments.map((c) => [c.Name, c.Type])).toEqual([
      ['engagement_id', 'string'],
      ['department', 'string'],
      ['state', 'string'],
      ['version', 'bigint'],
      ['sla_due_at', 'timestamp'],
      ['case_id', 'string'],
    ]);
    expect(glueColumns(auditTable('engagements')!).find((c) => c.Name === 'intents')?.Type).toBe('array<string>');
    for (const t of AUDIT_TABLES) {
      const columns = glueColumns(t);
      expect(columns.map((c) => c.Name)).toEqual(CONTRACT[t.name]);
      // Glue refuses a column comment over 255 characters.
      for (const c of columns) expect(c.Comment?.length ?? 0).toBeLessThanOrEqual(255);
    }
  });

  it('generate one SELECT per kind of item, quoting every column name (at and by are SQL keywords)', () => {
    const sql = duckdbViewSql(auditTable('assignments')!);
    expect(sql.match(/^SELECT$/gm)).toHaveLength(2);
    expect(sql).toContain('UNION ALL');
    expect(duckdbViewSql(auditTable('status_changes')!)).toMatch(/ AS "by"$/m);
  });
});

// --- Drift: the items the real code writes, read through the generated SQL. A field renamed in
// the engagement, an assignment, an event or a store's item layout changes these rows.

const RECEIVED = '2026-12-01T10:00:00.000Z';
const DECIDED = '2026-12-01T10:00:01.000Z';

const complaint: Engagement = {
  id: 'x:1',
  platform: 'x',
  kind: 'mention',
  externalId: '1',
  text: 'still waiting for my refund',
  language: 'en',
  createdAt: '2026-12-01T09:59:00.000Z',
  receivedAt: RECEIVED,
  author: { id: 'u-1', handle: 'sam', name: 'Sam' },
  sentiment: { label: 'negative', score: -0.8 },
  intents: ['complaint', 'question'],
  keywords: ['refund'],
  enrichment: { model: 'local-nb', version: '2026.11', mode: 'local', confidence: { sentiment: 0.9, intents: {} } },
  routing: {
    departments: ['care', 'sales'],
    rules: ['refunds', 'buyers'],
    priority: 'high',
    slaDueAt: '2026-12-01T11:00:00.000Z',
    configVersion: 'cfg-7',
  },
};
/** Not enriched (no sentiment, no model), no rule matched: the default department. */
const threat: Engagement = {
  id: 'reddit:2',
  platform: 'reddit',
  kind: 'comment',
  externalId: '2',
  text: 'see you in court',
  language: 'en',
  createdAt: '2026-12-01T10:59:00.000Z',
  receivedAt: '2026-12-01T11:00:00.000Z',
  author: { id: 'u-2', handle: 'pat', name: '' },
  intents: [],
  keywords: [],
  routing: {
    departments: ['legal'],
    rules: [],
    priority: 'normal',
    slaDueAt: '2026-12-01T12:00:00.000Z',
    configVersion: 'cfg-7',
  },
};
const decision = (at: string): RoutingAuditRecord => ({ at, deliveryId: `m-${at}`, reasons: [] });

/** Every item the real stores write for this story, as an export holds them (marshalled and back). */
async function storyItems(): Promise<Record<string, unknown>[]> {
  const ddb = mockClient(DynamoDBDocumentClient);
  ddb.on(PutCommand).resolves({});
  ddb.on(TransactWriteCommand).resolves({});
  const client = new DynamoDBClient({ region: 'eu-west-1' });
  try {
    await new DynamoDbCaseStore(client, 'table').saveInCase(complaint, decision(DECIDED), {
      record: { caseId: 'case-1', latest: complaint.id, latestAt: RECEIVED, engagements: [complaint.id], version: 1 },
      expectedVersion: 0,
      reopened: [],
      events: [],
      unchanged: [],
    });
    await new DynamoDbEngagementStore(client, 'table', 30).saveNew(threat, decision('2026-12-01T11:00:01.000Z'));

    const lifecycle: { writes: AssignmentWrite[]; events: OutboxEvent[] }[] = [];
    // care acknowledges, then resolves; a late acknowledgement is recorded and changes nothing.
    let care: Assignment = newAssignment(complaint.id, 'care', DECIDED);
    const reports = [
      { status: 'acknowledged', reportId: 'r1', at: '2026-12-01T10:05:00.000Z', actor: { id: 'agent-7', name: 'Kim' } },
      { status: 'resolved', reportId: 'r2', at: '2026-12-01T10:30:00.000Z', note: 'refunded' },
      { status: 'acknowledged', reportId: 'r3', at: '2026-12-01T10:10:00.000Z' },
    ] as const;
    for (const report of reports) {
      const outcome = applyReport(care, { engagementId: complaint.id, department: 'care', ...report }, report.at);
      const events = outcome.change ? [statusChanged(outcome.next!, outcome.change, outcome.next!.version)] : [];
      lifecycle.push({ writes: [{ next: outcome.next!, expectedRevision: care.revision }], events });
      care = outcome.next!;
    }
    // legal misses its deadline: escalated by Switchboard, and comms gets the engagement.
    const legal = newAssignment(threat.id, 'legal', '2026-12-01T11:00:01.000Z');
    const breachedAt = '2026-12-01T12:00:05.000Z';
    const breach = recordBreach(legal, 'firstResponse', breachedAt)!;
    const comms = { ...newAssignment(threat.id, 'comms', breachedAt, { escalatedFrom: 'legal' }), revision: 1 };
    lifecycle.push({
      writes: [
        { next: breach.next!, expectedRevision: 0 },
        { next: comms, expectedRevision: 0 },
      ],
      events: [
        slaBreached(breach.next!, 'firstResponse', threat.routing.slaDueAt!, breachedAt, 'comms'),
        statusChanged(breach.next!, breach.change!, breach.next!.version),
        routedAgain(threat, 'comms', breachedAt, { escalatedFrom: 'legal' }),
      ],
    });

    const written = [
      ...ddb.commandCalls(PutCommand).map((call) => call.args[0].input.Item!),
      ...ddb
        .commandCalls(TransactWriteCommand)
        .flatMap((call) => call.args[0].input.TransactItems!.flatMap((t) => (t.Put ? [t.Put.Item!] : []))),
      ...lifecycle.flatMap(({ writes, events }) => lifecycleWriteItems('table', writes, events).map((t) => t.Put.Item)),
      // Items of no audit table: the platform's edit record, raw deliveries, a poll cursor, health.
      { ...keys.audit(complaint.id, '2026-12-01T10:40:00.000Z', 'EDITED'), type: 'engagement-edited', at: 'x' },
      { ...keys.rawPart('2026/12/01/batch-1', 0), type: 'raw', body: new Uint8Array([1, 2, 3]) },
      { pk: 'POLL#reddit', sk: 'CURSOR', cursor: 't3_abc' },
      { pk: 'HEALTH', sk: 'reddit', ok: true },
      // An engagement item of an unexpected shape reads as nulls; it breaks no view.
      { pk: 'ENG#odd:1', sk: 'ENGAGEMENT', engagement: 'not an object' },
    ];
    // The table holds the last put of each key (an assignment is put again at each change).
    const table = new Map(written.map((item) => [`${item.pk}|${item.sk}`, item]));
    return [...table.values()].map((item) => unmarshall(marshall(item, { removeUndefinedValues: true })));
  } finally {
    ddb.restore();
  }
}

describe('the audit views over the items the code writes', () => {
  let db: AuditDatabase;
  const query = async (sql: string) => rowObjects(await queryAudit(db.connection, sql));

  beforeAll(async () => {
    db = await openAuditDatabase(await storyItems());
  });
  afterAll(() => db.close());

  it('engagements: one row per engagement item, as published', async () => {
    expect(await query('SELECT * FROM engagements WHERE engagement_id IS NOT NULL ORDER BY engagement_id')).toEqual([
      {
        engagement_id: 'reddit:2',
        platform: 'reddit',
        kind: 'comment',
        author_id: 'u-2',
        text: 'see you in court',
        language: 'en',
        sentiment: null,
        intents: [],
        created_at: '2026-12-01T10:59:00.000Z',
        received_at: '2026-12-01T11:00:00.000Z',
        departments: ['legal'],
        priority: 'normal',
      },
      {
        engagement_id: 'x:1',
        platform: 'x',
        kind: 'mention',
        author_id: 'u-1',
        text: 'still waiting for my refund',
        language: 'en',
        sentiment: 'negative',
        intents: ['complaint', 'question'],
        created_at: '2026-12-01T09:59:00.000Z',
        received_at: RECEIVED,
        departments: ['care', 'sales'],
        priority: 'high',
      },
    ]);
    // The odd item is a row of nulls, not an error.
    expect(await query('SELECT count(*) AS n FROM engagements WHERE engagement_id IS NULL')).toEqual([{ n: 1 }]);
  });

  it('routing_decisions: the rules, config and model of each decision, and when it was made', async () => {
    expect(
      await query('SELECT * FROM routing_decisions WHERE engagement_id IS NOT NULL ORDER BY engagement_id'),
    ).toEqual([
      {
        engagement_id: 'reddit:2',
        rule_ids: [],
        departments: ['legal'],
        priority: 'normal',
        config_version: 'cfg-7',
        model_version: null,
        at: '2026-12-01T11:00:01.000Z',
      },
      {
        engagement_id: 'x:1',
        rule_ids: ['refunds', 'buyers'],
        departments: ['care', 'sales'],
        priority: 'high',
        config_version: 'cfg-7',
        model_version: 'local-nb@2026.11',
        at: DECIDED,
      },
    ]);
  });

  it('assignments: the stored ones, and the routed departments nobody changed yet as new', async () => {
    expect(await query('SELECT * FROM assignments ORDER BY engagement_id, department')).toEqual([
      // Handed over by escalation: stored at once; not a department of the routing, so no deadline here.
      {
        engagement_id: 'reddit:2',
        department: 'comms',
        state: 'new',
        version: 1,
        sla_due_at: null,
        case_id: null,
      },
      {
        engagement_id: 'reddit:2',
        department: 'legal',
        state: 'escalated',
        version: 2,
        sla_due_at: '2026-12-01T12:00:00.000Z',
        case_id: null,
      },
      {
        engagement_id: 'x:1',
        department: 'care',
        state: 'resolved',
        version: 3,
        sla_due_at: '2026-12-01T11:00:00.000Z',
        case_id: 'case-1',
      },
      // No ASSIGN# item: read off the engagement's routing.
      {
        engagement_id: 'x:1',
        department: 'sales',
        state: 'new',
        version: 1,
        sla_due_at: '2026-12-01T11:00:00.000Z',
        case_id: 'case-1',
      },
    ]);
  });

  it('status_changes: each applied change, by a department or by Switchboard; late reports and other events none', async () => {
    expect(await query('SELECT * FROM status_changes ORDER BY "at"')).toEqual([
      {
        engagement_id: 'x:1',
        department: 'care',
        from_state: 'new',
        to_state: 'acknowledged',
        report_id: 'r1',
        actor_id: 'agent-7',
        note: null,
        at: '2026-12-01T10:05:00.000Z',
        by: 'department',
      },
      {
        engagement_id: 'x:1',
        department: 'care',
        from_state: 'acknowledged',
        to_state: 'resolved',
        report_id: 'r2',
        actor_id: null,
        note: 'refunded',
        at: '2026-12-01T10:30:00.000Z',
        by: 'department',
      },
      {
        engagement_id: 'reddit:2',
        department: 'legal',
        from_state: 'new',
        to_state: 'escalated',
        report_id: null,
        actor_id: null,
        note: null,
        at: '2026-12-01T12:00:05.000Z',
        by: 'switchboard',
      },
    ]);
  });

  it('replies and erasures: their columns and no rows until such items exist', async () => {
    expect(await query('SELECT * FROM replies')).toEqual([]);
    expect(await query('SELECT * FROM erasures')).toEqual([]);
  });

  it('type every column as declared, in DuckDB (lists are VARCHAR[])', async () => {
    for (const t of AUDIT_TABLES) {
      const described = await query(`DESCRIBE ${t.name}`);
      expect(described.map((d) => [d.column_name, d.column_type])).toEqual(
        t.columns.map((c) => [
          c.name,
          DUCKDB_TYPES[c.type as ColumnType].replace('TIMESTAMPTZ', 'TIMESTAMP WITH TIME ZONE'),
        ]),
      );
    }
  });
});

describe('the planned reply and erasure items', () => {
  it('read into their tables once written (paths provisional until replies and erasure exist)', async () => {
    const db = await openAuditDatabase([
      {
        pk: 'ENG#x:1',
        sk: 'REPLY#rp-1',
        reply: {
          id: 'rp-1',
          engagementId: 'x:1',
          department: 'care',
          state: 'published',
          author: { id: 'agent-7' },
          approver: { id: 'lead-1' },
          platformReplyId: '99',
          at: '2026-12-02T08:00:00.000Z',
        },
      },
      {
        pk: 'ERASURE#x:u-1',
        sk: 'ERASURE',
        erasure: { author: 'x:u-1', requestedBy: 'dpo', engagementIds: ['x:1'], at: '2026-12-03T08:00:00.000Z' },
      },
    ]);
    try {
      expect(rowObjects(await queryAudit(db.connection, 'SELECT reply_id, approver_id, "at" FROM replies'))).toEqual([
        { reply_id: 'rp-1', approver_id: 'lead-1', at: '2026-12-02T08:00:00.000Z' },
      ]);
      expect(rowObjects(await queryAudit(db.connection, 'SELECT author, engagement_ids FROM erasures'))).toEqual([
        { author: 'x:u-1', engagement_ids: ['x:1'] },
      ]);
    } finally {
      db.close();
    }
  });
});
