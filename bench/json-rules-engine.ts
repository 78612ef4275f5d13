import { Engine, type RuleProperties, type TopLevelCondition } from 'json-rules-engine';
import type { RoutableEngagement } from '../lambdas/core/routing/router.js';
import type { RuleSpec } from './rule-sets.js';

/**
 * The benchmark's rule sets run through json-rules-engine, the common alternative: one engine
 * rule per {@link RuleSpec}, over facts taken from the enriched engagement (`keywords contains`,
 * `handle equal`, `platform equal x` AND `keywords contains`, `accountId equal`), as in the
 * routing baseline of the toolchain notes.
 */

/** What json-rules-engine routing answers: the matching rules and the departments they add. */
export interface JreRouting {
  readonly rules: string[];
  readonly departments: string[];
}

export interface JreRouter {
  route(engagement: RoutableEngagement): Promise<JreRouting>;
}

function conditions(spec: RuleSpec): TopLevelCondition {
  switch (spec.kind) {
    case 'keyword':
      return { all: [{ fact: 'keywords', operator: 'contains', value: spec.keyword }] };
    case 'handle':
      return { all: [{ fact: 'handle', operator: 'equal', value: spec.handle }] };
    case 'platform+keyword':
      return {
        all: [
          { fact: 'platform', operator: 'equal', value: spec.platform },
          { fact: 'keywords', operator: 'contains', value: spec.keyword },
        ],
      };
    case 'account':
      return { all: [{ fact: 'accountId', operator: 'equal', value: spec.accountId }] };
  }
}

/** The facts json-rules-engine sees: flattened from the enriched engagement, per event. */
export function factsOf(engagement: RoutableEngagement): Record<string, unknown> {
  return {
    platform: engagement.platform,
    keywords: engagement.keywords,
    handle: engagement.author.handle,
    accountId: engagement.account?.id ?? null,
  };
}

export function createJreRouter(specs: readonly RuleSpec[]): JreRouter {
  const engine = new Engine([], { allowUndefinedFacts: true });
  for (const spec of specs) {
    const rule: RuleProperties = {
      name: spec.id,
      conditions: conditions(spec),
      event: { type: 'route', params: { rule: spec.id, routeTo: spec.routeTo } },
    };
    engine.addRule(rule);
  }
  return {
    async route(engagement) {
      const { events } = await engine.run(factsOf(engagement));
      const rules = events.map((e) => String(e.params?.rule));
      return { rules, departments: [...new Set(events.map((e) => String(e.params?.routeTo)))] };
    },
  };
}
