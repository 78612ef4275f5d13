import type { CrisisPlaybook } from '../config/crisis.schema.js';
import { type Engagement, PRIORITIES, type Priority, type Routing } from '../engagement/engagement.schema.js';
import { compilePattern, type CompiledPattern } from '../patterns/index.js';

/** The rule id an engagement's `routing.rules` carries when the crisis playbook added the crisis team (the config refuses it as a rule's id). */
export { CRISIS_RULE } from '../config/crisis-rule.js';
import { CRISIS_RULE } from '../config/crisis-rule.js';

/** Crisis mode as routing needs it: on, under this id. */
export interface ActiveCrisis {
  crisisId: string;
}

/** What routing knows beyond the engagement: whether crisis mode is on. */
export interface RouteContext {
  crisis?: ActiveCrisis | undefined;
}

/** The playbook compiled once, to apply to many routings. */
export interface CompiledPlaybook {
  readonly playbook: CrisisPlaybook;
  /** The routing of an engagement routed while `crisis` is on (docs/design.md, "Spikes and crisis"). */
  apply(routing: Routing, engagement: Omit<Engagement, 'routing'>, crisis: ActiveCrisis): Routing;
  /** In words, one line per change it makes (the console's crisis page, `crisis start --dry-run`). */
  describe(): string[];
}

const rank = (p: Priority) => PRIORITIES.indexOf(p);

/**
 * Compiles the `crisis:` playbook. While crisis mode is on, every engagement routed carries the
 * crisis id (its SLAs are shortened by `slaFactor`), and one matching `when` also goes to the
 * crisis team, at `priority` if that is higher than the rules gave, with `crisis` among its rules.
 * The trial department keeps trial platforms' engagements to itself, crisis or not: a platform on
 * trial is not yet trusted to reach real departments.
 */
export function compilePlaybook(playbook: CrisisPlaybook): CompiledPlaybook {
  const when: CompiledPattern = compilePattern(playbook.when);
  return {
    playbook,
    apply(routing, engagement, crisis) {
      const next: Routing = { ...routing, crisis: crisis.crisisId };
      if (routing.trial || !when.matches(engagement)) return next;
      return {
        ...next,
        departments: routing.departments.includes(playbook.team)
          ? routing.departments
          : [...routing.departments, playbook.team],
        rules: [...routing.rules, CRISIS_RULE],
        priority: rank(playbook.priority) > rank(routing.priority) ? playbook.priority : routing.priority,
      };
    },
    describe() {
      return [
        `Engagements matching ${JSON.stringify(playbook.when)} also go to ${playbook.team}, at ${playbook.priority} priority.`,
        ...(playbook.approvalsRequired ? [`Every reply needs approval by ${playbook.team}.`] : []),
        ...(playbook.slaFactor !== 1
          ? [`SLA deadlines of engagements routed meanwhile are ${playbook.slaFactor} times as long.`]
          : []),
        playbook.autoEnd
          ? `It ends by itself after ${playbook.autoEnd} without a spike of its cause (a crisis started by hand ends only by hand).`
          : 'It ends only with `switchboard crisis end`.',
      ];
    },
  };
}
