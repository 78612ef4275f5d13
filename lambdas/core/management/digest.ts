import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { parseDurationMs } from '../config/duration.js';
import type { CrisisStatus, FeedRow, ResponseFigures, SpikeRow } from './console-api-types.js';
import { responseFigures } from './response-times.js';
import type { DayKeywords, HourRollup, ResponseTimes } from './rollup.js';

/**
 * The daily digest (docs/management.md): one day's rollups turned into a self-contained HTML
 * report a leader reads in a mail client or a browser. Pure: everything it shows comes from the
 * input, so the same input renders the same page. Self-contained on purpose: mail clients and
 * archived copies load nothing from elsewhere, so the charts are inline SVG, the style is inline,
 * and a Content-Security-Policy forbids loading anything even if a piece of data slipped through.
 *
 * The markup is also well-formed XML (void elements closed, no named entities beyond XML's), so a
 * plain XML parser can check a rendered digest whole.
 */

/** One engagement picked for a leader's eye, and why. */
export type AttentionRow = FeedRow & { reasons: string[] };

/** What the digest of one UTC day is rendered from. */
export interface DigestInput {
  /** `YYYY-MM-DD`: the UTC day reported. */
  date: string;
  /** When the digest was made, ISO 8601; for a partial day, how far the day had gone. */
  generatedAt: string;
  /** True when the day is today so far. */
  partial: boolean;
  /** The reported day's hours and the previous 28 days' (oldest first; missing hours mean zero). */
  hours: HourRollup[];
  /** Keyword counts of the reported day and the previous 28 days. */
  keywords: DayKeywords[];
  departments: { id: string; name: string; sla?: { firstResponse?: string; resolution?: string } }[];
  /** Engagements that need a leader's eye (chosen by the caller), at most 20. */
  attention: AttentionRow[];
  /** The day's spikes. */
  spikes: SpikeRow[];
  crisis: CrisisStatus;
  /** The console's address, for a link back. */
  consoleUrl?: string;
}

type Department = DigestInput['departments'][number];

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** The baseline: the 28 days before the reported day, of which every 7th is the same weekday. */
const BASELINE_DAYS = 28;
const SAME_WEEKDAYS = BASELINE_DAYS / 7;
const MAX_ATTENTION = 20;
const TOP_TOPICS = 20;
const TOP_INTENTS = 10;
/** An engagement's text is cut here: the digest points at engagements, the console shows them whole. */
const TEXT_LIMIT = 280;
const SENTIMENTS = ['negative', 'neutral', 'positive'] as const;
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/**
 * Renders the digest of one day as a complete HTML document (`<!DOCTYPE html>`, `lang="en"`).
 * The figures of the day are compared with the same weekday of the previous 4 weeks and with the
 * 28-day daily average; for a partial day, with the same hours of those days.
 *
 * @throws RangeError when `date` is not a `YYYY-MM-DD` day.
 */
export async function renderDigest(input: DigestInput): Promise<string> {
  const days = sortDays(input);
  const departments = departmentsOf(input.departments, input.hours);
  const service = serviceRows(days, departments);
  const charts = await Promise.all(
    [hourlyChart(days), dailyChart(days), intentChart(days), complianceChart(service, input.partial)].map(renderChart),
  );
  const [hourly, daily, intents, compliance] = charts as [string, string, string, string];
  const sections = [
    headlineSection(days),
    crisisSection(input.crisis, input.spikes, input.date),
    section('volume', 'Volume', `${hourly}\n${daily}`),
    section(
      'topics',
      'What people wrote about',
      `${intents}\n${topicsTable(input.keywords, input.date, input.partial)}`,
    ),
    section('service', 'Service', `${compliance}\n${serviceTable(service)}`),
    attentionSection(input.attention, departments),
  ];
  const title = `Switchboard daily digest, ${input.date}${input.partial ? ' (so far)' : ''}`;
  return page(title, headerSection(input, days), sections);
}

// ---------------------------------------------------------------------------------------------
// Escaping and formatting

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes text for HTML element content and quoted attribute values. Control characters (other
 * than tab and line breaks) and lone surrogates become U+FFFD: they are parse errors in HTML and
 * would make the page ill-formed as XML.
 */
export function escapeHtml(text: unknown): string {
  return String(text)
    .toWellFormed()
    .replace(/(?![\t\n\r])\p{Cc}/gu, '\uFFFD')
    .replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const percentFormat = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });

const formatNumber = (n: number): string => numberFormat.format(n);
const formatPercent = (n: number): string => percentFormat.format(n);

/** A number for people, with its exact value kept machine-readable in `<data value>`. */
function dataCell(value: number | null, kind: 'count' | 'rate'): string {
  if (value === null) return 'none';
  const shown = kind === 'rate' ? formatPercent(value) : formatNumber(value);
  return `<data value="${value}">${shown}</data>`;
}

/** Seconds in the unit a person reads them in. */
function formatSeconds(seconds: number | null): string {
  if (seconds === null) return '–';
  if (seconds < 60) return `${formatNumber(seconds)} s`;
  if (seconds < 3600) return `${formatNumber(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${formatNumber(seconds / 3600)} h`;
  return `${formatNumber(seconds / 86_400)} d`;
}

/** `2026-12-06 15:20 UTC`; text that is not a time is shown as it is. */
function formatTime(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const hourLabel = (h: number): string => `${String(h).padStart(2, '0')}:00`;

// ---------------------------------------------------------------------------------------------
// Sorting the hours into days

/** The hours the digest reads, sorted into the reported day and the 28 days before it. */
interface Days {
  date: string;
  partial: boolean;
  /** Hours of the day compared, `[0, cutoff)`: 24 for a whole day, the hours begun so far for a partial one. */
  cutoff: number;
  /** The reported day's hours. */
  day: HourRollup[];
  /** The previous 28 days, oldest first, each with all its hours (none missing from the list). */
  previous: { day: string; hours: HourRollup[] }[];
}

const dayStart = (day: string): number => Date.parse(`${day}T00:00:00.000Z`);
const addDays = (day: string, n: number): string => new Date(dayStart(day) + n * DAY_MS).toISOString().slice(0, 10);
const weekdayOf = (day: string): string => WEEKDAYS[new Date(dayStart(day)).getUTCDay()] ?? '';
const hourOfDay = (h: HourRollup): number => new Date(h.hour).getUTCHours();

function sortDays(input: DigestInput): Days {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.date) || Number.isNaN(dayStart(input.date)))
    throw new RangeError(`not a YYYY-MM-DD day: ${input.date}`);
  const byDay = new Map<string, HourRollup[]>();
  for (const h of input.hours) {
    const ms = Date.parse(h.hour);
    if (Number.isNaN(ms)) continue;
    const day = new Date(ms).toISOString().slice(0, 10);
    byDay.set(day, [...(byDay.get(day) ?? []), h]);
  }
  const previous = Array.from({ length: BASELINE_DAYS }, (_, i) => {
    const day = addDays(input.date, i - BASELINE_DAYS);
    return { day, hours: byDay.get(day) ?? [] };
  });
  const cutoff = cutoffOf(input);
  return {
    date: input.date,
    partial: input.partial,
    cutoff,
    // Hours past the cutoff (counted while the digest was being made) are left out, so the day
    // and its baselines cover the same hours.
    day: (byDay.get(input.date) ?? []).filter((h) => hourOfDay(h) < cutoff),
    previous,
  };
}

/**
 * The hours of the day a partial day is compared on: those begun by `generatedAt`. The hour under
 * way counts in full on the earlier days, so the baseline runs a little high and a rise shows a
 * little smaller than it is: the digest understates rather than raises a false alarm.
 */
function cutoffOf(input: DigestInput): number {
  if (!input.partial) return 24;
  const elapsed = Date.parse(input.generatedAt) - dayStart(input.date);
  if (Number.isNaN(elapsed)) return 24;
  return Math.min(24, Math.max(1, Math.floor(elapsed / HOUR_MS) + 1));
}

/** The hours of `days.previous` (optionally only the same weekdays) up to the cutoff. */
function baselineHours(days: Days, sameWeekdayOnly = false): HourRollup[] {
  return days.previous
    .filter((_, i) => !sameWeekdayOnly || (BASELINE_DAYS - i) % 7 === 0)
    .flatMap((d) => d.hours.filter((h) => hourOfDay(h) < days.cutoff));
}

// ---------------------------------------------------------------------------------------------
// Counting

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

/** Adds up one breakdown of many hours. */
function sumBy(
  hours: readonly HourRollup[],
  pick: (h: HourRollup) => Record<string, number> | undefined,
): Record<string, number> {
  return sumRecords(hours.map((h) => pick(h) ?? {}));
}

/** Adds up records key by key. */
function sumRecords(records: readonly Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) for (const [k, n] of Object.entries(r)) out[k] = (out[k] ?? 0) + n;
  return out;
}

/** The counts behind the headline figures, over any set of hours. */
interface Counts {
  volume: number;
  negative: number;
  withSentiment: number;
  responded: number;
  met: number;
  breaches: number;
  replies: number;
}

function countsOf(hours: readonly HourRollup[]): Counts {
  const sentiments = sumBy(hours, (h) => h.bySentiment);
  const firstResponses = hours.flatMap((h) => Object.values(h.firstResponse ?? {}));
  return {
    volume: sum(hours.map((h) => h.engagements)),
    negative: sentiments.negative ?? 0,
    withSentiment: sum(Object.values(sentiments)),
    responded: sum(firstResponses.map((t) => t.count)),
    met: sum(firstResponses.map((t) => t.met)),
    breaches: sum(hours.flatMap((h) => Object.values(h.breaches ?? {}).flatMap((b) => Object.values(b)))),
    replies: sum(hours.flatMap((h) => Object.values(h.repliesPublished ?? {}))),
  };
}

/** A figure on the day, and its two baselines (per-day averages for counts, pooled shares for rates). */
interface Figure {
  id: string;
  label: string;
  kind: 'count' | 'rate';
  /** Which way is better, where one is; volume and replies are neither. */
  better?: 'up' | 'down';
  day: number | null;
  sameWeekday: number | null;
  daily: number | null;
}

/**
 * The headline figures. Rates over a baseline are pooled (all its days' negatives over all its
 * days' engagements with a sentiment), not an average of daily rates, so a quiet day with one
 * negative post does not weigh as much as a busy one.
 */
function headlineFigures(days: Days): Figure[] {
  const day = countsOf(days.day);
  const week = countsOf(baselineHours(days, true));
  const all = countsOf(baselineHours(days));
  const count = (id: string, label: string, pick: (c: Counts) => number, better?: 'up' | 'down'): Figure => ({
    id,
    label,
    kind: 'count',
    ...(better ? { better } : {}),
    day: pick(day),
    sameWeekday: pick(week) / SAME_WEEKDAYS,
    daily: pick(all) / BASELINE_DAYS,
  });
  const rate = (id: string, label: string, pick: (c: Counts) => number | null, better: 'up' | 'down'): Figure => ({
    id,
    label,
    kind: 'rate',
    better,
    day: pick(day),
    sameWeekday: pick(week),
    daily: pick(all),
  });
  return [
    count('volume', 'Engagements', (c) => c.volume),
    rate('negative', 'Negative share', (c) => ratio(c.negative, c.withSentiment), 'down'),
    rate('compliance', 'First responses within SLA', (c) => ratio(c.met, c.responded), 'up'),
    count('breaches', 'SLA breaches', (c) => c.breaches, 'down'),
    count('replies', 'Replies published', (c) => c.replies),
  ];
}

/**
 * The change from a baseline in words, up to the baseline itself: "up 45% on", "down 4 points
 * on", "about the same as", "up from"; and whether that is better or worse, where a way is better.
 * Changes under 5% (counts) or half a point (rates) read as about the same.
 */
function describeChange(
  value: number | null,
  base: number | null,
  kind: 'count' | 'rate',
  better?: 'up' | 'down',
): { words: string; verdict: string } {
  // With nothing on one side the cell just shows the baseline ("none", or its figure).
  if (value === null || base === null) return { words: '', verdict: '' };
  const diff = value - base;
  const small = kind === 'rate' ? Math.abs(diff) < 0.005 : base > 0 && Math.abs(diff / base) < 0.05;
  if (diff === 0 || small) return { words: 'about the same as', verdict: '' };
  const way = diff > 0 ? 'up' : 'down';
  const verdict = better ? (better === way ? ' (better)' : ' (worse)') : '';
  if (kind === 'count' && base === 0) return { words: 'up from', verdict };
  const size = kind === 'rate' ? `${formatNumber(Math.abs(diff) * 100)} points` : formatPercent(Math.abs(diff / base));
  return { words: `${way} ${size} on`, verdict };
}

// ---------------------------------------------------------------------------------------------
// Charts

/** A chart to render: its spec, a short name (the SVG's `aria-label`) and its summary in words. */
interface Chart {
  name: string;
  spec: TopLevelSpec | null;
  summary: string;
}

const CONFIG = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { orient: 'top', labelFontSize: 11, titleFontSize: 11, labelLimit: 320 },
} as const;

const COLOURS = { day: '#1f5fa8', baseline: '#9aa5b1', negative: '#c0392b', neutral: '#95a5a6', positive: '#27865a' };

/**
 * Renders a chart to inline SVG in Node: vega-lite compiles, vega renders headless (renderer
 * `none`: no canvas, no DOM; text widths are estimated). The SVG gets `role="img"` and an
 * `aria-label`, since vega marks only its inner groups; the figcaption says what it shows.
 */
async function renderChart(chart: Chart): Promise<string> {
  const caption = `<figcaption><strong>${escapeHtml(chart.name)}.</strong> ${escapeHtml(chart.summary)}</figcaption>`;
  if (!chart.spec) return `<figure>${caption}</figure>`;
  const view = new View(parse(compile(chart.spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    // Drop anything before the element (an XML prolog is an error inside HTML).
    const element = svg.slice(Math.max(0, svg.indexOf('<svg')));
    const labelled = element.replace(
      /^<svg\b/,
      `<svg role="img" aria-label="${escapeHtml(chart.name)}" focusable="false"`,
    );
    return `<figure>${labelled}${caption}</figure>`;
  } finally {
    view.finalize();
  }
}

/** Engagements per hour of the day, for hours `[0, 24)`. */
function perHour(hours: readonly HourRollup[]): number[] {
  const out = new Array<number>(24).fill(0);
  for (const h of hours) out[hourOfDay(h)]! += h.engagements;
  return out;
}

/** (a) The day's volume per hour against the typical hour (the 28-day mean per hour of day). */
function hourlyChart(days: Days): Chart {
  const day = perHour(days.day).slice(0, days.cutoff);
  const typical = perHour(days.previous.flatMap((d) => d.hours)).map((n) => n / BASELINE_DAYS);
  const daySeries = days.partial ? 'The day so far' : 'The day';
  const typicalSeries = 'Typical hour (4-week mean)';
  const busiest = day.indexOf(Math.max(...day));
  const above = day.flatMap((n, h) => (n > 1.5 * typical[h]! && n - typical[h]! >= 5 ? [hourLabel(h)] : []));
  const summary =
    `Busiest hour ${hourLabel(busiest)} UTC with ${formatNumber(day[busiest] ?? 0)} engagements ` +
    `against a typical ${formatNumber(typical[busiest] ?? 0)}. ` +
    (above.length
      ? `Hours well above typical (half as many again, and at least 5 more): ${above.join(', ')}.`
      : 'No hour was well above typical.');
  const x = { field: 'hour', type: 'ordinal', title: 'Hour of the day (UTC)', sort: null } as const;
  const y = { field: 'engagements', type: 'quantitative', title: 'Engagements' } as const;
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    scale: { domain: [daySeries, typicalSeries], range: [COLOURS.day, COLOURS.baseline] },
  } as const;
  const spec: TopLevelSpec = {
    width: 560,
    height: 200,
    config: CONFIG,
    layer: [
      {
        data: { values: day.map((n, h) => ({ hour: hourLabel(h), engagements: n, series: daySeries })) },
        mark: 'bar',
        encoding: { x, y, color },
      },
      {
        data: { values: typical.map((n, h) => ({ hour: hourLabel(h), engagements: n, series: typicalSeries })) },
        mark: { type: 'line', point: true, strokeWidth: 2 },
        encoding: { x, y, color },
      },
    ],
  };
  return { name: 'Volume per hour of the day against the typical hour', spec, summary };
}

/** (b) Daily volume over the 29 days, stacked by sentiment (and none, so a bar is the whole volume). */
function dailyChart(days: Days): Chart {
  const all = [...days.previous, { day: days.date, hours: days.day }];
  const labels = ['negative', 'neutral', 'positive', 'no sentiment'];
  const values = all.flatMap(({ day, hours }) => {
    const s = sumBy(hours, (h) => h.bySentiment);
    const counted = SENTIMENTS.map((k) => s[k] ?? 0);
    const none = Math.max(0, sum(hours.map((h) => h.engagements)) - sum(counted));
    const label = day === days.date && days.partial ? `${day.slice(5)} (so far)` : day.slice(5);
    return [...counted, none].map((n, i) => ({ day: label, sentiment: labels[i], order: i, engagements: n }));
  });
  const totals = all.map(({ day, hours }) => ({ day, n: sum(hours.map((h) => h.engagements)) }));
  const busiest = totals.reduce((a, b) => (b.n > a.n ? b : a));
  const today = totals.at(-1)!;
  const negative = sumBy(days.day, (h) => h.bySentiment).negative ?? 0;
  const average = sum(totals.slice(0, -1).map((t) => t.n)) / BASELINE_DAYS;
  const summary =
    `From ${all[0]!.day} to ${days.date}. ${days.date}${days.partial ? ' so far' : ''}: ` +
    `${formatNumber(today.n)} engagements, ${formatNumber(negative)} negative; ` +
    `the 28 days before averaged ${formatNumber(average)} a day. ` +
    `Busiest day: ${busiest.day} with ${formatNumber(busiest.n)}.`;
  const spec: TopLevelSpec = {
    width: 560,
    height: 200,
    config: CONFIG,
    data: { values },
    mark: 'bar',
    encoding: {
      x: { field: 'day', type: 'ordinal', title: 'Day (UTC)', sort: null, axis: { labelAngle: -45 } },
      y: { field: 'engagements', type: 'quantitative', title: 'Engagements', stack: 'zero' },
      color: {
        field: 'sentiment',
        type: 'nominal',
        title: 'Sentiment',
        scale: { domain: labels, range: [COLOURS.negative, COLOURS.neutral, COLOURS.positive, '#d5dbe1'] },
      },
      order: { field: 'order', type: 'quantitative' },
    },
  };
  return { name: 'Daily volume over 29 days by sentiment', spec, summary };
}

/** (c) The day's intents against their 4-week share, each as a share of engagements. */
function intentChart(days: Days): Chart {
  const hours = baselineHours(days);
  const day = sumBy(days.day, (h) => h.byIntent);
  const base = sumBy(hours, (h) => h.byIntent);
  const dayVolume = sum(days.day.map((h) => h.engagements));
  const baseVolume = sum(hours.map((h) => h.engagements));
  const intents = [...new Set([...Object.keys(day), ...Object.keys(base)])]
    .sort((a, b) => (day[b] ?? 0) - (day[a] ?? 0) || (base[b] ?? 0) - (base[a] ?? 0) || a.localeCompare(b))
    .slice(0, TOP_INTENTS);
  const name = 'Intents of the day against their 4-week share';
  if (intents.length === 0) return { name, spec: null, summary: 'No intents were counted.' };
  const daySeries = days.partial ? 'The day so far' : 'The day';
  const baseSeries = '4-week share';
  const rows = intents.map((intent) => ({
    intent,
    day: ratio(day[intent] ?? 0, dayVolume) ?? 0,
    base: ratio(base[intent] ?? 0, baseVolume) ?? 0,
  }));
  const rise = rows.reduce((a, b) => (b.day - b.base > a.day - a.base ? b : a));
  const summary =
    `Share of engagements with each intent (an engagement may have several). ` +
    rows.map((r) => `${r.intent} ${formatPercent(r.day)} (4 weeks: ${formatPercent(r.base)})`).join('; ') +
    `. Largest rise: ${rise.intent}.`;
  const spec: TopLevelSpec = {
    width: 480,
    config: CONFIG,
    data: {
      values: rows.flatMap((r) => [
        { intent: r.intent, period: daySeries, share: r.day },
        { intent: r.intent, period: baseSeries, share: r.base },
      ]),
    },
    mark: 'bar',
    height: { step: 12 },
    encoding: {
      y: { field: 'intent', type: 'nominal', title: null, sort: intents },
      yOffset: { field: 'period', type: 'nominal', sort: [daySeries, baseSeries] },
      x: {
        field: 'share',
        type: 'quantitative',
        title: 'Share of engagements',
        axis: { format: '.0%', tickCount: 5 },
      },
      color: {
        field: 'period',
        type: 'nominal',
        title: null,
        scale: { domain: [daySeries, baseSeries], range: [COLOURS.day, COLOURS.baseline] },
      },
    },
  };
  return { name, spec, summary };
}

/** (d) First-response compliance per department, on the day and over the 4 weeks. */
function complianceChart(service: ServiceRow[], partial: boolean): Chart {
  const rows = service.filter((s) => s.firstResponse.compliance !== null || s.baseline.compliance !== null);
  const name = 'First-response SLA compliance by department';
  if (rows.length === 0) return { name, spec: null, summary: 'No first responses were reported.' };
  const daySeries = partial ? 'The day so far' : 'The day';
  const baseSeries = '4 weeks';
  const pct = (c: number | null) => (c === null ? 'no responses' : formatPercent(c));
  const summary =
    'Share of first responses within the SLA. ' +
    rows
      .map((r) => `${r.department.name}: ${pct(r.firstResponse.compliance)} (4 weeks: ${pct(r.baseline.compliance)})`)
      .join('; ') +
    '.';
  const names = rows.map((r) => r.department.name);
  const spec: TopLevelSpec = {
    width: 480,
    config: CONFIG,
    data: {
      values: rows.flatMap((r) => [
        ...(r.firstResponse.compliance === null
          ? []
          : [{ department: r.department.name, period: daySeries, compliance: r.firstResponse.compliance }]),
        ...(r.baseline.compliance === null
          ? []
          : [{ department: r.department.name, period: baseSeries, compliance: r.baseline.compliance }]),
      ]),
    },
    mark: 'bar',
    height: { step: 12 },
    encoding: {
      y: { field: 'department', type: 'nominal', title: null, sort: names },
      yOffset: { field: 'period', type: 'nominal', sort: [daySeries, baseSeries] },
      x: {
        field: 'compliance',
        type: 'quantitative',
        title: 'First responses within SLA',
        scale: { domain: [0, 1] },
        axis: { format: '.0%' },
      },
      color: {
        field: 'period',
        type: 'nominal',
        title: null,
        scale: { domain: [daySeries, baseSeries], range: [COLOURS.day, COLOURS.baseline] },
      },
    },
  };
  return { name, spec, summary };
}

// ---------------------------------------------------------------------------------------------
// Service per department

interface ServiceRow {
  department: Department;
  routed: number;
  firstResponse: ResponseFigures;
  /** First responses over the 4 weeks (the same hours, for a partial day). */
  baseline: ResponseFigures;
  breaches: Record<string, number>;
}

/** The configured departments, then any the hours name that the list does not (by id). */
function departmentsOf(configured: Department[], hours: readonly HourRollup[]): Department[] {
  const known = new Set(configured.map((d) => d.id));
  const seen = new Set(
    hours.flatMap((h) => [...Object.keys(h.byDepartment ?? {}), ...Object.keys(h.firstResponse ?? {})]),
  );
  return [...configured, ...[...seen].filter((id) => !known.has(id)).map((id) => ({ id, name: id }))];
}

function serviceRows(days: Days, departments: Department[]): ServiceRow[] {
  const base = baselineHours(days);
  const times = (hours: readonly HourRollup[], id: string): (ResponseTimes | undefined)[] =>
    hours.map((h) => h.firstResponse?.[id]);
  return departments.map((department) => ({
    department,
    routed: sum(days.day.map((h) => h.byDepartment?.[department.id] ?? 0)),
    firstResponse: responseFigures(times(days.day, department.id)),
    baseline: responseFigures(times(base, department.id)),
    breaches: sumBy(days.day, (h) => h.breaches?.[department.id]),
  }));
}

const SLA_NAMES: Record<string, string> = {
  firstResponse: 'first response',
  resolution: 'resolution',
  approval: 'approval',
};

/** An SLA as configured (`PT1H`) in words (`first response 1 h`). */
function slaText(sla: Department['sla']): string {
  const parts = Object.entries(sla ?? {}).flatMap(([kind, duration]) => {
    if (typeof duration !== 'string') return [];
    const ms = parseDurationMs(duration);
    return [`${SLA_NAMES[kind] ?? kind} ${ms === undefined ? duration : formatSeconds(ms / 1000)}`];
  });
  return parts.length ? parts.join(', ') : 'none';
}

function serviceTable(rows: ServiceRow[]): string {
  if (rows.length === 0) return '<p>No departments.</p>';
  const body = rows
    .map((r) => {
      const total = sum(Object.values(r.breaches));
      const detail = Object.entries(r.breaches)
        .filter(([, n]) => n > 0)
        .map(([sla, n]) => `${SLA_NAMES[sla] ?? sla} ${formatNumber(n)}`)
        .join(', ');
      return tr([
        th(escapeHtml(r.department.name)),
        td(escapeHtml(slaText(r.department.sla))),
        td(dataCell(r.routed, 'count'), 'num'),
        td(dataCell(r.firstResponse.count, 'count'), 'num'),
        td(escapeHtml(formatSeconds(r.firstResponse.p50)), 'num'),
        td(escapeHtml(formatSeconds(r.firstResponse.p90)), 'num'),
        td(dataCell(r.firstResponse.compliance, 'rate'), 'num'),
        td(dataCell(total, 'count') + (detail ? ` (${escapeHtml(detail)})` : ''), 'num'),
      ]);
    })
    .join('\n');
  return table(
    'service-table',
    'SLA results per department on the day: engagements routed, first responses with their median (p50) and 90th percentile (p90) times, the share within the SLA, and SLA breaches.',
    ['Department', 'SLA', 'Routed', 'First responses', 'p50', 'p90', 'Within SLA', 'Breaches'],
    body,
  );
}

// ---------------------------------------------------------------------------------------------
// Sections

const th = (html: string): string => `<th scope="row">${html}</th>`;
const td = (html: string, cls?: string): string => (cls ? `<td class="${cls}">${html}</td>` : `<td>${html}</td>`);
const tr = (cells: string[]): string => `<tr>${cells.join('')}</tr>`;

/** A table with a caption and column headers; `body` is rows already rendered (and escaped). */
function table(id: string, caption: string, headers: string[], body: string): string {
  const head = headers.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('');
  return `<table id="${id}"><caption>${escapeHtml(caption)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const section = (id: string, title: string, html: string): string =>
  `<section aria-labelledby="${id}"><h2 id="${id}">${escapeHtml(title)}</h2>\n${html}\n</section>`;

/** The console link, when it is a web address (anything else, `javascript:` included, is left out). */
function consoleLink(url: string | undefined): string {
  if (!url) return '';
  try {
    const { protocol } = new URL(url);
    if (protocol !== 'https:' && protocol !== 'http:') return '';
  } catch {
    return '';
  }
  return `<p><a href="${escapeHtml(url)}">Open the console</a> for the live feed and the details.</p>`;
}

function headerSection(input: DigestInput, days: Days): string {
  const day = `${weekdayOf(input.date)} ${input.date}`;
  const partial = input.partial
    ? `<p class="partial"><strong>Partial day:</strong> figures so far, to ${formatTime(input.generatedAt)}; ` +
      `compared with the same hours (00:00 to ${hourLabel(days.cutoff % 24)} UTC) of earlier days.</p>`
    : '';
  return (
    `<header><h1>Daily digest: ${escapeHtml(day)}</h1>` +
    `<p class="meta">The UTC day ${escapeHtml(input.date)}, generated ${escapeHtml(formatTime(input.generatedAt))}.</p>` +
    `${partial}${consoleLink(input.consoleUrl)}</header>`
  );
}

function headlineSection(days: Days): string {
  const weekday = weekdayOf(days.date);
  const rows = headlineFigures(days)
    .map((f) => {
      const against = [f.sameWeekday, f.daily].map((base) => {
        const { words, verdict } = describeChange(f.day, base, f.kind, f.better);
        return td(`${words ? `${escapeHtml(words)} ` : ''}${dataCell(base, f.kind)}${escapeHtml(verdict)}`);
      });
      return `<tr id="figure-${f.id}">${th(escapeHtml(f.label))}${td(dataCell(f.day, f.kind), 'num')}${against.join('')}</tr>`;
    })
    .join('\n');
  return section(
    'headline',
    'The day in figures',
    table(
      'headline-table',
      `The day${days.partial ? ' so far' : ''} against the average ${weekday} of the previous 4 weeks and the 28-day daily average. Shares are over all the days' engagements together.`,
      ['Figure', 'The day', `Against the average ${weekday}`, 'Against the 28-day daily average'],
      rows,
    ),
  );
}

/** The crisis state, and the day's spikes. */
function crisisSection(crisis: CrisisStatus, spikes: SpikeRow[], date: string): string {
  return section('crisis', 'Crisis mode and spikes', `${crisisText(crisis)}\n${spikesTable(spikes, date)}`);
}

function crisisText(crisis: CrisisStatus): string {
  if (crisis.active) {
    const { cause } = crisis;
    const why =
      cause.by === 'spike'
        ? `started by a spike: ${cause.spike} on ${cause.key}, score ${formatNumber(cause.score)}`
        : `started by hand${cause.actor ? ` by ${cause.actor}` : ''}: ${cause.reason}`;
    return `<p class="crisis-on"><strong>Crisis mode is on</strong> (${escapeHtml(crisis.crisisId)}) since ${escapeHtml(formatTime(crisis.startedAt))}, ${escapeHtml(why)}.</p>`;
  }
  if (!crisis.last) return '<p>Crisis mode is off. No crisis on record.</p>';
  const { crisisId, startedAt, endedAt, endedBy } = crisis.last;
  return (
    `<p>Crisis mode is off. The last crisis (${escapeHtml(crisisId)}) ran from ${escapeHtml(formatTime(startedAt))} ` +
    `to ${escapeHtml(formatTime(endedAt))} and was ended ${endedBy === 'auto' ? 'automatically' : 'by hand'}.</p>`
  );
}

function spikesTable(spikes: SpikeRow[], date: string): string {
  if (spikes.length === 0) return `<p>No spikes were detected on ${escapeHtml(date)}.</p>`;
  const body = [...spikes]
    .sort((a, b) => a.at.localeCompare(b.at))
    .map((s) =>
      tr([
        th(escapeHtml(formatTime(s.at))),
        td(escapeHtml(s.spike)),
        td(escapeHtml(s.key)),
        td(escapeHtml(s.window)),
        td(dataCell(s.observed, 'count'), 'num'),
        td(dataCell(s.expected, 'count'), 'num'),
        td(dataCell(s.score, 'count'), 'num'),
      ]),
    )
    .join('\n');
  return table(
    'spikes-table',
    `Spikes detected on ${date}: what was counted over the window against what was expected.`,
    ['At', 'Spike', 'Key', 'Window', 'Observed', 'Expected', 'Score'],
    body,
  );
}

/**
 * Top topics: the day's keywords, most first, against their daily average over the 28 days
 * before (days without the keyword count as 0). A keyword none of those days had is new.
 */
function topicsTable(keywords: DayKeywords[], date: string, partial: boolean): string {
  const first = addDays(date, -BASELINE_DAYS);
  const day = keywords.find((k) => k.day === date)?.counts ?? {};
  const before = sumRecords(keywords.filter((k) => k.day >= first && k.day < date).map((k) => k.counts));
  const top = Object.entries(day)
    .filter(([, n]) => n > 0)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .slice(0, TOP_TOPICS);
  if (top.length === 0) return `<p>No topics were counted on ${escapeHtml(date)}.</p>`;
  const body = top
    .map(([keyword, n]) => {
      const average = (before[keyword] ?? 0) / BASELINE_DAYS;
      const change =
        average === 0
          ? '<strong class="new">New topic</strong>'
          : `${n >= average ? 'up' : 'down'} ${formatPercent(Math.abs(n - average) / average)}`;
      return tr([
        th(escapeHtml(keyword)),
        td(dataCell(n, 'count'), 'num'),
        td(dataCell(average, 'count'), 'num'),
        td(change),
      ]);
    })
    .join('\n');
  return table(
    'topics-table',
    `Top topics: the keywords of ${date}${partial ? ' so far' : ''}, most mentioned first, against their daily average over the previous 28 days.`,
    ['Topic', 'Mentions', '28-day daily average', 'Change'],
    body,
  );
}

/** Text cut to `TEXT_LIMIT` characters (whole code points), before it is escaped. */
function shorten(text: string): string {
  const chars = [...text];
  return chars.length <= TEXT_LIMIT ? text : `${chars.slice(0, TEXT_LIMIT - 1).join('')}…`;
}

/** A `lang` attribute for a language code that is one (BCP 47 shape, not `und`). */
function langAttribute(code: string): string {
  return /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(code) && code !== 'und' ? ` lang="${code}"` : '';
}

/** The engagements picked for a leader's eye: their text (cut), where from, where to, and why. */
function attentionSection(rows: AttentionRow[], departments: Department[]): string {
  const names = new Map(departments.map((d) => [d.id, d.name]));
  const title = "Needs a leader's eye";
  if (rows.length === 0) return section('attention', title, '<p>Nothing was picked out for a leader today.</p>');
  const body = rows
    .slice(0, MAX_ATTENTION)
    .map((r) =>
      tr([
        td(
          `<blockquote dir="auto"${langAttribute(r.language)}>${escapeHtml(shorten(r.text)) || '<em>(text no longer stored)</em>'}</blockquote>` +
            `<span class="meta">${escapeHtml(formatTime(r.receivedAt))}</span>`,
        ),
        td(escapeHtml(r.platform)),
        td(escapeHtml(r.departments.map((d) => `${names.get(d.id) ?? d.id} (${d.state})`).join(', '))),
        td(escapeHtml(r.priority)),
        td(`<ul>${r.reasons.map((reason) => `<li>${escapeHtml(reason)}</li>`).join('')}</ul>`),
      ]),
    )
    .join('\n');
  return section(
    'attention',
    title,
    table(
      'attention-table',
      'Engagements picked out for a leader, with the reasons they were picked.',
      ['Engagement', 'Platform', 'Departments', 'Priority', 'Reasons'],
      body,
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// The page

/**
 * Nothing may load: no scripts, no fonts, no images, no frames. Only the inline style applies.
 * Mail clients ignore it, but a digest opened in a browser from the console or an archive gets it.
 */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

const STYLE = `
:root { color-scheme: light; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1c2430; background: #fff; margin: 0 auto; padding: 1.5rem; max-width: 62rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .75rem; border-bottom: 2px solid #d5dbe1; padding-bottom: .25rem; }
.meta { color: #4a5563; font-size: .9rem; }
.partial { background: #fff4d6; border-left: 4px solid #b7791f; padding: .5rem .75rem; }
.crisis-on { background: #fde2e1; border-left: 4px solid #c0392b; padding: .5rem .75rem; }
.new { color: #8a1c12; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; font-size: .92rem; }
caption { text-align: left; font-weight: 600; padding-bottom: .4rem; }
th, td { border-bottom: 1px solid #e3e7eb; padding: .35rem .5rem; text-align: left; vertical-align: top; }
thead th { background: #f3f5f7; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
blockquote { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
ul { margin: 0; padding-left: 1.1rem; }
figure { margin: 1rem 0 1.5rem; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-size: .9rem; color: #333d4a; margin-top: .25rem; }
a { color: #1f5fa8; }
@media print { body { max-width: none; } section { break-inside: avoid-page; } }
`;

/** The document around the sections; markup that is valid HTML and well-formed XML alike. */
function page(title: string, header: string, sections: string[]): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8" />',
    '<meta name="viewport" content="width=device-width, initial-scale=1" />',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}" />`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    header,
    '<main>',
    ...sections,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
