import type { Engagement, Priority, Routing } from '../engagement/engagement.schema.js';
import { PRIORITIES } from '../engagement/engagement.schema.js';
import type { LoadedConfig } from '../config/load-config.js';
import { parseDurationMs } from '../config/duration.js';
import { PatternSet } from '../patterns/index.js';

/** The engagement as the router sees it: everything but the routing it is about to get. */
export type RoutableEngagement = Omit<Engagement, 'routing'>;

/** Routes enriched engagements by the config's rules; build once per config version. */
export interface Router {
  readonly configVersion: string;
  route(engagement: RoutableEngagement): Routing;
}

const RANK = new Map<Priority, number>(PRIORITIES.map((p, i) => [p, i]));

/**
 * Compiles the config's rules into one {@link PatternSet}, so each engagement is matched once
 * against all rules rather than rule by rule.
 *
 * Every matching rule adds its departments (in config order, without repeats) and the highest
 * priority among matching rules wins; with no match the engagement goes to the default
 * department at `normal` priority. The SLA due time is the earliest first-response deadline of
 * the departments it goes to, counted from `receivedAt`. Engagements of a platform on `trial`
 * go only to the trial department, with the rules that matched recorded all the same.
 */
export function createRouter({ config, configVersion }: LoadedConfig): Router {
  const rules = new PatternSet(config.rules.map((rule) => ({ key: rule, pattern: rule.when })));
  const slaMs = new Map(
    config.departments.flatMap((d) => {
      const ms = d.sla ? parseDurationMs(d.sla.firstResponse) : undefined;
      return ms === undefined ? [] : [[d.id, ms] as const];
    }),
  );

  return {
    configVersion,
    route(engagement) {
      const matched = rules.matching(engagement);
      const trial = config.platforms[engagement.platform]?.status === 'trial';
      const departments = trial ? [config.trialDepartment ?? config.defaultDepartment] : matched.length === 0 ? [config.defaultDepartment] : [...new Set(matched.flatMap((r) => r.routeTo))];
      const priority = matched.reduce<Priority>((best, r) => ((RANK.get(r.priority) ?? 0) > (RANK.get(best) ?? 0) ? r.priority : best), matched.length ? 'low' : 'normal');
      const deadlines = departments.flatMap((d) => slaMs.get(d) ?? []);
      const receivedAt = Date.parse(engagement.receivedAt);
      const routing: Routing = { departments, rules: matched.map((r) => r.id), priority, configVersion, ...(trial ? { trial: true as const } : {}) };
      if (deadlines.length > 0 && Number.isFinite(receivedAt)) routing.slaDueAt = new Date(receivedAt + Math.min(...deadlines)).toISOString();
      return routing;
    },
  };
}
