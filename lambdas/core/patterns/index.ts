export { InvalidEventPatternError } from './errors.js';
export {
  compilePattern,
  DEFAULT_MAX_PATTERN_LENGTH,
  MAX_OR_COMBINATIONS,
  MAX_WILDCARD_COMPLEXITY,
  type CompiledPattern,
  type CompileOptions,
} from './compile-pattern.js';
export { PatternSet } from './pattern-set.js';
export { explainMatch, explainSubRule, type ConditionMatch, type PatternExplanation } from './explain.js';
export type { PatternValue } from './pattern-values.js';
export type { Leaf } from './flatten-event.js';
