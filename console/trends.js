// Trends: hourly volume by platform, department, intent and sentiment (stacked bars, one chart
// each) and the top keywords, over 48 hours, 7 or 14 days. Rollups change slowly, so the page
// asks again once a minute rather than every 5 s.
import {
  bindChoice,
  chartBase,
  el,
  formatCount,
  getJson,
  initPage,
  poll,
  renderChart,
  replaceChildren,
  setStatus,
  timeEl,
  totalsText,
} from './console.js';

const BREAKDOWNS = [
  { id: 'platform', field: 'byPlatform', title: 'Platform' },
  { id: 'department', field: 'byDepartment', title: 'Department' },
  { id: 'intent', field: 'byIntent', title: 'Intent' },
  { id: 'sentiment', field: 'bySentiment', title: 'Sentiment' },
];
const RANGE_WORDS = { 48: 'the last 48 hours', 168: 'the last 7 days', 336: 'the last 14 days' };
/** Sentiment reads at a glance in these colours (and the legend names them, so colour is not the only cue). */
const SENTIMENT_SCALE = { domain: ['positive', 'neutral', 'negative'], range: ['#2e7d32', '#8d99a6', '#c62828'] };

initPage();

let hours = bindChoice(document.getElementById('range'), 'hours', (value) => {
  hours = value;
  refresh();
});
let departmentNames;

const refresh = poll(load, 60_000);

async function load() {
  if (!departmentNames) {
    // Names only make the legend friendlier; ids do when the meta is not there.
    departmentNames = await getJson('meta')
      .then((meta) => new Map(meta.departments.map((d) => [d.id, d.name])))
      .catch(() => undefined);
  }
  const asked = hours;
  let trends;
  try {
    trends = await getJson('trends', { hours: asked });
  } catch (err) {
    setStatus(`Could not load the trends (${err.message}); trying again in a minute.`, { error: true });
    return;
  }
  if (asked !== hours) return; // the range changed meanwhile; the queued run draws the new one
  setStatus('');
  const total = trends.hours.reduce((sum, h) => sum + h.engagements, 0);
  replaceChildren(
    document.getElementById('trends-total'),
    `${formatCount(total)} engagements from `,
    timeEl(trends.from),
    ' to ',
    timeEl(trends.to),
    '.',
  );
  await Promise.all(BREAKDOWNS.map((b) => drawBreakdown(b, trends.hours, trends)));
  drawKeywords(trends.topKeywords);
}

async function drawBreakdown({ id, field, title }, rollups, range) {
  const nameOf = id === 'department' ? (key) => departmentNames?.get(key) ?? key : (key) => key;
  const totals = {};
  const values = [];
  for (const h of rollups) {
    for (const [key, count] of Object.entries(h[field] ?? {})) {
      if (!count) continue;
      totals[key] = (totals[key] ?? 0) + count;
      values.push({ hour: h.hour, key: nameOf(key), count });
    }
  }
  const order = Object.keys(totals)
    .sort((a, b) => totals[b] - totals[a])
    .map(nameOf);
  const summary = `Engagements by ${id} over ${RANGE_WORDS[hours] ?? `the last ${hours} hours`}: ${totalsText(totals, nameOf)}.`;
  document.getElementById(`chart-${id}-summary`).textContent = summary;
  await renderChart(document.getElementById(`chart-${id}`), {
    ...chartBase(summary),
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      // The whole range asked for, not just the hours that had engagements, with a few ticks
      // (a narrow domain otherwise gets half-hour ticks that read as repeated hours).
      x: {
        field: 'hour',
        type: 'temporal',
        timeUnit: 'yearmonthdatehours',
        title: null,
        scale: { domain: [Date.parse(range.from), Date.parse(range.to)] },
        axis: { labelOverlap: true, format: '%b %d %H:%M', tickCount: hours <= 48 ? 8 : 7 },
      },
      y: { field: 'count', type: 'quantitative', aggregate: 'sum', stack: 'zero', title: 'Engagements' },
      color: {
        field: 'key',
        type: 'nominal',
        title,
        sort: order,
        ...(id === 'sentiment' ? { scale: SENTIMENT_SCALE } : {}),
      },
      tooltip: [
        { field: 'hour', type: 'temporal', timeUnit: 'yearmonthdatehours', title: 'Hour' },
        { field: 'key', type: 'nominal', title },
        { field: 'count', type: 'quantitative', aggregate: 'sum', title: 'Engagements' },
      ],
    },
  });
}

function drawKeywords(keywords) {
  replaceChildren(
    document.getElementById('keywords'),
    keywords.length === 0
      ? el('li', { className: 'muted' }, 'No keywords counted in this period.')
      : keywords.map((k) =>
          el('li', {}, `${k.keyword} `, el('span', { className: 'muted' }, `(${formatCount(k.count)})`)),
        ),
  );
}
