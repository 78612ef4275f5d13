import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbCaseStore } from '#aws/dynamodb-case-store.js';
import { DynamoDbEngagementStore } from '#aws/dynamodb-engagement-store.js';
import { lifecycleWriteItems } from '#aws/dynamodb-lifecycle-store.js';
import { type Assignment, applyReport, newAssignment, recordBreach } from '#core/assignments/assignment.js';
import {
  AUDIT_QUESTIONS,
  type AuditQuestion,
  DECISIONS_BY_RULE,
  ENGAGEMENT_HISTORY,
  FIRST_RESPONSE_DEADLINES,
  NEGATIVE_BY_PLATFORM,
  OPEN_ASSIGNMENTS,
  SLA_ESCALATIONS,
  WHO_CHANGED_WHAT,
} from '#core/audit/questions.js';
import type { Engagement } from '#core/engagement/engagement.schema.js';
import type { ErasureRecord } from '#core/lifecycle/erase.js';
import { routedAgain, slaBreached, statusChanged } from '#core/lifecycle/lifecycle-events.js';
import type { RoutingAuditRecord } from '#core/lifecycle/ports/engagement-store.js';
import type { AssignmentWrite, OutboxEvent } from '#core/lifecycle/ports/lifecycle-store.js';
import { type AuditDatabase, openAuditDatabase, queryAudit, rowObjects } from '../../../bin/commands/audit-query.js';

// The story, written by the real stores (as test/unit/audit/tables.test.ts writes its own): a
// complaint on x routed to care and sales by two rules, which care acknowledges, answers with a
// reply and resolves, and sales acknowledges after its deadline; a threat on reddit no rule
// matched, which legal lets pass its deadline (escalated to comms), and whose author is erased.

const RECEIVED = '2026-12-01T10:00:00.000Z';
const DECIDED = '2026-12-01T10:00:01.000Z';
const DUE = '2026-12-01T11:00:00.000Z';

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
  intents: ['complaint'],
  keywords: ['refund'],
  enrichment: { model: 'local-nb', version: '2026.11', mode: 'local', confidence: { sentiment: 0.9, intents: {} } },
  routing: {
    departments: ['care', 'sales'],
    rules: ['refunds', 'buyers'],
    priority: 'high',
    slaDueAt: DUE,
    configVersion: 'cfg-7',
  },
};
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
const erasure: ErasureRecord = {
  author: 'reddit:u-2',
  requestedBy: 'dpo@example.com',
  engagementIds: [threat.id],
  at: '2026-12-03T09:00:00.000Z',
};

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
    const report = (assignment: Assignment, r: Parameters<typeof applyReport>[1]) => {
      const outcome = applyReport(assignment, r, r.at!);
      const events = outcome.change ? [statusChanged(outcome.next!, outcome.change, outcome.next!.version)] : [];
      lifecycle.push({ writes: [{ next: outcome.next!, expectedRevision: assignment.revision }], events });
      return outcome.next!;
    };
    let care = newAssignment(complaint.id, 'care', DECIDED);
    care = report(care, {
      engagementId: complaint.id,
      department: 'care',
      status: 'acknowledged',
      reportId: 'r1',
      at: '2026-12-01T10:05:00.000Z',
      actor: { id: 'agent-7', name: 'Kim' },
    });
    report(care, {
      engagementId: complaint.id,
      department: 'care',
      status: 'resolved',
      reportId: 'r2',
      at: '2026-12-01T10:30:00.000Z',
      note: 'refunded',
    });
    report(newAssignment(complaint.id, 'sales', DECIDED), {
      engagementId: complaint.id,
      department: 'sales',
      status: 'acknowledged',
      reportId: 's1',
      at: '2026-12-01T11:30:00.000Z',
      actor: { id: 'seller-2' },
    });
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
      // Replies and erasure tombstones under the keys tables.ts reads them from.
      {
        pk: `ENG#${complaint.id}`,
        sk: 'REPLY#rp-1',
        reply: {
          id: 'rp-1',
          engagementId: complaint.id,
          department: 'care',
          state: 'published',
          author: { id: 'agent-7' },
          approver: { id: 'lead-1' },
          platformReplyId: '99',
          at: '2026-12-01T10:20:00.000Z',
        },
      },
      { pk: `ERASURE#${erasure.at}#${erasure.author}`, sk: 'ERASURE', type: 'erasure', erasure },
    ];
    const table = new Map(written.map((item) => [`${item.pk}|${item.sk}`, item]));
    return [...table.values()].map((item) => unmarshall(marshall(item, { removeUndefinedValues: true })));
  } finally {
    ddb.restore();
  }
}

describe('the auditors’ questions, run in DuckDB over the audit views', () => {
  let db: AuditDatabase;
  /** Runs a question as `switchboard audit query` does, its `?` bound as parameters (a prepared statement). */
  const ask = async (question: AuditQuestion, ...parameters: string[]) => {
    const sql = parameters.length
      ? `PREPARE question AS ${question.sql};\nEXECUTE question(${parameters.map((p) => `'${p.replaceAll("'", "''")}'`).join(', ')})`
      : question.sql;
    return rowObjects(await queryAudit(db.connection, sql));
  };

  beforeAll(async () => {
    db = await openAuditDatabase(await storyItems());
  });
  afterAll(() => db.close());

  it('are listed once each, with ids, titles and descriptions a named query accepts', () => {
    const ids = AUDIT_QUESTIONS.map((q) => q.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const q of AUDIT_QUESTIONS) {
      expect(q.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(q.title.length).toBeGreaterThan(0);
      expect(q.title.length).toBeLessThanOrEqual(128);
      expect(q.description.length).toBeLessThanOrEqual(1024);
      // One parameter described per `?` (no `?` appears in their SQL otherwise).
      expect(q.sql.split('?').length - 1).toBe(q.parameters?.length ?? 0);
    }
  });

  it('quote the keywords at and by wherever they name a column, as both engines need', () => {
    for (const q of AUDIT_QUESTIONS) {
      const outsideStrings = q.sql.replace(/'(?:[^']|'')*'/g, "''");
      expect(outsideStrings).not.toMatch(/(?<!")\b(at|by)\b(?!")/);
      // DuckDB-only spellings that Athena refuses, and Trino-only ones DuckDB refuses.
      expect(q.sql).not.toMatch(/list_contains|\blen\(|array_to_string|cardinality\(|array_join|count_if/);
      expect(q.sql).not.toMatch(/SELECT\s+unnest|,\s*unnest\(/i);
    }
  });

  it('everything about one engagement: its receipt, decision, status changes and reply in time order, then its assignments', async () => {
    expect(await ask(ENGAGEMENT_HISTORY, complaint.id)).toEqual([
      {
        at: RECEIVED,
        record: 'received',
        department: null,
        from_state: null,
        to_state: null,
        by: null,
        actor_id: 'u-1',
        version: null,
        sla_due_at: null,
        rule_ids: null,
        config_version: null,
        reference: 'x',
        note: 'mention',
      },
      {
        at: DECIDED,
        record: 'routing decision',
        department: null,
        from_state: null,
        to_state: null,
        by: 'switchboard',
        actor_id: null,
        version: null,
        sla_due_at: null,
        rule_ids: ['refunds', 'buyers'],
        config_version: 'cfg-7',
        reference: 'local-nb@2026.11',
        note: 'priority high',
      },
      expect.objectContaining({
        at: '2026-12-01T10:05:00.000Z',
        record: 'status change',
        department: 'care',
        from_state: 'new',
        to_state: 'acknowledged',
        by: 'department',
        actor_id: 'agent-7',
        reference: 'r1',
      }),
      expect.objectContaining({
        at: '2026-12-01T10:20:00.000Z',
        record: 'reply',
        department: 'care',
        to_state: 'published',
        actor_id: 'agent-7',
        reference: '99',
        note: 'approved by lead-1',
      }),
      expect.objectContaining({
        at: '2026-12-01T10:30:00.000Z',
        record: 'status change',
        department: 'care',
        from_state: 'acknowledged',
        to_state: 'resolved',
        actor_id: null,
        reference: 'r2',
        note: 'refunded',
      }),
      expect.objectContaining({
        at: '2026-12-01T11:30:00.000Z',
        record: 'status change',
        department: 'sales',
        to_state: 'acknowledged',
        actor_id: 'seller-2',
      }),
      expect.objectContaining({
        at: null,
        record: 'assignment',
        department: 'care',
        to_state: 'resolved',
        version: 3,
        sla_due_at: DUE,
        reference: 'case-1',
      }),
      expect.objectContaining({
        at: null,
        record: 'assignment',
        department: 'sales',
        to_state: 'acknowledged',
        version: 2,
        sla_due_at: DUE,
        reference: 'case-1',
      }),
    ]);
  });

  it('everything about one engagement: an erasure of its author, and nothing of any other engagement', async () => {
    const history = await ask(ENGAGEMENT_HISTORY, threat.id);
    expect(history.map((r) => [r.record, r.department, r.to_state])).toEqual([
      ['received', null, null],
      ['routing decision', null, null],
      ['status change', 'legal', 'escalated'],
      ['erasure', null, null],
      ['assignment', 'comms', 'new'],
      ['assignment', 'legal', 'escalated'],
    ]);
    expect(history.find((r) => r.record === 'erasure')).toMatchObject({
      at: erasure.at,
      actor_id: 'dpo@example.com',
      reference: 'reddit:u-2',
    });
    expect(await ask(ENGAGEMENT_HISTORY, 'x:unknown')).toEqual([]);
  });

  it('decisions by rule and config version, with no-rule decisions under the default department', async () => {
    expect(await ask(DECISIONS_BY_RULE)).toEqual([
      { matched_rule: '(no rule: default department)', config_version: 'cfg-7', decisions: 1 },
      { matched_rule: 'buyers', config_version: 'cfg-7', decisions: 1 },
      { matched_rule: 'refunds', config_version: 'cfg-7', decisions: 1 },
    ]);
  });

  it('SLA escalations by department and week (weeks start on Monday)', async () => {
    expect(await ask(SLA_ESCALATIONS)).toEqual([{ department: 'legal', week: '2026-11-30', escalations: 1 }]);
  });

  it('first responses against their deadline: late, on time and unanswered, per department', async () => {
    expect(await ask(FIRST_RESPONSE_DEADLINES)).toEqual([
      // Acknowledged at 10:05, due 11:00.
      { department: 'care', week: '2026-11-30', assignments: 1, answered_late: 0, unanswered: 0 },
      // Escalated by Switchboard, never answered (comms, which got it by escalation, has no deadline here).
      { department: 'legal', week: '2026-11-30', assignments: 1, answered_late: 0, unanswered: 1 },
      // Acknowledged at 11:30, due 11:00.
      { department: 'sales', week: '2026-11-30', assignments: 1, answered_late: 1, unanswered: 0 },
    ]);
  });

  it('who changed what: every status change and erasure, newest first, with who did it', async () => {
    expect(await ask(WHO_CHANGED_WHAT)).toEqual([
      {
        at: erasure.at,
        who: 'dpo@example.com',
        on_behalf_of: 'erasure',
        what: 'erased the data of reddit:u-2',
        engagement_id: threat.id,
        department: null,
        report_id: null,
      },
      {
        at: '2026-12-01T12:00:05.000Z',
        who: null,
        on_behalf_of: 'switchboard',
        what: 'new -> escalated',
        engagement_id: threat.id,
        department: 'legal',
        report_id: null,
      },
      {
        at: '2026-12-01T11:30:00.000Z',
        who: 'seller-2',
        on_behalf_of: 'sales',
        what: 'new -> acknowledged',
        engagement_id: complaint.id,
        department: 'sales',
        report_id: 's1',
      },
      {
        at: '2026-12-01T10:30:00.000Z',
        who: null,
        on_behalf_of: 'care',
        what: 'acknowledged -> resolved',
        engagement_id: complaint.id,
        department: 'care',
        report_id: 'r2',
      },
      {
        at: '2026-12-01T10:05:00.000Z',
        who: 'agent-7',
        on_behalf_of: 'care',
        what: 'new -> acknowledged',
        engagement_id: complaint.id,
        department: 'care',
        report_id: 'r1',
      },
    ]);
  });

  it('open work by department, and negative engagements by platform and day', async () => {
    expect(await ask(OPEN_ASSIGNMENTS)).toEqual([
      { department: 'comms', state: 'new', assignments: 1 },
      { department: 'legal', state: 'escalated', assignments: 1 },
      { department: 'sales', state: 'acknowledged', assignments: 1 },
    ]);
    expect(await ask(NEGATIVE_BY_PLATFORM)).toEqual([{ platform: 'x', day: '2026-12-01', negative: 1 }]);
  });
});
