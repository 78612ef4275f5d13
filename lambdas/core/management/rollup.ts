/**
 * Rollups: counters kept per UTC hour as engagements and their assignments change, so the
 * console, the digest and spike detection read a few items instead of every engagement
 * (docs/management.md). An hour's counters are one flat map of counter keys to counts; the
 * keys are built by {@link counterKey} and read back by {@link readHour}.
 */

/** Sketch accuracy of response times: a quantile read back is within 2% of the true value. */
export const RESPONSE_TIME_ACCURACY = 0.02;

/** A response-time sketch: counts per bucket of a logarithmic mapping (DDSketch), mergeable by adding. */
export interface ResponseTimes {
  count: number;
  /** Of `count`, how many met the department's SLA deadline. */
  met: number;
  /** Bucket key → count (the bucket keys of a DDSketch logarithmic mapping at {@link RESPONSE_TIME_ACCURACY}, values in seconds). */
  buckets: Record<string, number>;
}

import type { Engagement } from '../engagement/engagement.schema.js';

/** One UTC hour of counters, as the console API and the digest read them. */
export interface HourRollup {
  /** The hour's start, ISO 8601 (`2026-12-06T20:00:00.000Z`). */
  hour: string;
  /** Engagements routed in the hour (replays not counted). */
  engagements: number;
  /** Each breakdown counts engagements; an engagement with two intents counts once in each. */
  byPlatform: Record<string, number>;
  /** Per department it was routed to (an engagement routed to two counts in both). */
  byDepartment: Record<string, number>;
  byIntent: Record<string, number>;
  /** `positive`, `neutral`, `negative` (engagements without a sentiment are not counted). */
  bySentiment: Record<string, number>;
  byLanguage: Record<string, number>;
  byPriority: Record<string, number>;
  /** Per routing rule id that matched (`crisis` while crisis mode added the crisis team). */
  byRule: Record<string, number>;
  /** Per department: first responses reported in the hour, and how long each took from routing. */
  firstResponse: Record<string, ResponseTimes>;
  /** Per department: resolutions reported in the hour, and how long each took from routing. */
  resolution: Record<string, ResponseTimes>;
  /** Per department: "SLA Breached" in the hour, by SLA (`firstResponse`, `resolution`, `approval`). */
  breaches: Record<string, Record<string, number>>;
  /** Per department: replies published on a platform in the hour. */
  repliesPublished: Record<string, number>;
}

/** One day's keyword counts ("top topics"), kept apart from the hours: many keywords, counted by day. */
export interface DayKeywords {
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  counts: Record<string, number>;
}

/**
 * Counter keys. Separators are characters ids never hold (`|`); a keyword may hold anything
 * but `|`, so one with it is not counted.
 */
export const counterKey = {
  engagements: () => 'n',
  platform: (id: string) => `p|${id}`,
  department: (id: string) => `d|${id}`,
  intent: (id: string) => `i|${id}`,
  sentiment: (label: string) => `s|${label}`,
  language: (code: string) => `l|${code}`,
  priority: (p: string) => `pr|${p}`,
  rule: (id: string) => `r|${id}`,
  firstResponse: (department: string, bucket: number | 'count' | 'met') => `f|${department}|${bucket}`,
  resolution: (department: string, bucket: number | 'count' | 'met') => `z|${department}|${bucket}`,
  breach: (department: string, sla: string) => `b|${department}|${sla}`,
  replyPublished: (department: string) => `rp|${department}`,
} as const;

/** Reads an hour's flat counters back into a {@link HourRollup}. Unknown keys are ignored. */
export function readHour(hour: string, counters: Record<string, number>): HourRollup {
  const out: HourRollup = {
    hour,
    engagements: counters.n ?? 0,
    byPlatform: {},
    byDepartment: {},
    byIntent: {},
    bySentiment: {},
    byLanguage: {},
    byPriority: {},
    byRule: {},
    firstResponse: {},
    resolution: {},
    breaches: {},
    repliesPublished: {},
  };
  const single: Record<string, Record<string, number>> = {
    p: out.byPlatform,
    d: out.byDepartment,
    i: out.byIntent,
    s: out.bySentiment,
    l: out.byLanguage,
    pr: out.byPriority,
    r: out.byRule,
    rp: out.repliesPublished,
  };
  for (const [key, value] of Object.entries(counters)) {
    if (typeof value !== 'number') continue;
    const parts = key.split('|');
    const [kind, a, b] = parts;
    if (kind === undefined || a === undefined) continue;
    if (parts.length === 2 && Object.hasOwn(single, kind)) (single[kind] as Record<string, number>)[a] = value;
    else if (parts.length === 3 && b !== undefined && (kind === 'f' || kind === 'z')) {
      const times = kind === 'f' ? out.firstResponse : out.resolution;
      const t = (times[a] ??= { count: 0, met: 0, buckets: {} });
      if (b === 'count') t.count = value;
      else if (b === 'met') t.met = value;
      else t.buckets[b] = value;
    } else if (parts.length === 3 && b !== undefined && kind === 'b') (out.breaches[a] ??= {})[b] = value;
  }
  return out;
}

/** The start of the UTC hour `at` falls in, ISO 8601. */
export const hourOf = (at: string | Date): string => {
  const d = new Date(at);
  d.setUTCMinutes(0, 0, 0);
  return d.toISOString();
};

/** Where rollups are read from (DynamoDB on AWS and in the twin; memory in tests). */
export interface RollupReader {
  /** The hours in [from, to), oldest first; hours with nothing counted are absent. */
  hours(from: string, to: string): Promise<HourRollup[]>;
  /** Keyword counts of the days in [fromDay, toDay] (inclusive, `YYYY-MM-DD`). */
  keywords(fromDay: string, toDay: string): Promise<DayKeywords[]>;
}

/**
 * The engagement's keywords that make topics: single words as written in its text (the
 * keywords also hold phrases and stems, which routing matches on but a reader of "top topics"
 * would find noise: "arriv", "batteri"), at most 60 characters, without `|` (the counter key's
 * separator).
 */
// Here, beside the counter keys and apart from the response-time sketch, so the engagement
// store (erasure) can call it without loading DDSketch into every function that stores engagements.
export function topicWords(engagement: Pick<Engagement, 'keywords' | 'text'>): string[] {
  const written = new Set(
    engagement.text.toLowerCase().match(/[\p{L}\p{N}\p{M}]+(?:['’_-][\p{L}\p{N}\p{M}]+)*/gu) ?? [],
  );
  return [...new Set(engagement.keywords)].filter(
    (k) => !k.includes(' ') && !k.includes('|') && k.length <= 60 && /[\p{L}\p{N}]/u.test(k) && written.has(k),
  );
}
