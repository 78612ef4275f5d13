import * as z from 'zod';
// The clock helpers live apart from this schema so the functions' routing (business-time.ts)
// can use them without loading zod's classic API at cold start.
import { clockMinutes, isTimeZone, WEEKDAYS } from '../shared/clock.js';

export { isTimeZone };

const clock = (what: string) =>
  z
    .string()
    .regex(
      /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/,
      `must be the ${what} time as HH:MM on a 24-hour clock, such as "09:00" or "17:30"`,
    );

/**
 * When a department works: SLA time only runs on `days` between `start` and `end`, read in
 * `timeZone` (so daylight saving moves the hours with the clock).
 */
export const BusinessHoursSchema = z
  .strictObject({
    timeZone: z.string().refine(isTimeZone, {
      message: 'must be an IANA time zone such as Europe/Berlin, America/New_York or Asia/Kolkata',
    }),
    days: z
      .array(z.enum(WEEKDAYS))
      .min(1, 'must list at least one day (mon, tue, wed, thu, fri, sat, sun)')
      .refine((days) => new Set(days).size === days.length, { message: 'must not list a day twice' }),
    start: clock('opening'),
    end: clock('closing'),
  })
  .superRefine((hours, ctx) => {
    if (clockMinutes(hours.start) >= clockMinutes(hours.end)) {
      ctx.addIssue({
        code: 'custom',
        path: ['end'],
        message: `must be later than start (${hours.start}); business hours cannot run past midnight`,
      });
    }
  });

/** See {@link BusinessHoursSchema}. */
export type BusinessHours = z.infer<typeof BusinessHoursSchema>;
