import { consistent, mergeMembership, type FlatEvent, type Leaf, type Membership } from './flatten-event.js';
import type { ReadMode } from './machine-sim.js';
import type { PatternValue } from './pattern-values.js';
import { compileValueTest, type LeafTest } from './value-tests.js';

/** One field condition of a sub-rule: OR of its values, plus "absent" when exists:false is listed. */
export interface CompiledKey {
  readonly path: string;
  readonly values: readonly PatternValue[];
  readonly absent: boolean;
  readonly mode: ReadMode;
  /** Null when the key only has exists:false. */
  readonly test: LeafTest | null;
}

/** A sub-rule (one `$or` combination): AND of its keys, in Ruler's (sorted) key order. */
export interface CompiledSubRule {
  readonly keys: readonly CompiledKey[];
}

const NO_LEAVES: readonly Leaf[] = [];
const NO_MEMBERSHIP: Membership = [];

/** Compiles the values listed for one path into a single leaf test. */
export function compileKey(path: string, values: readonly PatternValue[], mode: ReadMode): CompiledKey {
  const present = values.filter((v) => v.type !== 'absent');
  const key: { -readonly [P in keyof CompiledKey]: CompiledKey[P] } = {
    path,
    values,
    absent: present.length !== values.length,
    mode,
    test: null,
  };
  if (present.length > 0) {
    // The value tests are built on the key's first test: a cold start files every rule of the
    // config, most of which are never a candidate for most events, and building every test up
    // front was a sixth of building a 10,000-rule router. The first call puts the built test in
    // its place, so matching reads a plain function from then on.
    key.test = (leaf) => {
      const tests = present.map((v) => compileValueTest(v, mode));
      const built: LeafTest = tests.length === 1 ? tests[0]! : (l) => tests.some((t) => t(l));
      key.test = built;
      return built(leaf);
    };
  }
  return key;
}

/**
 * Array-consistent evaluation (Ruler's `rulesForJSONEvent`): pick, key by key in sorted order,
 * a leaf satisfying the key such that all picked leaves agree on the element of every array
 * they share. `exists:false` holds when no leaf of that path agrees with the elements pinned by
 * the keys before it (keys after it do not constrain it, exactly as in Ruler's automaton).
 */
export function subRuleMatches(rule: CompiledSubRule, event: FlatEvent): boolean {
  const keys = rule.keys;
  if (keys.length === 1) {
    // the common routing rule: one field, no other leaf to stay consistent with
    const key = keys[0]!;
    const leaves = event.get(key.path) ?? NO_LEAVES;
    if (key.absent && leaves.length === 0) return true;
    const test = key.test;
    if (test !== null) for (const leaf of leaves) if (test(leaf)) return true;
    return false;
  }
  return matchFrom(keys, event, 0, NO_MEMBERSHIP, { failed: undefined });
}

interface Memo {
  /** "keyIndex|pinned elements" states already known not to lead to a match. */
  failed: Set<string> | undefined;
}

function matchFrom(
  keys: readonly CompiledKey[],
  event: FlatEvent,
  i: number,
  membership: Membership,
  memo: Memo,
): boolean {
  if (i === keys.length) return true;
  const key = keys[i]!;
  const leaves = event.get(key.path) ?? NO_LEAVES;
  if (key.absent) {
    let present = false;
    for (const leaf of leaves) {
      if (consistent(membership, leaf.membership)) {
        present = true;
        break;
      }
    }
    if (!present && matchFrom(keys, event, i + 1, membership, memo)) return true;
  }
  const test = key.test;
  if (test === null) return false;
  for (const leaf of leaves) {
    if (!test(leaf)) continue;
    const merged = mergeMembership(membership, leaf.membership);
    if (merged === null) continue;
    if (i + 1 === keys.length) return true;
    // The outcome only depends on (key index, pinned elements): remember failures so that big
    // arrays cannot make the search exponential.
    const state = merged.length === 0 ? String(i) : `${i}|${merged.join(',')}`;
    if (memo.failed?.has(state)) continue;
    if (matchFrom(keys, event, i + 1, merged, memo)) return true;
    (memo.failed ??= new Set()).add(state);
  }
  return false;
}
