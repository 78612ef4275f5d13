import type { Rule, RuleExample } from '../config/config.schema.js';
import type { LoadedConfig } from '../config/load-config.js';
import { buildEngagement } from '../lifecycle/build-engagement.js';
import type { Engagement, Priority } from '../engagement/engagement.schema.js';
import { createRouter, type Router } from '../routing/router.js';
import { fillDraft } from '../simulate/simulate.js';

/** What an example claims: the rule matches it and it reaches the rule's departments, or the rule does not match it. */
export type ExampleExpectation = 'routes' | 'doesNotRoute';

/** The routing an example (or any engagement) got: departments, matched rules, priority. */
export interface RoutingOutcome {
  departments: string[];
  rules: string[];
  priority: Priority;
  /** Set when the platform is on trial (departments are then the trial department only). */
  trial?: true;
}

/** The verdict on one example of one rule. */
export interface ExampleResult {
  rule: string;
  expected: ExampleExpectation;
  /** The example as written in the config. */
  example: RuleExample;
  /** Its text, for display. */
  text: string;
  actual: RoutingOutcome;
  pass: boolean;
  /** Why it passed or failed, in words (e.g. `did not match; went to communications (no rule matched)`). */
  why: string;
}

/** Turns an example into the `{platform, text, …}` input `simulate` takes; a bare text is a `generic` post. */
export function exampleInput(example: RuleExample): Record<string, unknown> {
  return typeof example === 'string' ? { platform: 'generic', text: example } : { ...example };
}

/**
 * Builds the engagement an input stands for, with the same draft filling as `switchboard
 * simulate` and the same enrichment and routing as the process function.
 */
export function routeInput(input: unknown, router: Router, receivedAt: string): Engagement {
  return buildEngagement(fillDraft(input, receivedAt), receivedAt, router);
}

/** The departments, rules and priority of a routed engagement. */
export function outcomeOf(engagement: Engagement): RoutingOutcome {
  const { departments, rules, priority, trial } = engagement.routing;
  return { departments, rules, priority, ...(trial ? { trial } : {}) };
}

/**
 * Runs every rule's `examples` through routing with the config they belong to. A `routes`
 * example passes when the rule matches it and it goes to every one of the rule's `routeTo`
 * departments (another rule may add more); a `doesNotRoute` example passes when the rule does
 * not match it, whatever other rules do. Results follow config order: rule by rule, `routes`
 * before `doesNotRoute`. Pure: no I/O, no clock unless `now` is left out.
 */
export function testRuleExamples(loaded: LoadedConfig, now = new Date()): ExampleResult[] {
  const router = createRouter(loaded);
  const receivedAt = now.toISOString();
  return loaded.config.rules.flatMap((rule) => {
    const cases: [ExampleExpectation, RuleExample][] = [
      ...(rule.examples?.routes ?? []).map((e): [ExampleExpectation, RuleExample] => ['routes', e]),
      ...(rule.examples?.doesNotRoute ?? []).map((e): [ExampleExpectation, RuleExample] => ['doesNotRoute', e]),
    ];
    return cases.map(([expected, example]) => {
      const engagement = routeInput(exampleInput(example), router, receivedAt);
      const actual = outcomeOf(engagement);
      const { pass, why } = judge(rule, expected, engagement, loaded);
      return { rule: rule.id, expected, example, text: engagement.text, actual, pass, why };
    });
  });
}

function judge(
  rule: Rule,
  expected: ExampleExpectation,
  engagement: Engagement,
  loaded: LoadedConfig,
): { pass: boolean; why: string } {
  const { routing } = engagement;
  const matched = routing.rules.includes(rule.id);
  const wentTo = `went to ${routing.departments.join(', ')} (${routing.priority}; ${routing.rules.length ? `rules ${routing.rules.join(', ')}` : 'no rule matched'})`;
  if (expected === 'doesNotRoute') {
    if (!matched) return { pass: true, why: `does not match; ${wentTo}` };
    return { pass: false, why: `matches, but should not${matchedOn(rule, engagement)}; ${wentTo}` };
  }
  if (!matched)
    return {
      pass: false,
      why: `does not match, but should; ${wentTo}; keywords seen: ${engagement.keywords.filter((k) => !k.includes(' ')).join(' ') || '(none)'}`,
    };
  const missing = rule.routeTo.filter((d) => !routing.departments.includes(d));
  if (missing.length > 0) {
    const trial = routing.trial ? ` (platform ${engagement.platform} is on trial in ${loaded.path})` : '';
    return { pass: false, why: `matches, but does not reach ${missing.join(', ')}${trial}; ${wentTo}` };
  }
  return { pass: true, why: `matches${matchedOn(rule, engagement)}; ${wentTo}` };
}

/** ` on "refund", "never arrived"` when keywords of the rule's pattern are among the engagement's. */
function matchedOn(rule: Rule, engagement: Engagement): string {
  const words = new Set<string>();
  const collect = (v: unknown): void => {
    if (typeof v === 'string') words.add(v.toLowerCase());
    else if (Array.isArray(v)) v.forEach(collect);
    else if (v && typeof v === 'object') Object.values(v).forEach(collect);
  };
  collect(rule.when);
  const hits = engagement.keywords.filter((k) => words.has(k));
  return hits.length ? ` on ${hits.map((k) => JSON.stringify(k)).join(', ')}` : '';
}
