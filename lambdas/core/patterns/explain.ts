import {
  consistent,
  flattenEvent,
  mergeMembership,
  type FlatEvent,
  type Leaf,
  type Membership,
} from './flatten-event.js';
import type { CompiledKey, CompiledSubRule } from './evaluate.js';
import type { PatternValue } from './pattern-values.js';
import { compileValueTest, type LeafTest } from './value-tests.js';

/**
 * One satisfied condition of a matching sub-rule: the field, the pattern value that held and
 * the event leaf it held for (null for `exists: false`, which holds by the field's absence).
 */
export interface ConditionMatch {
  readonly path: string;
  readonly value: PatternValue;
  readonly leaf: Leaf | null;
}

/** Why a pattern matched: the `$or` combination (sub-rule) that matched and its conditions. */
export interface PatternExplanation {
  /** Index of the matching sub-rule (one `$or` combination) in the compiled pattern. */
  readonly branch: number;
  readonly conditions: readonly ConditionMatch[];
}

const NO_LEAVES: readonly Leaf[] = [];
const NO_MEMBERSHIP: Membership = [];

/** Per-value tests of a key, built on first explanation (matching never needs them). */
const valueTests = new WeakMap<CompiledKey, readonly { value: PatternValue; test: LeafTest }[]>();

function testsOf(key: CompiledKey): readonly { value: PatternValue; test: LeafTest }[] {
  let tests = valueTests.get(key);
  if (!tests) {
    tests = key.values
      .filter((v) => v.type !== 'absent')
      .map((value) => ({ value, test: compileValueTest(value, key.mode) }));
    valueTests.set(key, tests);
  }
  return tests;
}

/**
 * Explains a match: the first sub-rule of the pattern that matches the event, with the value
 * and leaf that satisfied each of its keys, found by the same array-consistent search as
 * `subRuleMatches` (so it answers exactly when `matches` does). Null when nothing matches.
 * Meant for patterns already known to match: it is slower than matching and not indexed.
 */
export function explainMatch(
  pattern: { readonly subRules: readonly CompiledSubRule[] },
  event: unknown,
): PatternExplanation | null {
  const flat = flattenEvent(event);
  if (flat === null) return null;
  for (let branch = 0; branch < pattern.subRules.length; branch++) {
    const conditions = explainSubRule(pattern.subRules[branch]!, flat);
    if (conditions) return { branch, conditions };
  }
  return null;
}

/** The conditions that satisfied a sub-rule, or null when it does not match the event. */
export function explainSubRule(rule: CompiledSubRule, event: FlatEvent): ConditionMatch[] | null {
  const picked: ConditionMatch[] = [];
  return explainFrom(rule.keys, event, 0, NO_MEMBERSHIP, picked, new Set()) ? picked : null;
}

function explainFrom(
  keys: readonly CompiledKey[],
  event: FlatEvent,
  i: number,
  membership: Membership,
  picked: ConditionMatch[],
  failed: Set<string>,
): boolean {
  if (i === keys.length) return true;
  const key = keys[i]!;
  const leaves = event.get(key.path) ?? NO_LEAVES;
  if (key.absent && !leaves.some((leaf) => consistent(membership, leaf.membership))) {
    const absent = key.values.find((v) => v.type === 'absent')!;
    picked.push({ path: key.path, value: absent, leaf: null });
    if (explainFrom(keys, event, i + 1, membership, picked, failed)) return true;
    picked.pop();
  }
  if (key.test === null) return false;
  for (const leaf of leaves) {
    if (!key.test(leaf)) continue;
    const merged = mergeMembership(membership, leaf.membership);
    if (merged === null) continue;
    const state = merged.length === 0 ? String(i) : `${i}|${merged.join(',')}`;
    if (failed.has(state)) continue;
    const value = testsOf(key).find((t) => t.test(leaf))?.value ?? key.values[0]!;
    picked.push({ path: key.path, value, leaf });
    if (explainFrom(keys, event, i + 1, merged, picked, failed)) return true;
    picked.pop();
    failed.add(state);
  }
  return false;
}
