import type { ConditionMatch, PatternValue } from '../patterns/index.js';

/** The pattern operators a reason names (the EventBridge name of the condition that held). */
export type ConditionOperator =
  | 'exact'
  | 'prefix'
  | 'suffix'
  | 'anything-but'
  | 'numeric'
  | 'exists'
  | 'cidr'
  | 'equals-ignore-case'
  | 'wildcard';

/**
 * One satisfied condition: the engagement field (dotted path), the operator and the engagement's
 * value it held for. `exists: false` holds by absence: it carries `absent: true` and no value.
 * `ignoreCase` marks prefix/suffix conditions written with `equals-ignore-case`.
 */
export interface ConditionReason {
  field: string;
  operator: ConditionOperator;
  value?: string | number | boolean | null;
  absent?: true;
  ignoreCase?: true;
}

/** Why a rule matched: the conditions of the `$or` branch (if any) that held. */
export interface RuleReason {
  rule: string;
  matched: ConditionReason[];
}

const OPERATORS: Record<PatternValue['type'], ConditionOperator> = {
  exact: 'exact',
  literal: 'exact',
  'numeric-equals': 'numeric',
  range: 'numeric',
  cidr: 'cidr',
  prefix: 'prefix',
  suffix: 'suffix',
  'equals-ignore-case': 'equals-ignore-case',
  'prefix-ignore-case': 'prefix',
  'suffix-ignore-case': 'suffix',
  wildcard: 'wildcard',
  exists: 'exists',
  absent: 'exists',
  'anything-but-strings': 'anything-but',
  'anything-but-numbers': 'anything-but',
  'anything-but-prefix': 'anything-but',
  'anything-but-suffix': 'anything-but',
  'anything-but-ignore-case': 'anything-but',
  'anything-but-wildcard': 'anything-but',
};

/** A satisfied condition as the audit trail records it. */
export function conditionReason({ path, value, leaf }: ConditionMatch): ConditionReason {
  const reason: ConditionReason = { field: path, operator: OPERATORS[value.type] };
  if (leaf === null) reason.absent = true;
  else
    reason.value =
      leaf.kind === 'string'
        ? leaf.text
        : leaf.kind === 'number'
          ? leaf.num
          : leaf.kind === 'null'
            ? null
            : leaf.kind === 'true';
  if (value.type === 'prefix-ignore-case' || value.type === 'suffix-ignore-case') reason.ignoreCase = true;
  return reason;
}
