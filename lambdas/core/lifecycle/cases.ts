import { type Assignment, type AssignmentState, setBySwitchboard } from '../assignments/assignment.js';
import type { SwitchboardConfig } from '../config/config.schema.js';
import type { Engagement } from '../engagement/engagement.schema.js';
import { slaDeadlines } from '../routing/sla.js';
import { statusChanged } from './lifecycle-events.js';
import type { CaseRecord, CaseStore, CaseWrite } from './ports/case-store.js';
import { parseDurationMs } from '../config/duration.js';
import type { CaseAudit, RoutingAuditRecord } from './ports/engagement-store.js';

/**
 * Cases (docs/design.md, "Lifecycle"): the engagements one customer writes in one conversation.
 * A follow-up goes to the departments that hold the case, not where rules alone would send it:
 * - **sticky**: while a department's assignment is open, a new engagement of the case goes to
 *   the open holders only (not also to the default department);
 * - **reopened**: once every holder is done (`resolved` or `dismissed`), a new engagement sets
 *   their assignments `reopened` and gives the same departments a new assignment for it;
 * - a matching rule with `sticky: false` adds its departments all the same (a legal threat in a
 *   care conversation reaches legal), and the audit names the rules that did.
 * A case is keyed by the conversation and the customer (`<platform>:<conversation>#<author id>`):
 * on a public post, each commenter has their own case. The conversation is
 * `thread.conversationId`, else the case of the stored engagement it replies to (same customer),
 * else its parent's id. A conversation holds follow-ups for `cases.window` (default 30 days) after
 * its latest engagement; past that, a follow-up is routed afresh and the case starts again.
 */

/** A placed engagement: its routing as the case decided, the audit, and what else to write. */
export interface Placement {
  engagement: Engagement;
  audit: CaseAudit;
  write: CaseWrite;
}

const DONE: ReadonlySet<AssignmentState> = new Set(['resolved', 'dismissed']);
/** How many engagement ids a case item lists (the latest); the rest are found by their caseId. */
const KEPT_ENGAGEMENTS = 100;

/** A stored engagement a reply names as its parent, as placing the reply needs it. */
type Parent = NonNullable<Awaited<ReturnType<CaseStore['readParent']>>>;

/**
 * The case an engagement belongs to (undefined outside any conversation), and the parent it
 * replies to when that was read to find it (so placing the reply reads it once).
 */
export async function caseIdOf(
  engagement: Engagement,
  store: CaseStore,
): Promise<{ caseId: string; parent?: Parent } | undefined> {
  const { thread, platform, author } = engagement;
  if (thread?.conversationId) return { caseId: `${platform}:${thread.conversationId}#${author.id}` };
  if (!thread?.parentId) return undefined;
  const parent = await store.readParent(`${platform}:${thread.parentId}`);
  const caseId =
    parent?.caseId && parent.authorId === author.id ? parent.caseId : `${platform}:${thread.parentId}#${author.id}`;
  return { caseId, ...(parent ? { parent } : {}) };
}

/**
 * Places a routed engagement in its case. `routing` is the rules' decision; the case may change
 * its departments (sticky, reopened), and with them its SLA due time. Undefined when the
 * engagement belongs to no conversation (or its platform is on trial): it is stored as routed.
 */
export async function placeInCase(
  engagement: Engagement,
  deps: { store: CaseStore; config: SwitchboardConfig; now(): Date },
): Promise<Placement | undefined> {
  if (engagement.routing.trial) return undefined;
  const found = await caseIdOf(engagement, deps.store);
  if (!found) return undefined;
  const { caseId } = found;
  const record = await deps.store.readCase(caseId);
  // A reply to a stored engagement of the same customer, before any case was written: that
  // engagement is the case's first.
  const parentId = engagement.thread?.parentId ? `${engagement.platform}:${engagement.thread.parentId}` : undefined;
  const parent = !record && caseId === `${parentId}#${engagement.author.id}` ? found.parent : undefined;
  const previous = record
    ? { id: record.latest, at: record.latestAt }
    : parent?.authorId === engagement.author.id && parentId
      ? { id: parentId, at: parent.receivedAt }
      : undefined;
  // Past the window the conversation is a new matter: routed as the rules say, and the case starts again.
  const windowMs = parseDurationMs(deps.config.cases.window) ?? Number.POSITIVE_INFINITY;
  const current = previous && Date.parse(engagement.receivedAt) - Date.parse(previous.at) <= windowMs;
  const latest = current ? previous.id : undefined;
  const holders = latest ? (await deps.store.assignmentsOf(latest)).filter((a) => a.state !== 'rerouted') : [];
  const at = deps.now().toISOString();
  const next: CaseRecord = {
    caseId,
    latest: engagement.id,
    latestAt: engagement.receivedAt,
    engagements: [...(current ? (record?.engagements ?? [previous.id]) : []), engagement.id].slice(-KEPT_ENGAGEMENTS),
    version: (record?.version ?? 0) + 1,
  };
  const base = { record: next, expectedVersion: record?.version ?? 0, reopened: [], events: [], unchanged: [] };
  if (holders.length === 0) return { engagement, audit: { id: caseId, mode: 'opened', holders: [] }, write: base };

  const open = holders.filter((a) => !DONE.has(a.state));
  const reopening = open.length === 0;
  const holding = reopening ? holders : open;
  const overriding = engagement.routing.rules.filter(
    (id) => deps.config.rules.find((r) => r.id === id)?.sticky === false,
  );
  const extra = overriding.flatMap((id) => deps.config.rules.find((r) => r.id === id)?.routeTo ?? []);
  const departments = [...new Set([...holding.map((a) => a.department), ...extra])];
  const reopened = reopening ? holders.flatMap((a) => reopen(a, at, engagement.id)) : [];
  // The priority stays the rules' (normal when none matched): a follow-up is as urgent as it reads.
  const routing = { ...engagement.routing, departments };
  const due = departments
    .map((d) => deps.config.departments.find((x) => x.id === d))
    .flatMap((d) => (d ? [slaDeadlines(d, Date.parse(engagement.receivedAt)).firstResponse] : []))
    .filter((t): t is string => t !== undefined)
    .sort();
  const { slaDueAt: _rulesDue, ...rest } = routing;
  return {
    engagement: { ...engagement, routing: due[0] ? { ...rest, slaDueAt: due[0] } : rest },
    audit: {
      id: caseId,
      mode: reopening ? 'reopened' : 'sticky',
      holders: holding.map((a) => a.department),
      ...(overriding.length > 0 ? { overriddenBy: overriding } : {}),
    },
    write: {
      ...base,
      reopened: reopened.map((r) => r.write),
      events: reopened.map((r) => r.event),
      unchanged: holders
        .filter((h) => !reopened.some((r) => r.write.next.department === h.department))
        .map((h) => ({ engagementId: h.engagementId, department: h.department, revision: h.revision })),
    },
  };
}

function reopen(assignment: Assignment, at: string, followUp: string) {
  const outcome = setBySwitchboard(assignment, 'reopened', at, `follow-up:${followUp}`);
  if (!outcome?.next || !outcome.change) return [];
  return [
    {
      write: { next: outcome.next, expectedRevision: assignment.revision },
      event: statusChanged(outcome.next, outcome.change, outcome.next.version),
    },
  ];
}

/** Adds the case to a routing decision's audit record. */
export const withCase = (decision: RoutingAuditRecord, audit: CaseAudit): RoutingAuditRecord => ({
  ...decision,
  case: audit,
});
