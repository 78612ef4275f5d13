import type { Rule } from '../config/config.schema.js';
import type { LoadedConfig } from '../config/load-config.js';
import { ENGAGEMENT_ROUTED } from '../engagement/engagement-routed.js';
import { type Engagement, PRIORITIES, type Priority, type Routing } from '../engagement/engagement.schema.js';
import { PatternSet } from '../patterns/index.js';
import type { OutboxEvent } from './ports/lifecycle-store.js';

/**
 * `switchboard replay`, the pure part: a department's rules run over stored engagements, and
 * the "Engagement Routed" delivery each match gets, as an outbox event. Reading the table and
 * writing the events is the caller's job; the event's key is the same however often the same
 * engagement is replayed to the same department, so the table's condition on it (put once) is
 * what makes a replay deliver each engagement once.
 */

/** A half-open window of `receivedAt`: from `since` (included) to `until` (excluded), ISO 8601 UTC. */
export interface ReplayWindow {
  since: string;
  until: string;
}

/** A `--since`/`--until` that is not a date or time, or a window that holds nothing. */
export class ReplayWindowError extends Error {}

/** The key of a replay's outbox event (`EVENT#replay#<department>`): one per engagement and department. */
export const replayEventKey = (department: string): string => `replay#${department}`;

/** The rules that route to the department, in config order. */
export function departmentRules(rules: readonly Rule[], department: string): Rule[] {
  return rules.filter((r) => r.routeTo.includes(department));
}

const RANK = new Map<Priority, number>(PRIORITIES.map((p, i) => [p, i]));

/** The highest priority among the rules (as the router ranks them); `normal` for none. */
export function highestPriority(rules: readonly Pick<Rule, 'priority'>[]): Priority {
  if (rules.length === 0) return 'normal';
  return rules.reduce<Priority>(
    (best, r) => ((RANK.get(r.priority) ?? 0) > (RANK.get(best) ?? 0) ? r.priority : best),
    'low',
  );
}

/**
 * The routing of a replayed delivery: the one department, the department's rules that matched,
 * their highest priority and the config that matched them, marked `replayed` (so no SLA timer
 * starts: the engagement was handled when it arrived). What belonged to the first delivery
 * only (its deadline, trial, where a handover came from) is dropped; any other field is kept.
 */
export function replayedRouting(
  routing: Routing,
  department: string,
  matched: readonly Pick<Rule, 'id' | 'priority'>[],
  configVersion: string,
): Routing {
  const {
    slaDueAt: _slaDueAt,
    reroutedFrom: _reroutedFrom,
    escalatedFrom: _escalatedFrom,
    trial: _trial,
    ...kept
  } = routing;
  return {
    ...kept,
    departments: [department],
    rules: matched.map((r) => r.id),
    priority: highestPriority(matched),
    configVersion,
    replayed: true,
  };
}

/** Runs one department's rules over stored engagements; build once per run. */
export interface Replayer {
  readonly department: string;
  readonly configVersion: string;
  /** The department's rules (see {@link departmentRules}); none means nothing can match. */
  readonly rules: readonly Rule[];
  /** The department's rules the engagement matches (none: it is not replayed). */
  matching(engagement: Engagement): Rule[];
  /**
   * The outbox event that delivers the engagement to the department, or undefined when none of
   * its rules matches or the engagement was routed to the department in the first place.
   */
  replay(engagement: Engagement, at: string): OutboxEvent | undefined;
}

/**
 * A {@link Replayer} for the department, matching with the config's own pattern engine as the
 * router does: against the engagement without its routing, since the rules were written for
 * engagements that have none yet. An engagement whose routing already named the department is
 * not replayed: the department has it (the bus's archive is for deliveries that were lost).
 */
export function createReplayer({ config, configVersion }: LoadedConfig, department: string): Replayer {
  const rules = departmentRules(config.rules, department);
  const set = new PatternSet(rules.map((rule) => ({ key: rule, pattern: rule.when })));
  const matching = (engagement: Engagement): Rule[] => {
    const { routing: _routing, ...routable } = engagement;
    return set.matching(routable);
  };
  return {
    department,
    configVersion,
    rules,
    matching,
    replay(engagement, at) {
      if (engagement.routing.departments.includes(department)) return undefined;
      const matched = matching(engagement);
      if (matched.length === 0) return undefined;
      return {
        engagementId: engagement.id,
        key: replayEventKey(department),
        at,
        source: ENGAGEMENT_ROUTED.source,
        detailType: ENGAGEMENT_ROUTED.detailType,
        detail: { ...engagement, routing: replayedRouting(engagement.routing, department, matched, configVersion) },
      };
    },
  };
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?$/i;

/**
 * An ISO 8601 date (midnight UTC) or date and time (UTC unless it names an offset) as ISO 8601
 * UTC with milliseconds, the form Switchboard stores `receivedAt` in; undefined when it is
 * neither, or names a day or time that does not exist (2026-02-30, 24:00).
 */
export function parseInstant(text: string): string | undefined {
  const date = DATE.exec(text);
  const dateTime = date ? undefined : DATE_TIME.exec(text);
  const parts = date ?? dateTime;
  if (!parts) return undefined;
  const [year, month, day] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  // Date.parse rolls 2026-02-30 over to March: check the day exists before trusting it.
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return undefined;
  if (dateTime && (Number(dateTime[4]) > 23 || Number(dateTime[5]) > 59 || Number(dateTime[6] ?? 0) > 59))
    return undefined;
  // Without an offset a date-time is read as UTC, as a date is, not in this machine's zone.
  const ms = Date.parse(date ? `${text}T00:00:00Z` : dateTime?.[7] ? text : `${text}Z`);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/**
 * The window of `--since` and `--until` (default: now). Throws {@link ReplayWindowError} for a
 * bound that is not a date or time, or a window that ends before it starts.
 */
export function replayWindow(since: string, until: string | undefined, now: Date): ReplayWindow {
  const from = parseInstant(since);
  if (!from) throw new ReplayWindowError(`--since "${since}" is not an ISO 8601 date or time`);
  const to = until === undefined ? now.toISOString() : parseInstant(until);
  if (!to) throw new ReplayWindowError(`--until "${until}" is not an ISO 8601 date or time`);
  if (to <= from)
    throw new ReplayWindowError(
      `the window is empty: --until (${to}) must be after --since (${from})${until === undefined ? ', which is in the future' : ''}`,
    );
  return { since: from, until: to };
}

/** Whether `receivedAt` falls in the window (by instant, whatever offset it is written with). */
export function inWindow(receivedAt: string, { since, until }: ReplayWindow): boolean {
  const at = Date.parse(receivedAt);
  return at >= Date.parse(since) && at < Date.parse(until);
}
