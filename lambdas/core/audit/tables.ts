import { type AssignmentEvent, newAssignment } from '../assignments/assignment.js';
import { LIFECYCLE_EVENTS } from '../assignments/status-report.schema.js';

/**
 * The audit tables over an export of the engagements table, declared once, as data: each
 * table's columns (name, type) and, per kind of item a row comes from, how each column is read
 * from the unmarshalled item. The SQL is generated from these (views.ts): DuckDB views for
 * `switchboard audit query` now, Glue columns and Athena views for the deployed exports later,
 * so the columns and how they are read can never differ between the two.
 *
 * The item layout is the engagements table's (lambdas/aws/dynamodb-*-store.ts): one partition
 * per engagement, `ENG#<id>`, holding the engagement (`ENGAGEMENT`), its stored assignments
 * (`ASSIGN#<department>`), the lifecycle events it published (`EVENT#<at>#…`) and the platform's
 * edits (`AUDIT#…`). Items of no table (`AUDIT#…`, `RAW#…`, `CASE#…`, `POLL#…`, `HEALTH`) are
 * matched by no source, so they are ignored.
 */

/**
 * A column's type, engine-neutral: views.ts maps it to DuckDB's and to Glue's. Timestamps are
 * stored as ISO 8601 text and read as instants, so they compare and truncate as times.
 */
export type ColumnType = 'string' | 'integer' | 'double' | 'timestamp' | 'string[]';

/** Which item a value is read from: the row's own, or the `ENGAGEMENT` item of its partition. */
export type ItemRef = 'item' | 'engagement';

/**
 * How a column's value is read. A small expression language rather than SQL text, so each
 * engine's compiler (views.ts) writes it in its own dialect. A missing attribute reads as null.
 */
export type Read =
  /** An attribute, by its path in the item (`['engagement', 'author', 'id']`). */
  | { kind: 'attribute'; of: ItemRef; path: readonly string[] }
  /** The element of the list the row was made from ({@link RowSource.each}). */
  | { kind: 'element' }
  | { kind: 'literal'; value: string | number }
  /** The parts as text, joined by `separator`; null when any part is null. */
  | { kind: 'joined'; parts: readonly Read[]; separator: string }
  /** The first of `reads` that is not null. */
  | { kind: 'firstOf'; reads: readonly Read[] }
  /** `whenPresent` when `test` is not null, else `whenAbsent`. */
  | { kind: 'present'; test: Read; whenPresent: Read; whenAbsent: Read }
  /** `result` when `value` is an element of the list `list`, else null. */
  | { kind: 'listed'; value: Read; list: Read; result: Read };

/** Which items a row source reads: by their keys, and optionally attribute values. */
export interface ItemMatch {
  /** The partition key starts with this (`ENG#`). */
  pkPrefix: string;
  /** The sort key: exactly this, or starting with this; any when absent. */
  sk?: { equals: string } | { prefix: string };
  /** Attributes (string-valued) that must equal the given values. */
  where?: readonly { path: readonly string[]; equals: string }[];
}

/** One kind of item rows come from, and how each column is read from it. */
export interface RowSource<C extends string = string> {
  /** What these rows are, for the generated SQL's comments. */
  about: string;
  items: ItemMatch;
  /** Also reads the `ENGAGEMENT` item of the row's partition (`of: 'engagement'`); null when there is none. */
  withEngagement?: true;
  /** One row per element of this list attribute of the item (read as `element`), none when it is empty. */
  each?: readonly string[];
  /** With `each`: no row for an element when the partition has an item whose sort key is this prefix and the element. */
  unlessItem?: string;
  /** How each column of the table is read from these items. */
  read: Readonly<Record<C, Read>>;
}

/** A column: its name (snake_case, as queries name it), type and what it holds. */
export interface Column<C extends string = string> {
  name: C;
  type: ColumnType;
  /** What it holds, where that is not plain from the name; becomes the Glue column's comment. */
  about?: string;
}

/** A table: its columns, in order, and the items its rows come from (the union of its sources' rows). */
export interface TableDeclaration<C extends string = string> {
  name: string;
  about: string;
  columns: readonly Column<C>[];
  rows: readonly RowSource<C>[];
}

/** Declares a table; the type makes every row source read every column, and no other. */
function table<const C extends string>(declaration: {
  name: string;
  about: string;
  columns: readonly Column<C>[];
  rows: readonly RowSource<NoInfer<C>>[];
}): TableDeclaration {
  return declaration as TableDeclaration;
}

const attr = (...path: string[]): Read => ({ kind: 'attribute', of: 'item', path });
const ofEngagement = (...path: string[]): Read => ({ kind: 'attribute', of: 'engagement', path });
const literal = (value: string | number): Read => ({ kind: 'literal', value });
const element: Read = { kind: 'element' };

/** The item kinds of the engagements table that rows come from. */
export const ITEMS = {
  engagement: { pkPrefix: 'ENG#', sk: { equals: 'ENGAGEMENT' } },
  assignment: { pkPrefix: 'ENG#', sk: { prefix: 'ASSIGN#' } },
  statusChanged: {
    pkPrefix: 'ENG#',
    sk: { prefix: 'EVENT#' },
    where: [
      { path: ['event', 'source'], equals: LIFECYCLE_EVENTS.statusChanged.source },
      { path: ['event', 'detailType'], equals: LIFECYCLE_EVENTS.statusChanged.detailType },
    ],
  },
  // The reply items (lambdas/aws/dynamodb-reply-store.ts) and erasure tombstones.
  reply: { pkPrefix: 'ENG#', sk: { prefix: 'REPLY#' } },
  erasure: { pkPrefix: 'ERASURE#' },
} as const satisfies Record<string, ItemMatch>;

/** The sort-key prefix of a stored assignment, followed by its department. */
const ASSIGNMENT_SORT_KEY_PREFIX = ITEMS.assignment.sk.prefix;

/** How an assignment nobody changed yet reads: as the lifecycle store reads it (`new`, version 1). */
const UNSTORED = newAssignment('', '', '');

/** The engagement's case: set on the item by the case store, or kept in the routing decision. */
const caseId = (of: (...path: string[]) => Read) => ({
  kind: 'firstOf' as const,
  reads: [of('caseId'), of('decision', 'case', 'id')],
});

/** "Engagement Status Changed" detail attributes. */
const detail = (...path: string[]) => attr('event', 'detail', ...path);

/** One row per engagement, as published, with later edits applied (an edited text, a deleted one empty). */
export const ENGAGEMENTS = table({
  name: 'engagements',
  about: 'One row per engagement, as it was published, with later platform edits applied.',
  columns: [
    { name: 'engagement_id', type: 'string', about: '<platform>:<external id>' },
    { name: 'platform', type: 'string' },
    { name: 'kind', type: 'string' },
    { name: 'author_id', type: 'string', about: "The author's id on the platform." },
    { name: 'text', type: 'string', about: 'Empty once the platform reported it deleted.' },
    { name: 'language', type: 'string', about: 'ISO 639-1, or und.' },
    { name: 'sentiment', type: 'string', about: 'positive, neutral or negative; null when not enriched.' },
    { name: 'intents', type: 'string[]' },
    { name: 'created_at', type: 'timestamp', about: 'When it was written on the platform.' },
    { name: 'received_at', type: 'timestamp', about: 'When Switchboard received it.' },
    { name: 'departments', type: 'string[]', about: 'Where routing sent it.' },
    { name: 'priority', type: 'string' },
  ],
  rows: [
    {
      about: 'engagement items',
      items: ITEMS.engagement,
      read: {
        engagement_id: attr('engagement', 'id'),
        platform: attr('engagement', 'platform'),
        kind: attr('engagement', 'kind'),
        author_id: attr('engagement', 'author', 'id'),
        text: attr('engagement', 'text'),
        language: attr('engagement', 'language'),
        sentiment: attr('engagement', 'sentiment', 'label'),
        intents: attr('engagement', 'intents'),
        created_at: attr('engagement', 'createdAt'),
        received_at: attr('engagement', 'receivedAt'),
        departments: attr('engagement', 'routing', 'departments'),
        priority: attr('engagement', 'routing', 'priority'),
      },
    },
  ],
});

/** One row per engagement × department it was assigned to: the stored assignments and the untouched ones. */
export const ASSIGNMENTS = table({
  name: 'assignments',
  about: 'One row per assignment (engagement × department), including those still new.',
  columns: [
    { name: 'engagement_id', type: 'string' },
    { name: 'department', type: 'string' },
    { name: 'state', type: 'string' },
    { name: 'version', type: 'integer', about: 'Applied changes, counting routing as 1.' },
    {
      name: 'sla_due_at',
      type: 'timestamp',
      about:
        "The engagement's first-response deadline (routing.slaDueAt, the earliest of its departments') for a department of its routing; null for one it was handed over or escalated to.",
    },
    { name: 'case_id', type: 'string', about: "The engagement's case, when it belongs to a conversation." },
  ],
  rows: [
    {
      about: 'stored assignments (written by their first change)',
      items: ITEMS.assignment,
      withEngagement: true,
      read: {
        engagement_id: attr('assignment', 'engagementId'),
        department: attr('assignment', 'department'),
        state: attr('assignment', 'state'),
        version: attr('assignment', 'version'),
        sla_due_at: {
          kind: 'listed',
          value: attr('assignment', 'department'),
          list: ofEngagement('engagement', 'routing', 'departments'),
          result: ofEngagement('engagement', 'routing', 'slaDueAt'),
        },
        case_id: caseId(ofEngagement),
      },
    },
    {
      // An assignment is stored by its first change only (routing writes none per department):
      // until then it is the routed department with no ASSIGN# item, and reads as new.
      about: 'routed departments whose assignment never changed',
      items: ITEMS.engagement,
      each: ['engagement', 'routing', 'departments'],
      unlessItem: ASSIGNMENT_SORT_KEY_PREFIX,
      read: {
        engagement_id: attr('engagement', 'id'),
        department: element,
        state: literal(UNSTORED.state),
        version: literal(UNSTORED.version),
        sla_due_at: attr('engagement', 'routing', 'slaDueAt'),
        case_id: caseId(attr),
      },
    },
  ],
});

/** One row per routing decision: what routing decided for an engagement, and with what. */
export const ROUTING_DECISIONS = table({
  name: 'routing_decisions',
  about: 'One row per engagement: the routing decision, its rules and the config and model that made it.',
  columns: [
    { name: 'engagement_id', type: 'string' },
    { name: 'rule_ids', type: 'string[]', about: 'The rules that matched; empty when the default department took it.' },
    { name: 'departments', type: 'string[]' },
    { name: 'priority', type: 'string' },
    { name: 'config_version', type: 'string' },
    { name: 'model_version', type: 'string', about: '<model>@<version> of the enrichment; null when not enriched.' },
    {
      name: 'at',
      type: 'timestamp',
      about: 'When it was decided (its receipt, for engagements stored before decisions were kept).',
    },
  ],
  rows: [
    {
      about: 'engagement items (the decision is kept in the engagement item)',
      items: ITEMS.engagement,
      read: {
        engagement_id: attr('engagement', 'id'),
        rule_ids: attr('engagement', 'routing', 'rules'),
        departments: attr('engagement', 'routing', 'departments'),
        priority: attr('engagement', 'routing', 'priority'),
        config_version: attr('engagement', 'routing', 'configVersion'),
        model_version: {
          kind: 'joined',
          parts: [attr('engagement', 'enrichment', 'model'), attr('engagement', 'enrichment', 'version')],
          separator: '@',
        },
        at: { kind: 'firstOf', reads: [attr('decision', 'at'), attr('engagement', 'receivedAt')] },
      },
    },
  ],
});

/** One row per applied change of an assignment, from its "Engagement Status Changed" event. */
export const STATUS_CHANGES = table({
  name: 'status_changes',
  about: 'One row per applied status change of an assignment (late reports changed nothing and have none).',
  columns: [
    { name: 'engagement_id', type: 'string' },
    { name: 'department', type: 'string' },
    { name: 'from_state', type: 'string' },
    { name: 'to_state', type: 'string' },
    { name: 'report_id', type: 'string', about: "The department's report; null for Switchboard's own changes." },
    { name: 'actor_id', type: 'string', about: 'Who at the department, when the report said.' },
    { name: 'note', type: 'string' },
    { name: 'at', type: 'timestamp' },
    { name: 'by', type: 'string', about: 'department (a report) or switchboard (an escalation, a reopening).' },
  ],
  rows: [
    {
      about: '"Engagement Status Changed" event items',
      items: ITEMS.statusChanged,
      read: {
        engagement_id: detail('engagementId'),
        department: detail('department'),
        from_state: detail('from'),
        to_state: detail('to'),
        report_id: detail('reportId'),
        actor_id: detail('actor', 'id'),
        note: detail('note'),
        at: detail('at'),
        // A department's report carries its reportId; Switchboard's own changes (escalated, reopened) none.
        by: {
          kind: 'present',
          test: detail('reportId'),
          whenPresent: literal('department' satisfies AssignmentEvent['by']),
          whenAbsent: literal('switchboard' satisfies AssignmentEvent['by']),
        },
      },
    },
  ],
});

/**
 * One row per reply sent through Switchboard: its item (`ENG#<id>` / `REPLY#<reply id>`, the
 * reply under `reply`; lambdas/core/replies/reply.ts), as it stands now.
 */
export const REPLIES = table({
  name: 'replies',
  about: 'One row per reply sent through Switchboard, in its current state.',
  columns: [
    { name: 'reply_id', type: 'string' },
    { name: 'engagement_id', type: 'string' },
    { name: 'department', type: 'string' },
    { name: 'state', type: 'string' },
    { name: 'author_id', type: 'string', about: 'Who wrote the reply.' },
    { name: 'approver_id', type: 'string', about: 'Who approved it, when approval was needed.' },
    { name: 'platform_reply_id', type: 'string', about: 'Its id on the platform, once published.' },
    { name: 'at', type: 'timestamp' },
  ],
  rows: [
    {
      about: 'reply items',
      items: ITEMS.reply,
      read: {
        reply_id: attr('reply', 'id'),
        engagement_id: attr('reply', 'engagementId'),
        department: attr('reply', 'department'),
        state: attr('reply', 'state'),
        author_id: attr('reply', 'author', 'id'),
        approver_id: attr('reply', 'approver', 'id'),
        platform_reply_id: attr('reply', 'platformReplyId'),
        at: attr('reply', 'at'),
      },
    },
  ],
});

/**
 * One row per erasure of an author's data: the tombstone `switchboard erase` keeps
 * (`ERASURE#<at>#<author>`, the record under `erasure`; lambdas/core/lifecycle/erase.ts).
 */
export const ERASURES = table({
  name: 'erasures',
  about: "One row per erasure of an author's data, on request.",
  columns: [
    { name: 'author', type: 'string', about: '<platform>:<author id> whose data was erased.' },
    { name: 'requested_by', type: 'string' },
    { name: 'engagement_ids', type: 'string[]', about: 'The engagements erased.' },
    { name: 'at', type: 'timestamp' },
  ],
  rows: [
    {
      about: 'erasure items',
      items: ITEMS.erasure,
      read: {
        author: attr('erasure', 'author'),
        requested_by: attr('erasure', 'requestedBy'),
        engagement_ids: attr('erasure', 'engagementIds'),
        at: attr('erasure', 'at'),
      },
    },
  ],
});

/** Every audit table, in the order they are listed to people. */
export const AUDIT_TABLES: readonly TableDeclaration[] = [
  ENGAGEMENTS,
  ASSIGNMENTS,
  ROUTING_DECISIONS,
  STATUS_CHANGES,
  REPLIES,
  ERASURES,
];

/** The audit table of that name, if there is one (names compare as SQL does: case-insensitively). */
export function auditTable(name: string): TableDeclaration | undefined {
  return AUDIT_TABLES.find((t) => t.name === name.toLowerCase());
}
