import * as z from 'zod';
import { INTENTS } from '../engagement/engagement.schema.js';
import { PLATFORM_IDS } from '../engagement/platform-ids.js';
import { parseDurationMs } from './duration.js';
import { duration, id, pattern } from './schema-parts.js';

/**
 * Spike detection (`spikes:`) and the crisis playbook (`crisis:`) of the config (docs/design.md,
 * "Governance config"; docs/management.md for the method).
 */

/** What a spike entry counts: `keyword:<word>`, `intent:<intent>`, `platform:<id>` or `negativeShare`. */
export const spikeKey = z.string().superRefine((value, ctx) => {
  if (value === 'negativeShare') return;
  const [kind, ...rest] = value.split(':');
  const arg = rest.join(':');
  const fail = (message: string) => ctx.addIssue({ code: 'custom', message });
  if (kind === 'keyword') {
    // Words as enrichment extracts them (letters, digits and marks, joined by ' ’ _ -), up to three.
    const word = "[\\p{L}\\p{N}\\p{M}]+(?:['’_-][\\p{L}\\p{N}\\p{M}]+)*";
    if (!new RegExp(`^${word}(?: ${word}){0,2}$`, 'u').test(arg) || arg !== arg.toLowerCase())
      fail(
        'keyword:<word> takes one lower-case word or phrase of up to three words, as engagement keywords are (keyword:battery)',
      );
  } else if (kind === 'intent') {
    if (!(INTENTS as readonly string[]).includes(arg)) fail(`intent:<intent> takes one of ${INTENTS.join(', ')}`);
  } else if (kind === 'platform') {
    if (!(PLATFORM_IDS as readonly string[]).includes(arg))
      fail(`platform:<id> takes one of ${PLATFORM_IDS.join(', ')}`);
  } else fail('must be keyword:<word>, intent:<intent>, platform:<id> or negativeShare');
});

/** A duration between `min` and `max` milliseconds. */
const between = (minMs: number, maxMs: number, words: string) =>
  duration.refine(
    (v) => {
      const ms = parseDurationMs(v) ?? 0;
      return ms >= minMs && ms <= maxMs;
    },
    { message: `must be ${words}` },
  );

/** One `spikes:` entry. */
export const SpikeEntrySchema = z.strictObject({
  id,
  key: spikeKey,
  /** The recent window compared with its baseline. Whole minutes, 5 minutes to 6 hours. */
  window: between(5 * 60_000, 6 * 3_600_000, 'from PT5M to PT6H').refine(
    (v) => (parseDurationMs(v) ?? 0) % 60_000 === 0,
    { message: 'must be whole minutes' },
  ),
  /** The least score that raises (the score is a z-score on Poisson-stabilised counts). */
  sensitivity: z.number().positive('must be above 0').max(50, 'must be at most 50'),
  /** Fewer engagements in the window never raise. @default 10 */
  minCount: z.number().int().min(1, 'must be at least 1').default(10),
  /** No second "Spike Detected" for this entry within it. */
  cooldown: between(60_000, 7 * 86_400_000, 'from PT1M to P7D'),
  /** Also starts crisis mode, with this spike as its cause (needs a `crisis:` section). */
  startsCrisis: z.boolean().default(false),
});

/** The crisis playbook: what changes while crisis mode is on. */
export const CrisisSchema = z.strictObject({
  /** The crisis team's department. */
  team: id,
  /** Engagements matching it also go to `team`, at `priority` (an EventBridge pattern over the engagement). */
  when: pattern,
  priority: z.enum(['low', 'normal', 'high', 'urgent']).default('urgent'),
  /** Every reply needs approval by `team`. */
  approvalsRequired: z.boolean().default(false),
  /** SLA durations are multiplied by it (0.5 halves them). */
  slaFactor: z
    .number()
    .positive('must be above 0')
    .max(1, 'must be at most 1 (a crisis never lengthens SLAs)')
    .default(1),
  /** Ends by itself after this long without a spike of its cause; absent: only `crisis end` ends it. */
  autoEnd: between(5 * 60_000, 30 * 86_400_000, 'from PT5M to P30D').optional(),
});

/** One parsed `spikes:` entry. */
export type SpikeEntry = z.infer<typeof SpikeEntrySchema>;
/** The parsed `crisis:` section. */
export type CrisisPlaybook = z.infer<typeof CrisisSchema>;
