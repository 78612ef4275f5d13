import {
  type Actor,
  type Assignment,
  type AssignmentEvent,
  type AssignmentState,
  newAssignment,
} from '../assignments/assignment.js';
import { LIFECYCLE_EVENTS } from '../assignments/status-report.schema.js';
import type { Department } from '../config/config.schema.js';
import { ENGAGEMENT_ROUTED } from '../engagement/engagement-routed.js';
import type { Engagement, Priority } from '../engagement/engagement.schema.js';
import type { RuleReason } from '../routing/reasons.js';
import { isMet, SLA_KINDS, type SlaDeadlines, type SlaKind, slaDeadlines } from '../routing/sla.js';
import type { RoutingAuditRecord } from './ports/engagement-store.js';

/**
 * An engagement's whole story, assembled from the items of its partition in the engagements
 * table (`ENG#<id>`: the engagement with its routing decision, its stored assignments, the
 * lifecycle events it published and the platform's edits), which one Query reads. Pure: reading
 * the table is the caller's job (`switchboard history`), so this runs and is tested without AWS.
 */

/** One change of an assignment, as `history --json` prints it. */
export interface HistoryEvent {
  at: string;
  from: AssignmentState;
  to: AssignmentState;
  reportId?: string;
  actor?: Actor;
  note?: string;
  by: 'department' | 'switchboard';
  /** A late report: recorded, but it changed nothing. */
  late?: true;
}

/** One assignment (engagement × department), as `history --json` prints it. */
export interface HistoryAssignment {
  department: string;
  state: AssignmentState;
  version: number;
  /** The first-response deadline, per the loaded config (ISO 8601); absent for a department without an SLA. */
  slaDueAt?: string;
  events: HistoryEvent[];
}

/** What `switchboard history <id> --json` prints (the contract). */
export interface HistoryReport {
  /** The engagement as published, with any later edit or deletion applied. */
  engagement: Engagement;
  caseId?: string;
  decision: { rules: string[]; reasons: RuleReason[]; configVersion: string; at: string };
  assignments: HistoryAssignment[];
  /** Replies sent through Switchboard, oldest first. */
  replies: HistoryReply[];
}

/** A reply, as `history --json` prints it (its stored item; docs/replies.md). */
export interface HistoryReply {
  replyId: string;
  department: string;
  platform: string;
  state: string;
  author: Actor;
  text: string;
  submittedAt: string;
  at: string;
  approvals: {
    entry: string;
    approvers: string;
    decision?: { decision: string; approver: Actor; note?: string; at: string };
  }[];
  platformReplyId?: string;
  failure?: string;
  attempts?: number;
}

/** One dated fact of the readable timeline. */
export type TimelineEntry =
  | {
      kind: 'routed';
      at: string;
      departments: string[];
      rules: string[];
      reasons: RuleReason[];
      priority: Priority;
      trial: boolean;
      due: Record<string, SlaDeadlines>;
    }
  | {
      kind: 'status';
      at: string;
      department: string;
      event: AssignmentEvent;
      /** Where a late report sits: after the change recorded before it, not at the earlier time it claims. */
      recordedAfter?: string;
    }
  | {
      kind: 'handover';
      at: string;
      how: 'rerouted' | 'escalated';
      from: string;
      to: string;
      priority?: Priority;
      note?: string;
      due: SlaDeadlines;
    }
  | { kind: 'breach'; at: string; department: string; sla: SlaKind; dueAt?: string; escalatedTo?: string }
  | { kind: 'edited' | 'deleted'; at: string; deliveryId?: string }
  | { kind: 'reply'; at: string; detailType: string; detail: Record<string, unknown> };

/** An engagement's story: the contract's report and the timeline the readable form prints. */
export interface EngagementHistory {
  report: HistoryReport;
  /** Oldest first; facts of the same instant in the order they happen (breach, change, handover). */
  timeline: TimelineEntry[];
  /** Both deadlines of each assignment, by department (the report names the first-response one only). */
  deadlines: Record<string, SlaDeadlines>;
  /** When each assignment's deadlines were found breached, by department. */
  breaches: Record<string, Partial<Record<SlaKind, string>>>;
}

/** The engagement item's attributes this reads. */
interface EngagementItem {
  engagement: Engagement;
  decision?: Partial<RoutingAuditRecord> & { case?: { id?: string } };
  caseId?: string;
}

/** An `EVENT#` item: a published lifecycle event. */
interface EventItem {
  at: string;
  event: { source: string; detailType: string; detail: Record<string, unknown> };
}

/**
 * Assembles an engagement's history from the (unmarshalled) items of its partition, in any
 * order; undefined when there is no engagement item (no such engagement). `departments` is the
 * config's, for the SLA deadlines: computed as the tracker computes them, so they are the
 * current config's deadlines, which a config change since routing may have moved.
 */
export function engagementHistory(
  items: Record<string, unknown>[],
  departments: readonly Pick<Department, 'id' | 'sla'>[],
): EngagementHistory | undefined {
  const sk = (item: Record<string, unknown>) => (typeof item.sk === 'string' ? item.sk : '');
  const stored = items.find((i) => sk(i) === 'ENGAGEMENT') as EngagementItem | undefined;
  if (!stored?.engagement) return undefined;
  const { engagement } = stored;
  const routing = engagement.routing;
  // An engagement stored before decisions were kept has none: its receipt stands for routing.
  const decidedAt = stored.decision?.at ?? engagement.receivedAt;

  // Stored assignments, plus the routed departments whose assignment never changed (an
  // assignment is only written by its first change): those read as `new`, as the store reads them.
  const byDepartment = new Map<string, Assignment>();
  for (const item of items)
    if (sk(item).startsWith('ASSIGN#')) {
      const a = item.assignment as Assignment;
      byDepartment.set(a.department, a);
    }
  for (const d of routing.departments)
    if (!byDepartment.has(d)) byDepartment.set(d, newAssignment(engagement.id, d, decidedAt));
  const order = (a: Assignment) => {
    const i = routing.departments.indexOf(a.department);
    return i === -1 ? routing.departments.length : i;
  };
  const assignments = [...byDepartment.values()].sort(
    (a, b) =>
      order(a) - order(b) ||
      Date.parse(a.routedAt) - Date.parse(b.routedAt) ||
      a.department.localeCompare(b.department),
  );

  // Deadlines count from receipt for the first routing and from the handover or escalation
  // otherwise, as the tracker starts them (track-routed.ts).
  const deadlines: Record<string, SlaDeadlines> = {};
  for (const a of assignments) {
    const department = departments.find((d) => d.id === a.department);
    const handedOn = a.reroutedFrom !== undefined || a.escalatedFrom !== undefined;
    const from = routing.departments.includes(a.department) && !handedOn ? engagement.receivedAt : a.routedAt;
    deadlines[a.department] = department ? slaDeadlines(department, Date.parse(from)) : {};
  }

  const events = items.filter((i) => sk(i).startsWith('EVENT#')) as unknown as EventItem[];
  const timeline: TimelineEntry[] = [
    {
      kind: 'routed',
      at: decidedAt,
      departments: routing.departments,
      rules: routing.rules,
      reasons: stored.decision?.reasons ?? [],
      priority: routing.priority,
      trial: routing.trial === true,
      due: Object.fromEntries(routing.departments.map((d) => [d, deadlines[d] ?? {}])),
    },
  ];
  for (const a of assignments) {
    let last = a.routedAt;
    for (const event of a.events) {
      timeline.push({
        kind: 'status',
        at: event.at,
        department: a.department,
        event,
        ...(event.late ? { recordedAfter: last } : {}),
      });
      if (!event.late) last = event.at;
    }
    const from = a.reroutedFrom ?? a.escalatedFrom;
    if (from !== undefined) timeline.push(handover(a, from, assignments, events, deadlines[a.department] ?? {}));
  }
  const breaches: EngagementHistory['breaches'] = {};
  for (const e of events) {
    if (e.event.source !== LIFECYCLE_EVENTS.slaBreached.source) continue;
    if (e.event.detailType !== LIFECYCLE_EVENTS.slaBreached.detailType) continue;
    const d = e.event.detail as {
      department: string;
      sla: SlaKind;
      dueAt: string;
      breachedAt: string;
      escalatedTo?: string;
    };
    (breaches[d.department] ??= {})[d.sla] = d.breachedAt;
    timeline.push({
      kind: 'breach',
      at: d.breachedAt,
      department: d.department,
      sla: d.sla,
      dueAt: d.dueAt,
      ...(d.escalatedTo ? { escalatedTo: d.escalatedTo } : {}),
    });
  }
  // A breach and its event are written in one transaction; this only matters for a table whose
  // events were removed (an export, a restore), so the breach still shows.
  for (const a of assignments)
    for (const [sla, at] of Object.entries(a.breaches ?? {}) as [SlaKind, string][]) {
      if (breaches[a.department]?.[sla]) continue;
      (breaches[a.department] ??= {})[sla] = at;
      const dueAt = deadlines[a.department]?.[sla];
      timeline.push({ kind: 'breach', at, department: a.department, sla, ...(dueAt ? { dueAt } : {}) });
    }
  for (const item of items) {
    const what = /^AUDIT#.*#(EDITED|DELETED)$/.exec(sk(item))?.[1];
    if (!what || typeof item.at !== 'string') continue;
    timeline.push({
      kind: what === 'EDITED' ? 'edited' : 'deleted',
      at: item.at,
      ...(typeof item.deliveryId === 'string' ? { deliveryId: item.deliveryId } : {}),
    });
  }

  const caseId = stored.caseId ?? stored.decision?.case?.id;
  const report: HistoryReport = {
    engagement,
    ...(caseId ? { caseId } : {}),
    decision: {
      rules: routing.rules,
      reasons: stored.decision?.reasons ?? [],
      configVersion: routing.configVersion,
      at: decidedAt,
    },
    assignments: assignments.map((a) => {
      const slaDueAt = deadlines[a.department]?.firstResponse;
      return {
        department: a.department,
        state: a.state,
        version: a.version,
        ...(slaDueAt ? { slaDueAt } : {}),
        events: a.events.map(historyEvent),
      };
    }),
    replies: items
      .filter((i) => sk(i).startsWith('REPLY#'))
      .map((i) => historyReply(i.reply as Record<string, unknown>))
      .sort((a, b) => a.submittedAt.localeCompare(b.submittedAt)),
  };
  // A reply's life: drafted and checked, decided, published or failed ("Reply Queued" only hands it on).
  for (const e of events)
    if (e.event.detailType.startsWith('Reply ') && e.event.detailType !== 'Reply Queued')
      timeline.push({ kind: 'reply', at: e.at, detailType: e.event.detailType, detail: e.event.detail });
  return { report, timeline: sortTimeline(timeline), deadlines, breaches };
}

/** A stored reply as the report shows it (the text in full: it is the brand's own). */
function historyReply(r: Record<string, unknown>): HistoryReply {
  const attempt = r.attempt as { count?: number } | undefined;
  return {
    replyId: String(r.id),
    department: String(r.department),
    platform: String(r.platform),
    state: String(r.state),
    author: r.author as Actor,
    text: String(r.text ?? ''),
    submittedAt: String(r.submittedAt),
    at: String(r.at),
    approvals: (r.approvals as HistoryReply['approvals'] | undefined) ?? [],
    ...(typeof r.platformReplyId === 'string' ? { platformReplyId: r.platformReplyId } : {}),
    ...(typeof r.failure === 'string' ? { failure: r.failure } : {}),
    ...(attempt?.count !== undefined ? { attempts: attempt.count } : {}),
  };
}

/** The contract's keys of an assignment event, in the contract's order (`reason` is the timeline's). */
function historyEvent(e: AssignmentEvent): HistoryEvent {
  return {
    at: e.at,
    from: e.from,
    to: e.to,
    ...(e.reportId !== undefined ? { reportId: e.reportId } : {}),
    ...(e.actor ? { actor: e.actor } : {}),
    ...(e.note !== undefined ? { note: e.note } : {}),
    by: e.by,
    ...(e.late ? { late: e.late } : {}),
  };
}

/**
 * The handover that made an assignment: its priority is the one its "Engagement Routed"
 * delivery carried (an escalation's own), its note the one the handing department gave.
 */
function handover(
  target: Assignment,
  from: string,
  assignments: Assignment[],
  events: EventItem[],
  due: SlaDeadlines,
): TimelineEntry {
  const how = target.reroutedFrom !== undefined ? 'rerouted' : 'escalated';
  const delivery = events.find((e) => {
    if (e.event.source !== ENGAGEMENT_ROUTED.source || e.event.detailType !== ENGAGEMENT_ROUTED.detailType)
      return false;
    const r = (e.event.detail as Partial<Engagement>).routing;
    return r?.departments[0] === target.department && (r.reroutedFrom === from || r.escalatedFrom === from);
  });
  const priority = (delivery?.event.detail as Partial<Engagement> | undefined)?.routing?.priority;
  const note =
    how === 'rerouted'
      ? assignments.find((a) => a.department === from)?.events.findLast((e) => e.to === 'rerouted' && !e.late)?.note
      : undefined;
  return {
    kind: 'handover',
    at: target.routedAt,
    how,
    from,
    to: target.department,
    ...(priority ? { priority } : {}),
    ...(note !== undefined ? { note } : {}),
    due,
  };
}

/** Facts of one instant in the order they happen: the breach, the change it makes, the handover it causes. */
const RANK: Record<TimelineEntry['kind'], number> = {
  routed: 0,
  breach: 1,
  status: 2,
  handover: 3,
  edited: 4,
  deleted: 4,
  reply: 4,
};

function sortTimeline(entries: TimelineEntry[]): TimelineEntry[] {
  // Array.prototype.sort is stable: an assignment's own events stay in the order it recorded them.
  const when = (e: TimelineEntry) => Date.parse(e.kind === 'status' ? (e.recordedAfter ?? e.at) : e.at);
  // A late report comes after everything of the instant it was recorded after.
  const rank = (e: TimelineEntry) => (e.kind === 'status' && e.recordedAfter ? 5 : RANK[e.kind]);
  return entries.sort((a, b) => when(a) - when(b) || rank(a) - rank(b));
}

/** `keywords = refund`, `author.followers numeric 25000`, `thread absent`: one condition that held. */
function describeCondition(c: RuleReason['matched'][number]): string {
  if (c.absent) return `${c.field} absent`;
  const value = typeof c.value === 'string' && /^\S+$/.test(c.value) ? c.value : JSON.stringify(c.value);
  const operator = c.operator === 'exact' ? '=' : `${c.operator}${c.ignoreCase ? ' (any case)' : ''}`;
  return `${c.field} ${operator} ${value}`;
}

/** `first response due …, resolution due …`, or nothing for a department without an SLA. */
function describeDue(due: SlaDeadlines | undefined): string {
  const parts = [
    due?.firstResponse ? `first response due ${due.firstResponse}` : undefined,
    due?.resolution ? `resolution due ${due.resolution}` : undefined,
  ];
  return parts.filter(Boolean).join(', ');
}

const SLA_NAMES: Record<SlaKind, string> = { firstResponse: 'first response', resolution: 'resolution' };

function describeEntry(e: TimelineEntry): string {
  switch (e.kind) {
    case 'routed': {
      const why =
        e.rules.length === 0
          ? 'no rule matched: default department'
          : e.rules
              .map((rule) => {
                const matched = e.reasons.find((r) => r.rule === rule)?.matched ?? [];
                return `rule ${rule}${matched.length ? `: ${matched.map(describeCondition).join(', ')}` : ''}`;
              })
              .join('; ');
      // One department: its deadlines read on; several: each named.
      const due =
        e.departments.length === 1
          ? describeDue(e.due[e.departments[0]!])
          : e.departments
              .map((d) => (describeDue(e.due[d]) ? `${d} ${describeDue(e.due[d])}` : ''))
              .filter(Boolean)
              .join('; ');
      return `routed to ${e.departments.join(', ')} (${why}${e.trial ? '; platform on trial' : ''}), priority ${e.priority}${due ? `, ${due}` : ''}`;
    }
    case 'status': {
      const ev = e.event;
      const who =
        ev.by === 'switchboard'
          ? `by switchboard${ev.reason ? ` (${ev.reason})` : ''}`
          : ev.actor
            ? `by ${ev.actor.id}${ev.actor.name ? ` (${ev.actor.name})` : ''}`
            : 'by the department';
      const report = ev.reportId !== undefined ? `, report ${ev.reportId}` : '';
      const note = ev.note !== undefined ? `: ${JSON.stringify(ev.note)}` : '';
      const late = ev.late ? ' [late: arrived after a later change; recorded, changed nothing]' : '';
      return `${e.department}: ${ev.from} → ${ev.to} ${who}${report}${note}${late}`;
    }
    case 'handover': {
      const due = describeDue(e.due);
      return `${e.how} ${e.from} → ${e.to}${e.note !== undefined ? `: ${JSON.stringify(e.note)}` : ''}${e.priority ? `, priority ${e.priority}` : ''}${due ? `, ${due}` : ''}`;
    }
    case 'breach':
      return `SLA ${e.sla} breached at ${e.department}${e.dueAt ? ` (due ${e.dueAt})` : ''}${e.escalatedTo ? `, escalated to ${e.escalatedTo}` : ''}`;
    case 'edited':
    case 'deleted':
      return `${e.kind} on the platform${e.kind === 'deleted' ? ' (text removed)' : ''}${e.deliveryId ? `, delivery ${e.deliveryId}` : ''}`;
    case 'reply':
      return describeReply(e.detailType, e.detail);
  }
}

/** `reply r-1 by customer-care (agent-2): submitted, checks passed, waits for approval by legal`… */
function describeReply(detailType: string, d: Record<string, unknown>): string {
  const who = (p: unknown) => {
    const person = p as Actor | undefined;
    return person ? `${person.id}${person.name ? ` (${person.name})` : ''}` : 'someone';
  };
  const head = `reply ${String(d.replyId)} of ${String(d.department)}`;
  switch (detailType) {
    case 'Reply Submitted': {
      const checks = (d.checks as { rule: string; ok: boolean }[] | undefined) ?? [];
      const warned = checks.filter((c) => !c.ok).map((c) => c.rule);
      const waits = (d.approvals as { approvers: string }[] | undefined) ?? [];
      return `${head} drafted by ${who(d.author)}: ${checks.length} check(s) passed${warned.length ? ` (warnings: ${warned.join(', ')})` : ''}${
        waits.length ? `, waits for approval by ${[...new Set(waits.map((w) => w.approvers))].join(', ')}` : ', queued'
      }`;
    }
    case 'Reply Approved':
    case 'Reply Rejected':
      return `${head} ${detailType === 'Reply Approved' ? 'approved' : 'rejected'} by ${who(d.approver)} for ${String(d.approvingDepartment)}${
        d.note !== undefined ? `: ${JSON.stringify(d.note)}` : ''
      }`;
    case 'Reply Published':
      return `${head} published on ${String(d.platform)} as ${String(d.platformReplyId)}${Number(d.attempts) > 1 ? ` (attempt ${String(d.attempts)})` : ''}`;
    case 'Reply Failed':
      return `${head} failed${d.uncertain ? ' (may have been posted: check the platform)' : ''}: ${String(d.reason)}`;
    default:
      return `${head}: ${detailType}`;
  }
}

/**
 * The readable form of `switchboard history`: the engagement, then one line per fact, oldest
 * first (`<ISO time>  <what happened>`), then where each assignment stands with its deadlines.
 */
export function formatHistory(history: EngagementHistory): string {
  const { report, timeline, deadlines, breaches } = history;
  const e = report.engagement;
  const text = e.text.replace(/\s+/g, ' ');
  const author = e.author.handle ? `@${e.author.handle}` : e.author.id;
  const lines = [
    `engagement ${e.id}: ${e.platform} ${e.kind} by ${author}, received ${e.receivedAt}`,
    `  ${JSON.stringify(text.length > 200 ? `${text.slice(0, 199)}…` : text)}`,
    ...(report.caseId ? [`  case ${report.caseId}`] : []),
    `  config ${report.decision.configVersion}`,
    '',
    ...timeline.map((entry) => `${entry.at}  ${describeEntry(entry)}`),
    '',
    'assignments:',
    ...report.assignments.map((a) => {
      const sla = SLA_KINDS.flatMap((kind) => {
        const due = deadlines[a.department]?.[kind];
        if (!due) return [];
        const breached = breaches[a.department]?.[kind];
        // As the SLA timer judges it (sla-due.ts): a handover takes the deadlines with it.
        const outcome = breached
          ? `breached ${breached}`
          : isMet(a, kind)
            ? 'met'
            : a.state === 'rerouted'
              ? 'handed over'
              : 'open';
        return [`${SLA_NAMES[kind]} due ${due}: ${outcome}`];
      });
      return `  ${a.department}: ${a.state} (version ${a.version})${sla.map((d) => `; ${d}`).join('')}`;
    }),
  ];
  if (report.replies.length === 0) lines.push('replies: none');
  else {
    lines.push('replies:');
    for (const r of report.replies)
      lines.push(
        `  ${r.replyId} (${r.department}, ${r.platform}): ${r.state}${r.platformReplyId ? ` as ${r.platformReplyId}` : ''}${r.failure ? `: ${r.failure}` : ''} ${JSON.stringify(r.text.length > 120 ? `${r.text.slice(0, 119)}…` : r.text)}`,
      );
  }
  return lines.join('\n');
}
