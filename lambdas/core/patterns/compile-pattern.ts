import { InvalidEventPatternError, RulerArgumentError, RulerParseError } from './errors.js';
import { compileKey, subRuleMatches, type CompiledSubRule } from './evaluate.js';
import { flattenEvent, type FlatEvent } from './flatten-event.js';
import { LAYOUT_VALUE_TYPES, layoutMachines, sortedKeys } from './machine-sim.js';
import { compileRuleText, compileRuleValue, type CompiledRule, type SubRule } from './rule-compiler.js';

/** A compiled event pattern. */
export interface CompiledPattern {
  /** Whether the event (any JSON value; non-objects never match) matches the pattern. */
  matches(event: unknown): boolean;
}

/** Options for {@link compilePattern} and `PatternSet`. */
export interface CompileOptions {
  /** Longest accepted pattern text, in characters. Default 2048 (EventBridge's default quota). */
  maxLength?: number;
}

/** EventBridge's default "Event pattern size" quota (adjustable to 4096). */
export const DEFAULT_MAX_PATTERN_LENGTH = 2048;
/** EventBridge refuses patterns whose `$or`s expand to more combinations than this. */
export const MAX_OR_COMBINATIONS = 1000;
/** Ruler's README strategy EventBridge applies: reject a wildcard complexity above 10. */
export const MAX_WILDCARD_COMPLEXITY = 10;

export const TOO_COMPLEX_REASON =
  'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character';

/** A pattern compiled to sub-rules; shared by {@link compilePattern} and `PatternSet`. */
export class CompiledEventPattern implements CompiledPattern {
  constructor(readonly subRules: readonly CompiledSubRule[]) {}

  matches(event: unknown): boolean {
    const flat = flattenEvent(event);
    return flat !== null && this.matchesFlat(flat);
  }

  /** Matching against an event that was already flattened (PatternSet flattens once). */
  matchesFlat(flat: FlatEvent): boolean {
    for (const rule of this.subRules) if (subRuleMatches(rule, flat)) return true;
    return false;
  }
}

/**
 * Compiles an EventBridge event pattern with AWS's semantics and validation. A string is parsed
 * as the pattern text (duplicate keys: the later one wins, as in Ruler, which reads the text as
 * a token stream); an object is validated as `JSON.stringify` would send it.
 *
 * @throws InvalidEventPatternError with Ruler's reason text (or the service limit's).
 */
export function compilePattern(pattern: string | object, options?: CompileOptions): CompiledEventPattern {
  const text = patternText(pattern);
  const maxLength = options?.maxLength ?? DEFAULT_MAX_PATTERN_LENGTH;
  if (text.length > maxLength) {
    throw new InvalidEventPatternError(
      `Event pattern is too long: ${text.length} characters, the maximum is ${maxLength}`,
    );
  }
  let compiled: CompiledRule;
  try {
    // A pattern given as a value (a config carried as data) is read off the value; text is lexed.
    compiled =
      (typeof pattern === 'object' && pattern !== null && !Array.isArray(pattern)
        ? compileRuleValue(pattern)
        : undefined) ?? compileRuleText(text);
  } catch (err) {
    if (err instanceof RulerParseError || err instanceof RulerArgumentError)
      throw new InvalidEventPatternError(err.message);
    throw err;
  }
  if (compiled.branches > MAX_OR_COMBINATIONS) {
    throw new InvalidEventPatternError(
      `Rule is too complex - the $or expressions expand to more than ${MAX_OR_COMBINATIONS} combinations`,
    );
  }
  // Only numeric, CIDR and wildcard values change how a field is read or how complex the rule is;
  // most routing rules have none, and then the machine layout has nothing to say (and is skipped:
  // it is a fifth of compiling a rule, which every cold start does for every rule).
  const layout = compiled.subRules.some(needsLayout) ? layoutMachines(compiled.subRules) : undefined;
  if (layout && layout.wildcardComplexity(MAX_WILDCARD_COMPLEXITY) > MAX_WILDCARD_COMPLEXITY) {
    throw new InvalidEventPatternError(TOO_COMPLEX_REASON);
  }
  const subRules = compiled.subRules.map(
    (rule, r): CompiledSubRule => ({
      keys: sortedKeys(rule).map((path, k) => compileKey(path, rule.get(path) ?? [], layout?.modes[r]?.[k] ?? 'plain')),
    }),
  );
  return new CompiledEventPattern(subRules);
}

function needsLayout(rule: SubRule): boolean {
  for (const values of rule.values()) for (const v of values) if (LAYOUT_VALUE_TYPES.has(v.type)) return true;
  return false;
}

function patternText(pattern: string | object): string {
  if (typeof pattern === 'string') return pattern;
  let text: string | undefined;
  try {
    text = JSON.stringify(pattern);
  } catch (err) {
    throw new InvalidEventPatternError(`Filter is not valid JSON: ${(err as Error).message}`);
  }
  // JSON.stringify(undefined) and friends produce no text; Ruler sees an empty document.
  return text ?? '';
}
