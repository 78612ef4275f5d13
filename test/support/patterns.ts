import { compilePattern, InvalidEventPatternError } from '#core/patterns/index.js';

/** Why the pattern engine refuses `pattern` (its `reason`), or `'accepted'` when it compiles. */
export function reasonOf(pattern: string | object, options?: Parameters<typeof compilePattern>[1]): string {
  try {
    compilePattern(pattern, options);
  } catch (err) {
    if (err instanceof InvalidEventPatternError) return err.reason;
    throw err;
  }
  return 'accepted';
}
