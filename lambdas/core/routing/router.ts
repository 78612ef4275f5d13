import type { Engagement, Priority, Routing } from '../engagement/engagement.schema.js';
import { PRIORITIES } from '../engagement/engagement.schema.js';
import type { BusinessHours } from '../config/business-hours.js';
import type { LoadedConfig } from '../config/load-config.js';
import { parseDurationMs } from '../config/duration.js';
import { compilePattern, explainMatch, PatternSet } from '../patterns/index.js';
import { addBusinessTime } from './business-time.js';
import { conditionReason, type RuleReason } from './reasons.js';
import { compilePlaybook, type RouteContext } from './crisis-playbook.js';

export type { ConditionOperator, ConditionReason, RuleReason } from './reasons.js';

/** The engagement as the router sees it: everything but the routing it is about to get. */
export type RoutableEngagement = Omit<Engagement, 'routing'>;

/** A routing decision with why each of its rules matched (for the audit trail, not published). */
export interface ExplainedRouting {
  routing: Routing;
  reasons: RuleReason[];
}

/** Routes enriched engagements by the config's rules; build once per config version. */
export interface Router {
  readonly configVersion: string;
  /** From `enrichment.redactStoredText`: engagements carry their text with PII replaced. */
  readonly redactStoredText?: boolean;
  /** Routes; with crisis mode on (`context.crisis`), the config's crisis playbook applies. */
  route(engagement: RoutableEngagement, context?: RouteContext): Routing;
  /** Why rules matched (see {@link ExplainingRouter.explain}); routers that cannot tell leave it out. */
  explain?(engagement: RoutableEngagement, ruleIds?: readonly string[]): RuleReason[];
}

/** The router {@link createRouter} builds: it can also say why each rule matched. */
export interface ExplainingRouter extends Router {
  /** {@link Router.route} plus the reasons of every matched rule. */
  routeWithReasons(engagement: RoutableEngagement, context?: RouteContext): ExplainedRouting;
  /**
   * Why the given rules (by default: the ones that match) matched the engagement: for each,
   * the fields, operators and values of the conditions that held (for `$or`, of the branch
   * that matched). Only those rules are evaluated again; a rule that does not match, or an
   * unknown id, is left out.
   */
  explain(engagement: RoutableEngagement, ruleIds?: readonly string[]): RuleReason[];
}

const RANK = new Map<Priority, number>(PRIORITIES.map((p, i) => [p, i]));

interface Sla {
  ms: number;
  businessHours?: BusinessHours;
}

/**
 * Compiles the config's rules into one {@link PatternSet}, so each engagement is matched once
 * against all rules rather than rule by rule.
 *
 * Every matching rule adds its departments (in config order, without repeats) and the highest
 * priority among matching rules wins (so `urgent` overrides everything, whatever the rule
 * order); with no match the engagement goes to the default department at `normal` priority.
 * The SLA due time is the earliest first-response deadline of the departments it goes to,
 * counted from `receivedAt` in wall-clock time, or in business time for a department with
 * `sla.businessHours`. Engagements of a platform on `trial` go only to the trial department,
 * with the rules that matched recorded all the same.
 */
export function createRouter({ config, configVersion }: LoadedConfig): ExplainingRouter {
  const rules = new PatternSet(config.rules.map((rule) => ({ key: rule, pattern: rule.when })));
  const slas = new Map(
    config.departments.flatMap((d) => {
      const ms = d.sla ? parseDurationMs(d.sla.firstResponse) : undefined;
      if (ms === undefined) return [];
      const sla: Sla = d.sla?.businessHours ? { ms, businessHours: d.sla.businessHours } : { ms };
      return [[d.id, sla] as const];
    }),
  );
  // Compiled again, one per rule, for explaining; matching goes through the PatternSet only.
  const compiled = new Map<string, ReturnType<typeof compilePattern>>();
  const compiledRule = (id: string): ReturnType<typeof compilePattern> | undefined => {
    let pattern = compiled.get(id);
    if (!pattern) {
      const rule = config.rules.find((r) => r.id === id);
      if (!rule) return undefined;
      pattern = compilePattern(rule.when);
      compiled.set(id, pattern);
    }
    return pattern;
  };

  const playbook = config.crisis ? compilePlaybook(config.crisis) : undefined;

  function route(engagement: RoutableEngagement, context: RouteContext = {}): Routing {
    const matched = rules.matching(engagement);
    const trial = config.platforms[engagement.platform]?.status === 'trial';
    const departments = trial
      ? [config.trialDepartment ?? config.defaultDepartment]
      : matched.length === 0
        ? [config.defaultDepartment]
        : [...new Set(matched.flatMap((r) => r.routeTo))];
    const priority = matched.reduce<Priority>(
      (best, r) => ((RANK.get(r.priority) ?? 0) > (RANK.get(best) ?? 0) ? r.priority : best),
      matched.length ? 'low' : 'normal',
    );
    const receivedAt = Date.parse(engagement.receivedAt);
    let routing: Routing = {
      departments,
      rules: matched.map((r) => r.id),
      priority,
      configVersion,
      ...(trial ? { trial: true as const } : {}),
    };
    const crisis = context.crisis;
    if (crisis)
      routing = playbook ? playbook.apply(routing, engagement, crisis) : { ...routing, crisis: crisis.crisisId };
    const factor = crisis ? (config.crisis?.slaFactor ?? 1) : 1;
    if (Number.isFinite(receivedAt)) {
      const deadlines = routing.departments.flatMap((d) => {
        const sla = slas.get(d);
        if (!sla) return [];
        const ms = sla.ms * factor;
        return sla.businessHours ? addBusinessTime(receivedAt, ms, sla.businessHours) : receivedAt + ms;
      });
      if (deadlines.length > 0) routing.slaDueAt = new Date(Math.min(...deadlines)).toISOString();
    }
    return routing;
  }

  function explain(engagement: RoutableEngagement, ruleIds?: readonly string[]): RuleReason[] {
    const ids = ruleIds ?? rules.matching(engagement).map((r) => r.id);
    return ids.flatMap((rule) => {
      const pattern = compiledRule(rule);
      const why = pattern ? explainMatch(pattern, engagement) : null;
      return why ? [{ rule, matched: why.conditions.map(conditionReason) }] : [];
    });
  }

  return {
    configVersion,
    redactStoredText: config.enrichment.redactStoredText,
    route,
    explain,
    routeWithReasons(engagement, context) {
      const routing = route(engagement, context);
      return { routing, reasons: explain(engagement, routing.rules) };
    },
  };
}
