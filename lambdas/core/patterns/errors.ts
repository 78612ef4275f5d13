/**
 * Thrown for any pattern EventBridge would refuse with `InvalidEventPatternException`. `reason`
 * carries Ruler's text (what AWS prints after `Reason:`) so callers can surface it verbatim.
 */
export class InvalidEventPatternError extends Error {
  readonly reason: string;

  constructor(reason: string) {
    super(`Event pattern is not valid. Reason: ${reason}`);
    this.name = 'InvalidEventPatternError';
    this.reason = reason;
  }
}

/**
 * Ruler's `JsonParseException`: raised by the JSON reader and by the rule compilers' `barf`.
 * Kept distinct from {@link RulerArgumentError} because only this kind makes Ruler retry the
 * pattern with its legacy compiler (where `$or` is an ordinary field name).
 */
export class RulerParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RulerParseError';
  }
}

/**
 * Ruler's `IllegalArgumentException` escaping the compiler (only `cidr` does this): it is not
 * caught by the legacy fallback, so the pattern fails at once.
 */
export class RulerArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RulerArgumentError';
  }
}
