import * as z from 'zod';
import { compilePattern, InvalidEventPatternError } from '../patterns/index.js';
import { parseDurationMs } from './duration.js';

/** An id (of a department, rule, voice term…): lower-case letters, digits and dashes. */
export const id = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,39}$/,
    'must be lower-case letters, digits and dashes, starting with a letter (at most 40 characters)',
  );

/** An ISO 8601 duration the config accepts (PT15M, PT1H, P1D…). */
export const duration = z.string().refine((v) => parseDurationMs(v) !== undefined, {
  message: 'must be an ISO 8601 duration such as PT15M, PT1H or P1D (weeks, days, hours, minutes, seconds)',
});

/** An EventBridge event pattern, checked by the one matcher Switchboard has. */
export const pattern = z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
  try {
    compilePattern(value);
  } catch (err) {
    if (!(err instanceof InvalidEventPatternError)) throw err;
    ctx.addIssue({ code: 'custom', message: `is not a valid EventBridge event pattern: ${err.reason}` });
  }
});
