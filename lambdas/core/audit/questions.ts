/**
 * The questions auditors usually ask of an export, with the SQL that answers each over the audit
 * tables (tables.ts). Each runs unchanged in DuckDB (`switchboard audit query`) and in Athena
 * (Trino), where they are the workgroup's named queries (lib/constructs/audit-catalog.ts); a
 * unit test runs every one in DuckDB. Pure data.
 *
 * Writing SQL both engines read the same way:
 * - `at` and `by` are keywords in both: always `"at"`, `"by"`.
 * - Lists: `contains(list, x)` and `CROSS JOIN UNNEST(list) AS t(x)` (or `LEFT JOIN … ON true`,
 *   to keep rows with an empty list) are in both; DuckDB's `list_contains`, `len`,
 *   `unnest()` in a SELECT list and Trino's `cardinality`, `array_join` are not.
 * - Conditional counts: `count(CASE WHEN … THEN 1 END)`. `count_if` is in both but DuckDB's
 *   gives null, not 0, when the condition is null on every row.
 * - GROUP BY repeats the expression (Trino does not group by an output alias); ORDER BY may use aliases.
 * - Weeks: `CAST(date_trunc('week', t) AS DATE)`, Monday in both, and a date in both (the
 *   truncated time itself is TIMESTAMPTZ in DuckDB and a timestamp in Athena).
 * - Parameters are `?`, bound in order: a prepared statement in DuckDB, `--execution-parameters`
 *   in Athena (a string as a quoted literal: `"'x:1'"`).
 */

/** One question: what it asks and the SQL that answers it. */
export interface AuditQuestion {
  /** Stable, kebab-case: the named query's key in the stack and tests. */
  id: string;
  /** The question as an auditor asks it; the named query's name (at most 128 characters). */
  title: string;
  /** What the answer holds, and how to read it (at most 1,024 characters, the named query's limit). */
  description: string;
  /** The SQL, for both engines. */
  sql: string;
  /** What each `?` of the SQL stands for, in order; none when absent. */
  parameters?: readonly string[];
}

/**
 * Everything about one engagement, in time order: its receipt, the routing decision (rules,
 * config), each assignment as it stands, each status change, each reply and any erasure. One row
 * per record, the columns a record has no value for are null; assignments (current state, no
 * time) come last.
 */
export const ENGAGEMENT_HISTORY: AuditQuestion = {
  id: 'engagement-history',
  title: 'Everything about one engagement',
  description:
    'Its receipt, routing decision (rules, config version), assignments as they stand, status changes, replies and erasures, one row per record in time order (assignments, which have no time, last). Parameter: the engagement id, e.g. x:1.',
  parameters: ['engagement id (<platform>:<external id>)'],
  sql: `WITH target AS (SELECT CAST(? AS VARCHAR) AS engagement_id)
SELECT "at", record, department, from_state, to_state, "by", actor_id, version, sla_due_at,
       rule_ids, config_version, reference, note
FROM (
  SELECT g.received_at AS "at", 'received' AS record, NULL AS department, NULL AS from_state,
         NULL AS to_state, NULL AS "by", g.author_id AS actor_id, NULL AS version, NULL AS sla_due_at,
         NULL AS rule_ids, NULL AS config_version, g.platform AS reference, g.kind AS note
  FROM engagements g JOIN target t ON g.engagement_id = t.engagement_id
  UNION ALL
  SELECT d."at", 'routing decision', NULL, NULL, NULL, 'switchboard', NULL, NULL, NULL,
         d.rule_ids, d.config_version, d.model_version, 'priority ' || d.priority
  FROM routing_decisions d JOIN target t ON d.engagement_id = t.engagement_id
  UNION ALL
  SELECT s."at", 'status change', s.department, s.from_state, s.to_state, s."by", s.actor_id, NULL, NULL,
         NULL, NULL, s.report_id, s.note
  FROM status_changes s JOIN target t ON s.engagement_id = t.engagement_id
  UNION ALL
  SELECT r."at", 'reply', r.department, NULL, r.state, 'department', r.author_id, NULL, NULL,
         NULL, NULL, r.platform_reply_id, 'approved by ' || r.approver_id
  FROM replies r JOIN target t ON r.engagement_id = t.engagement_id
  UNION ALL
  SELECT x."at", 'erasure', NULL, NULL, NULL, NULL, x.requested_by, NULL, NULL,
         NULL, NULL, x.author, NULL
  FROM erasures x JOIN target t ON contains(x.engagement_ids, t.engagement_id)
  UNION ALL
  SELECT NULL, 'assignment', a.department, NULL, a.state, NULL, NULL, a.version, a.sla_due_at,
         NULL, NULL, a.case_id, NULL
  FROM assignments a JOIN target t ON a.engagement_id = t.engagement_id
) history
ORDER BY "at" NULLS LAST, record, department`,
};

/** What each rule did under each config version; decisions no rule matched count as the default department's. */
export const DECISIONS_BY_RULE: AuditQuestion = {
  id: 'decisions-by-rule',
  title: 'Decisions by rule and config version',
  description:
    'How many routing decisions each rule matched, per config version. A decision matching several rules counts once for each; one no rule matched (the default department took it) counts under "(no rule: default department)".',
  sql: `SELECT COALESCE(r.rule_id, '(no rule: default department)') AS matched_rule, d.config_version,
       count(*) AS decisions
FROM routing_decisions d
LEFT JOIN UNNEST(d.rule_ids) AS r(rule_id) ON true
GROUP BY COALESCE(r.rule_id, '(no rule: default department)'), d.config_version
ORDER BY decisions DESC, matched_rule, d.config_version`,
};

/**
 * SLA escalations by department and week. A missed deadline sets the assignment `escalated`
 * (a status change by Switchboard) unless it already is or the department is done; so this counts
 * each assignment's first breach (docs/lifecycle.md, "A breach").
 */
export const SLA_ESCALATIONS: AuditQuestion = {
  id: 'sla-escalations',
  title: 'SLA escalations by department and week',
  description:
    'Each escalation Switchboard made when a department missed an SLA deadline (its first breach of an assignment; a later breach of an escalated assignment changes no status), counted by department and week (weeks start on Monday, UTC).',
  sql: `SELECT department, CAST(date_trunc('week', "at") AS DATE) AS week, count(*) AS escalations
FROM status_changes
WHERE to_state = 'escalated' AND "by" = 'switchboard'
GROUP BY department, CAST(date_trunc('week', "at") AS DATE)
ORDER BY week, department`,
};

/**
 * First responses against their deadline, by department and week: the first change a department
 * reported on an assignment, compared with the assignment's `sla_due_at` (set for the departments
 * of the first routing only).
 */
export const FIRST_RESPONSE_DEADLINES: AuditQuestion = {
  id: 'first-response-deadlines',
  title: 'First responses against their deadline, by department and week',
  description:
    'Per department and week of the deadline: assignments with a first-response deadline, those whose first reported change came after it, and those with no reported change yet (open or overdue). Departments an engagement was handed over or escalated to have no deadline here.',
  sql: `SELECT a.department, CAST(date_trunc('week', a.sla_due_at) AS DATE) AS week,
       count(*) AS assignments,
       count(CASE WHEN f.first_response_at > a.sla_due_at THEN 1 END) AS answered_late,
       count(CASE WHEN f.first_response_at IS NULL THEN 1 END) AS unanswered
FROM assignments a
LEFT JOIN (
  SELECT engagement_id, department, min("at") AS first_response_at
  FROM status_changes
  WHERE "by" = 'department'
  GROUP BY engagement_id, department
) f ON f.engagement_id = a.engagement_id AND f.department = a.department
WHERE a.sla_due_at IS NOT NULL
GROUP BY a.department, CAST(date_trunc('week', a.sla_due_at) AS DATE)
ORDER BY week, a.department`,
};

/** Who changed what: every status change (a department's person, or Switchboard) and every erasure, newest first. */
export const WHO_CHANGED_WHAT: AuditQuestion = {
  id: 'who-changed-what',
  title: 'Who changed what',
  description:
    'Every status change (who at the department when the report said, or Switchboard: escalations and reopenings) and every erasure (who requested it, one row per engagement erased), newest first.',
  sql: `SELECT "at", who, on_behalf_of, what, engagement_id, department, report_id
FROM (
  SELECT s."at" AS "at", s.actor_id AS who,
         CASE WHEN s."by" = 'department' THEN s.department ELSE 'switchboard' END AS on_behalf_of,
         s.from_state || ' -> ' || s.to_state AS what,
         s.engagement_id AS engagement_id, s.department AS department, s.report_id AS report_id
  FROM status_changes s
  UNION ALL
  SELECT x."at", x.requested_by, 'erasure', 'erased the data of ' || x.author, e.engagement_id, NULL, NULL
  FROM erasures x
  LEFT JOIN UNNEST(x.engagement_ids) AS e(engagement_id) ON true
) changes
ORDER BY "at" DESC, engagement_id, department`,
};

/** Open work by department: assignments nobody has finished. */
export const OPEN_ASSIGNMENTS: AuditQuestion = {
  id: 'open-assignments',
  title: 'Open work by department',
  description: 'Assignments not resolved, dismissed or rerouted, counted by department and state.',
  sql: `SELECT department, state, count(*) AS assignments
FROM assignments
WHERE state NOT IN ('resolved', 'dismissed', 'rerouted')
GROUP BY department, state
ORDER BY department, state`,
};

/** Negative engagements by platform and day of receipt. */
export const NEGATIVE_BY_PLATFORM: AuditQuestion = {
  id: 'negative-by-platform',
  title: 'Negative engagements by platform and day',
  description: 'Engagements enriched as negative, counted by platform and day of receipt (UTC).',
  sql: `SELECT platform, CAST(received_at AS DATE) AS day, count(*) AS negative
FROM engagements
WHERE sentiment = 'negative'
GROUP BY platform, CAST(received_at AS DATE)
ORDER BY day, platform`,
};

/** Every question, in the order they are listed to auditors. */
export const AUDIT_QUESTIONS: readonly AuditQuestion[] = [
  ENGAGEMENT_HISTORY,
  DECISIONS_BY_RULE,
  SLA_ESCALATIONS,
  FIRST_RESPONSE_DEADLINES,
  WHO_CHANGED_WHAT,
  OPEN_ASSIGNMENTS,
  NEGATIVE_BY_PLATFORM,
];
