import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { CrisisStatus } from '#core/management/console-api-types.js';
import { type AttentionRow, type DigestInput, escapeHtml, renderDigest } from '#core/management/digest.js';
import { responseBucket } from '#core/management/response-times.js';
import type { DayKeywords, HourRollup, ResponseTimes } from '#core/management/rollup.js';

// The reported day is a Sunday; the baseline is the 28 days before it, four of them Sundays.
const DATE = '2026-12-06';
const FIRST = Date.parse('2026-11-08T00:00:00.000Z');
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const CONSOLE = 'https://console.example.com/switchboard/';
const HOSTILE = '<img src=x onerror=alert(1)>';
const SLA_SECONDS = 3600;

/**
 * What happened in one hour, in plain numbers. The rollups are built from these, and the expected
 * figures are summed from these: the test never reads a figure back through the digest's own code.
 */
interface HourSpec {
  day: number; // 0–27 the baseline, 28 the reported day
  hour: number;
  engagements: number;
  negative: number;
  positive: number;
  /** Engagements without a sentiment (the rest are neutral). */
  unlabelled: number;
  /** First-response times of `care`, in seconds. */
  careResponses: number[];
  breaches: number;
  replies: number;
}

const isSunday = (day: number) => day % 7 === 0;
const burst = (day: number, hour: number) => day === 28 && hour >= 14 && hour < 18;

/** A quiet night, a busy day; Sundays a third as busy; on the reported day, a burst of complaints 14:00–18:00. */
function specOf(day: number, hour: number): HourSpec {
  const daytime = hour >= 8 && hour < 20;
  const base = hour < 6 ? 0 : daytime ? (isSunday(day) ? 4 : 12) : 1;
  const extra = burst(day, hour) ? 30 : 0;
  const careResponses = base === 0 ? [] : burst(day, hour) ? [5400, 7200, 9000] : base >= 4 ? [300, 900, 5400] : [600];
  return {
    day,
    hour,
    engagements: base + extra,
    negative: Math.floor(base / 4) + extra,
    positive: Math.floor(base / 3),
    unlabelled: base >= 4 ? 1 : 0,
    careResponses,
    breaches: careResponses.filter((s) => s > SLA_SECONDS).length,
    replies: careResponses.length,
  };
}

const SPECS: HourSpec[] = Array.from({ length: 29 * 24 }, (_, i) => specOf(Math.floor(i / 24), i % 24));

function timesOf(seconds: number[]): ResponseTimes {
  const buckets: Record<string, number> = {};
  for (const s of seconds) buckets[responseBucket(s)] = (buckets[responseBucket(s)] ?? 0) + 1;
  return { count: seconds.length, met: seconds.filter((s) => s <= SLA_SECONDS).length, buckets };
}

function rollupOf(s: HourSpec): HourRollup {
  const neutral = s.engagements - s.negative - s.positive - s.unlabelled;
  return {
    hour: new Date(FIRST + s.day * DAY_MS + s.hour * HOUR_MS).toISOString(),
    engagements: s.engagements,
    byPlatform: { x: s.engagements },
    byDepartment: { care: s.engagements, ...(s.negative ? { billing: s.negative } : {}) },
    byIntent: { question: s.engagements - s.negative, ...(s.negative ? { complaint: s.negative } : {}) },
    bySentiment: { negative: s.negative, positive: s.positive, neutral },
    byLanguage: { en: s.engagements },
    byPriority: { normal: s.engagements },
    byRule: {},
    firstResponse: {
      care: timesOf(s.careResponses),
      ...(s.negative ? { billing: timesOf([1800]) } : {}),
    },
    resolution: {},
    breaches: s.breaches ? { care: { firstResponse: s.breaches } } : {},
    repliesPublished: s.replies ? { care: s.replies } : {},
  };
}

// Hours with nothing in them are left out, as the rollup store leaves them out.
const HOURS: HourRollup[] = SPECS.filter((s) => s.engagements > 0).map(rollupOf);

const KEYWORDS: DayKeywords[] = [
  ...Array.from({ length: 28 }, (_, d) => ({
    day: new Date(FIRST + d * DAY_MS).toISOString().slice(0, 10),
    counts: { refund: 3, ...(d % 2 === 0 ? { delivery: 2 } : {}) },
  })),
  { day: DATE, counts: { refund: 12, delivery: 2, outage: 15, 'r&d <lab>': 1 } },
];

const ATTENTION: AttentionRow[] = [
  {
    id: 'x:1',
    receivedAt: '2026-12-06T14:12:00.000Z',
    platform: 'x',
    kind: 'post',
    text: HOSTILE,
    departments: [{ id: 'care', state: 'open' }],
    priority: 'high',
    intents: ['complaint'],
    sentiment: 'negative',
    language: 'en',
    rules: ['complaints'],
    reasons: ['negative, high reach', '<script>alert(2)</script>'],
  },
];

const CRISIS: CrisisStatus = {
  active: true,
  crisisId: 'crisis-1',
  startedAt: '2026-12-06T15:05:00.000Z',
  cause: { by: 'manual', reason: 'Outage <b>everywhere</b>', actor: 'ops' },
};

function input(overrides: Partial<DigestInput> = {}): DigestInput {
  return {
    date: DATE,
    generatedAt: '2026-12-07T00:05:00.000Z',
    partial: false,
    hours: HOURS,
    keywords: KEYWORDS,
    departments: [
      { id: 'care', name: 'Customer Care', sla: { firstResponse: 'PT1H', resolution: 'P1D' } },
      { id: 'billing', name: 'Billing & Refunds' },
    ],
    attention: ATTENTION,
    spikes: [
      {
        spike: 'volume',
        key: 'intent:complaint',
        window: 'PT1H',
        observed: 34,
        expected: 1.5,
        score: 9.3,
        at: '2026-12-06T15:00:00.000Z',
      },
    ],
    crisis: CRISIS,
    consoleUrl: CONSOLE,
    ...overrides,
  };
}

// --- expected figures, summed from the specs -------------------------------------------------

const total = (specs: HourSpec[], pick: (s: HourSpec) => number) => specs.reduce((a, s) => a + pick(s), 0);
const dayOf = (day: number, beforeHour = 24) => SPECS.filter((s) => s.day === day && s.hour < beforeHour);
const baseline = (beforeHour = 24) => SPECS.filter((s) => s.day < 28 && s.hour < beforeHour);
const sundays = (beforeHour = 24) => baseline(beforeHour).filter((s) => isSunday(s.day));

const volume = (specs: HourSpec[]) => total(specs, (s) => s.engagements);
const negativeShare = (specs: HourSpec[]) =>
  total(specs, (s) => s.negative) / total(specs, (s) => s.engagements - s.unlabelled);
const compliance = (specs: HourSpec[]) => {
  // care's and billing's first responses (billing answers each hour with complaints in 30 min)
  const care = specs.flatMap((s) => s.careResponses);
  const billing = specs.filter((s) => s.negative > 0).length;
  return (care.filter((t) => t <= SLA_SECONDS).length + billing) / (care.length + billing);
};

/** The `<data value>`s of a headline row: the day, the same-weekday average, the 28-day average. */
function figureValues(html: string, id: string): number[] {
  const row = new RegExp(`<tr id="figure-${id}">(.*?)</tr>`).exec(html)?.[1];
  expect(row).toBeDefined();
  return [...row!.matchAll(/<data value="([^"]+)">/g)].map((m) => Number(m[1]));
}

const rowOf = (html: string, header: string) =>
  new RegExp(`<tr><th scope="row">${escapeRegExp(header)}</th>(.*?)</tr>`).exec(html)?.[1] ?? '';
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('the daily digest', () => {
  let html: string;

  beforeAll(async () => {
    html = await renderDigest(input());
  });

  it('is one whole, self-contained document', () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    // The markup is kept well-formed XML, so an XML parser checks the whole document.
    expect(XMLValidator.validate(html)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false }).parse(html);
    expect(doc.html['@_lang']).toBe('en');
    expect(doc.html.head.title).toContain(DATE);
    expect(doc.html.head.style).toBeDefined();
    expect(doc.html.body.header.h1).toContain('Sunday');
    expect(doc.html.body.main.section.length).toBeGreaterThanOrEqual(6);
    for (const section of doc.html.body.main.section) expect(section.h2['#text'] ?? section.h2).toBeTruthy();

    expect(html).not.toMatch(/<script|<link|<img|<iframe|<object|<embed|@import|url\(/i);
    // No element loads anything; the one link is the console's.
    expect(html).not.toMatch(/<[^>]*\ssrc\s*=/i);
    const links = [...html.matchAll(/<[^>]*\shref\s*=\s*"([^"]*)"/gi)].map((m) => m[1]);
    expect(links).toEqual([CONSOLE]);
  });

  it('draws at least four charts as inline SVG, each a labelled figure with a caption in words', () => {
    const figures = [...html.matchAll(/<figure>(.*?)<\/figure>/gs)].map((m) => m[1]!);
    const charts = figures.filter((f) => f.includes('<svg'));
    expect(charts.length).toBeGreaterThanOrEqual(4);
    expect(html.match(/<svg[\s>]/g)?.length).toBeGreaterThanOrEqual(4);
    for (const chart of charts) {
      expect(chart).toMatch(/^<svg role="img" aria-label="[^"]{10,}"/);
      expect(chart).toMatch(/<\/svg><figcaption>.{40,}<\/figcaption>$/s);
    }
    expect(html).not.toContain('<?xml');
  });

  it('states the headline figures against the same weekday and the 28-day daily average', () => {
    const day = dayOf(28);
    expect(figureValues(html, 'volume')).toEqual([volume(day), volume(sundays()) / 4, volume(baseline()) / 28]);
    // A rise, said in words: "up 222.2% on 54".
    const rise = Math.round(((volume(day) - volume(sundays()) / 4) / (volume(sundays()) / 4)) * 1000) / 10;
    expect(html).toMatch(new RegExp(`<tr id="figure-volume">.*up ${rise}% on <data value="${volume(sundays()) / 4}">`));

    const [negative, negativeSunday, negativeDaily] = figureValues(html, 'negative');
    expect(negative).toBeCloseTo(negativeShare(day), 10);
    expect(negativeSunday).toBeCloseTo(negativeShare(sundays()), 10);
    expect(negativeDaily).toBeCloseTo(negativeShare(baseline()), 10);
    expect(html).toMatch(/<tr id="figure-negative">.*up [\d.]+ points on .*\(worse\)/);

    const [met, metSunday, metDaily] = figureValues(html, 'compliance');
    expect(met).toBeCloseTo(compliance(day), 10);
    expect(metSunday).toBeCloseTo(compliance(sundays()), 10);
    expect(metDaily).toBeCloseTo(compliance(baseline()), 10);
    expect(html).toMatch(/<tr id="figure-compliance">.*down [\d.]+ points on .*\(worse\)/);

    const breaches = (specs: HourSpec[]) => total(specs, (s) => s.breaches);
    expect(figureValues(html, 'breaches')).toEqual([breaches(day), breaches(sundays()) / 4, breaches(baseline()) / 28]);
    const replies = (specs: HourSpec[]) => total(specs, (s) => s.replies);
    expect(figureValues(html, 'replies')).toEqual([replies(day), replies(sundays()) / 4, replies(baseline()) / 28]);
  });

  it('lists the top topics with their change, and flags a new one', () => {
    const refund = rowOf(html, 'refund');
    expect(refund).toContain('<data value="12">');
    expect(refund).toContain('<data value="3">'); // 3 a day for 28 days
    expect(refund).toContain('up 300%');
    expect(rowOf(html, 'delivery')).toContain('<data value="1">'); // 2 every other day
    expect(rowOf(html, 'delivery')).toContain('up 100%');
    expect(rowOf(html, 'outage')).toContain('New topic');
    expect(rowOf(html, 'refund')).not.toContain('New topic');
    // The most mentioned first.
    expect(html.indexOf('<th scope="row">outage</th>')).toBeLessThan(html.indexOf('<th scope="row">refund</th>'));
    expect(rowOf(html, 'r&amp;d &lt;lab&gt;')).toContain('New topic');
  });

  it('gives each department its SLA results', () => {
    const care = rowOf(html, 'Customer Care');
    expect(care).toContain('first response 1 h, resolution 24 h');
    const day = dayOf(28);
    expect(care).toContain(`<data value="${volume(day)}">`); // routed
    const careTimes = day.flatMap((s) => s.careResponses);
    expect(care).toContain(`<data value="${careTimes.length}">`);
    expect(care).toContain(`<data value="${careTimes.filter((t) => t <= SLA_SECONDS).length / careTimes.length}">`);
    // p50 and p90 of care's times: 900 s (15 min) and 7200 s (2 h), within the sketch's 2%.
    const sorted = [...careTimes].sort((a, b) => a - b);
    expect(sorted[Math.floor(0.5 * (sorted.length - 1))]).toBe(900);
    expect(sorted[Math.floor(0.9 * (sorted.length - 1))]).toBe(7200);
    expect(care).toMatch(/<td class="num">(14\.[7-9]|15(\.[0-3])?) min<\/td><td class="num">(1\.9|2(\.0)?) h<\/td>/);
    expect(rowOf(html, 'Billing &amp; Refunds')).toContain('<td class="num"><data value="1">100%</data></td>');
  });

  it('shows the crisis state and the spikes of the day', async () => {
    expect(html).toContain('Crisis mode is on');
    expect(html).toContain('Outage &lt;b&gt;everywhere&lt;/b&gt;');
    expect(html).toContain('<td>intent:complaint</td>');
    const off = await renderDigest(input({ crisis: { active: false }, spikes: [] }));
    expect(off).toContain('Crisis mode is off');
    expect(off).toContain('No spikes were detected');
  });

  it("escapes whatever the data says in the 'needs a leader's eye' list", () => {
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(html).not.toContain(HOSTILE);
    expect(html).toMatch(/<td>Customer Care \(open\)<\/td><td>high<\/td>/);
  });

  it('says when the day is only partial, and compares it with the same hours', async () => {
    expect(html).not.toContain('Partial day');
    const partial = await renderDigest(input({ partial: true, generatedAt: '2026-12-06T15:20:00.000Z' }));
    expect(partial).toContain('<strong>Partial day:</strong>');
    expect(partial).toContain('so far');
    // The hours begun by 15:20 (00:00 to 16:00) of the day, of the Sundays and of the 28 days.
    expect(figureValues(partial, 'volume')).toEqual([
      volume(dayOf(28, 16)),
      volume(sundays(16)) / 4,
      volume(baseline(16)) / 28,
    ]);
    expect(XMLValidator.validate(partial)).toBe(true);
  });

  it('renders an empty day without failing or printing NaN', async () => {
    const empty = await renderDigest(
      input({ hours: [], keywords: [], attention: [], spikes: [], crisis: { active: false }, departments: [] }),
    );
    expect(XMLValidator.validate(empty)).toBe(true);
    expect(empty).not.toMatch(/NaN|undefined|Infinity/);
    expect(empty).toContain('No topics were counted');
    expect(empty).toContain('Nothing was picked out');
  });

  it('leaves out a console link that is not a web address', async () => {
    const page = await renderDigest(input({ consoleUrl: 'javascript:alert(1)' }));
    expect(page).not.toMatch(/href=/);
    expect(page).not.toContain('javascript:');
  });

  it('refuses a date that is not a day', async () => {
    await expect(renderDigest(input({ date: '6/12/2026' }))).rejects.toThrow(RangeError);
  });
});

describe('escapeHtml', () => {
  it('escapes markup and quotes, and replaces characters no document may hold', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
    expect(escapeHtml('a\u0000b\u001bc\td\ne')).toBe('a\uFFFDb\uFFFDc\td\ne');
    expect(escapeHtml('lone \uD800 surrogate')).toBe('lone \uFFFD surrogate');
  });
});
