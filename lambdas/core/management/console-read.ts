import type { SwitchboardConfig } from '../config/config.schema.js';
import { INTENTS } from '../engagement/engagement.schema.js';
import { PLATFORM_IDS } from '../engagement/platform-ids.js';
import { compilePlaybook } from '../routing/crisis-playbook.js';
import type {
  ConsoleCrisis,
  ConsoleFeed,
  ConsoleMeta,
  ConsoleRules,
  ConsoleService,
  ConsoleTrends,
  FeedRow,
  SpikeRow,
} from './console-api-types.js';
import { type CrisisState, crisisStatus, NO_CRISIS } from './crisis.js';
import { responseFigures } from './response-times.js';
import { type DayKeywords, type HourRollup, hourOf, readHour } from './rollup.js';
import type { FeedEntry } from './rollup-counts.js';

/**
 * The console's read-only API (docs/management.md, "Console"): each answer computed from the
 * rollups, the live-feed index and the crisis state. Pure but for its sources.
 */

/** Where the console's answers come from. */
export interface ConsoleSources {
  config: SwitchboardConfig;
  configVersion: string;
  hours(from: string, to: string): Promise<HourRollup[]>;
  keywords(fromDay: string, toDay: string): Promise<DayKeywords[]>;
  /** A day's live-feed rows, newest first. */
  feed(day: string): AsyncIterable<FeedEntry>;
  /** Text, link and each department's state of the engagements named (absent: not stored). */
  details(
    rows: { id: string; departments: string[] }[],
  ): Promise<Map<string, { text: string; url?: string; states: Record<string, string> }>>;
  crisis(): Promise<CrisisState | undefined>;
  /** "Spike Detected" since then, any order. */
  spikes(since: string): Promise<SpikeRow[]>;
  /** The dates of the digests there are (`YYYY-MM-DD`), any order. */
  digests(): Promise<string[]>;
  /** A digest's HTML; undefined when there is none of that day. */
  digest(date: string): Promise<string | undefined>;
  now(): Date;
}

/** A bad query: 400 with this message. */
export class ConsoleQueryError extends Error {}

/** Nothing to answer (a digest of a day without one): 404 with this message. */
export class ConsoleNotFoundError extends Error {}

/** The most digests `meta` lists. */
const MAX_DIGESTS = 60;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** A whole number query parameter within bounds, or the default when absent. */
function bounded(
  query: Record<string, string | undefined>,
  name: string,
  min: number,
  max: number,
  fallback: number,
): number {
  const raw = query[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new ConsoleQueryError(`${name} must be a whole number from ${min} to ${max}`);
  return value;
}

/** Answers `GET …/console/api/<name>`; undefined for an unknown name. */
export async function consoleAnswer(
  name: string,
  query: Record<string, string | undefined>,
  sources: ConsoleSources,
): Promise<unknown> {
  switch (name) {
    case 'meta':
      return meta(sources);
    case 'feed':
      return feed(query, sources);
    case 'trends':
      return trends(bounded(query, 'hours', 1, 336, 48), sources);
    case 'service':
      return service(bounded(query, 'days', 1, 30, 7), sources);
    case 'rules':
      return rules(bounded(query, 'days', 1, 30, 7), sources);
    case 'crisis':
      return crisis(sources);
    case 'digest':
      return digest(query, sources);
    default:
      return undefined;
  }
}

async function meta(sources: ConsoleSources): Promise<ConsoleMeta> {
  const now = sources.now();
  const hours = await sources.hours(new Date(now.getTime() - 14 * DAY_MS).toISOString(), now.toISOString());
  const languages = new Map<string, number>();
  for (const h of hours)
    for (const [l, n] of Object.entries(h.byLanguage)) languages.set(l, (languages.get(l) ?? 0) + n);
  return {
    departments: sources.config.departments.map((d) => ({ id: d.id, name: d.name })),
    platforms: [...PLATFORM_IDS],
    intents: [...INTENTS],
    sentiments: ['positive', 'neutral', 'negative'],
    languages: [...languages].sort((a, b) => b[1] - a[1]).map(([l]) => l),
    configVersion: sources.configVersion,
    // Opened through the console's digest page, which reads it through this API (signed in).
    digests: (await sources.digests())
      .sort((a, b) => (a < b ? 1 : -1))
      .slice(0, MAX_DIGESTS)
      .map((date) => ({ date, url: `digest.html?date=${date}` })),
  };
}

/** `digest?date=YYYY-MM-DD`: that day's digest, `{ date, html }`. */
async function digest(query: Record<string, string | undefined>, sources: ConsoleSources): Promise<unknown> {
  const date = query.date ?? '';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new ConsoleQueryError('date must be a day as YYYY-MM-DD');
  const html = await sources.digest(date);
  if (html === undefined) throw new ConsoleNotFoundError(`There is no digest of ${date}.`);
  return { date, html };
}

const FEED_FILTERS = ['platform', 'department', 'intent', 'sentiment', 'language'] as const;

async function feed(query: Record<string, string | undefined>, sources: ConsoleSources): Promise<ConsoleFeed> {
  const limit = bounded(query, 'limit', 1, 200, 50);
  const filters = Object.fromEntries(FEED_FILTERS.flatMap((f) => (query[f] ? [[f, query[f]]] : []))) as Partial<
    Record<(typeof FEED_FILTERS)[number], string>
  >;
  const matches = (e: FeedEntry) =>
    (!filters.platform || e.platform === filters.platform) &&
    (!filters.department || e.departments.includes(filters.department)) &&
    (!filters.intent || e.intents.includes(filters.intent)) &&
    (!filters.sentiment || e.sentiment === filters.sentiment) &&
    (!filters.language || e.language === filters.language);
  const now = sources.now();
  const picked: FeedEntry[] = [];
  // Newest day first; a week back at most (the feed index keeps a week).
  for (let d = 0; d < 7 && picked.length < limit; d++) {
    const day = new Date(now.getTime() - d * DAY_MS).toISOString().slice(0, 10);
    for await (const entry of sources.feed(day)) {
      if (matches(entry)) picked.push(entry);
      if (picked.length >= limit) break;
    }
  }
  const engagements = await feedRows(picked, sources);
  return { engagements, generatedAt: now.toISOString() };
}

/** Live-feed entries as rows: with each engagement's text, link and each department's state. */
export async function feedRows(entries: FeedEntry[], sources: Pick<ConsoleSources, 'details'>): Promise<FeedRow[]> {
  const details = await sources.details(entries.map((e) => ({ id: e.engagementId, departments: e.departments })));
  return entries.map((e) => {
    const d = details.get(e.engagementId);
    return {
      id: e.engagementId,
      receivedAt: e.receivedAt,
      platform: e.platform,
      kind: e.kind,
      text: d?.text ?? '',
      departments: e.departments.map((id) => ({ id, state: d?.states[id] ?? 'new' })),
      priority: e.priority,
      intents: e.intents,
      ...(e.sentiment ? { sentiment: e.sentiment } : {}),
      language: e.language,
      rules: e.rules,
      ...(d?.url ? { url: d.url } : {}),
    };
  });
}

/** Every hour in [from, to), with zeros where nothing was counted. */
export function everyHour(from: Date, hoursBack: number, found: HourRollup[]): HourRollup[] {
  const byHour = new Map(found.map((h) => [h.hour, h]));
  return Array.from({ length: hoursBack }, (_, i) => {
    const hour = new Date(from.getTime() + i * HOUR_MS).toISOString();
    return byHour.get(hour) ?? readHour(hour, {});
  });
}

async function trends(hoursBack: number, sources: ConsoleSources): Promise<ConsoleTrends> {
  const now = sources.now();
  const to = new Date(Date.parse(hourOf(now)) + HOUR_MS);
  const from = new Date(to.getTime() - hoursBack * HOUR_MS);
  const hours = everyHour(from, hoursBack, await sources.hours(from.toISOString(), to.toISOString()));
  const keywordDays = await sources.keywords(from.toISOString().slice(0, 10), now.toISOString().slice(0, 10));
  const totals = new Map<string, number>();
  for (const day of keywordDays)
    for (const [k, n] of Object.entries(day.counts)) totals.set(k, (totals.get(k) ?? 0) + n);
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    hours,
    topKeywords: [...totals]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 20)
      .map(([keyword, count]) => ({ keyword, count })),
  };
}

/** The hours of the last `days` days (to the end of the current hour). */
async function lastDays(
  days: number,
  sources: ConsoleSources,
): Promise<{ from: string; to: string; hours: HourRollup[] }> {
  const now = sources.now();
  const to = new Date(Date.parse(hourOf(now)) + HOUR_MS).toISOString();
  const from = new Date(Date.parse(to) - days * DAY_MS).toISOString();
  return { from, to, hours: await sources.hours(from, to) };
}

async function service(days: number, sources: ConsoleSources): Promise<ConsoleService> {
  const { from, to, hours } = await lastDays(days, sources);
  return {
    from,
    to,
    departments: sources.config.departments.map((d) => {
      const breaches = (sla: string) => hours.reduce((a, h) => a + (h.breaches[d.id]?.[sla] ?? 0), 0);
      return {
        id: d.id,
        name: d.name,
        sla: {
          ...(d.sla?.firstResponse ? { firstResponse: d.sla.firstResponse } : {}),
          ...(d.sla?.resolution ? { resolution: d.sla.resolution } : {}),
        },
        routed: hours.reduce((a, h) => a + (h.byDepartment[d.id] ?? 0), 0),
        firstResponse: responseFigures(hours.map((h) => h.firstResponse[d.id])),
        resolution: responseFigures(hours.map((h) => h.resolution[d.id])),
        breaches: {
          firstResponse: breaches('firstResponse'),
          resolution: breaches('resolution'),
          approval: breaches('approval'),
        },
        repliesPublished: hours.reduce((a, h) => a + (h.repliesPublished[d.id] ?? 0), 0),
      };
    }),
  };
}

async function rules(days: number, sources: ConsoleSources): Promise<ConsoleRules> {
  const { from, to, hours } = await lastDays(days, sources);
  const fired = (id: string) => hours.reduce((a, h) => a + (h.byRule[id] ?? 0), 0);
  const list = sources.config.rules
    .map((r) => ({ id: r.id, routeTo: r.routeTo, priority: r.priority, fired: fired(r.id) }))
    .sort((a, b) => b.fired - a.fired || a.id.localeCompare(b.id));
  return {
    configVersion: sources.configVersion,
    from,
    to,
    rules: list,
    neverFired: list.filter((r) => r.fired === 0).map((r) => r.id),
    unmatched: fired('(none)'),
  };
}

async function crisis(sources: ConsoleSources): Promise<ConsoleCrisis> {
  const state = (await sources.crisis()) ?? NO_CRISIS;
  const since = new Date(sources.now().getTime() - 7 * DAY_MS).toISOString();
  return {
    status: crisisStatus(state),
    playbook: sources.config.crisis ? compilePlaybook(sources.config.crisis).describe() : [],
    spikes: (await sources.spikes(since)).sort((a, b) => (a.at < b.at ? 1 : -1)),
  };
}
