// Service: per department, how much was routed, how fast it was answered and resolved (median
// and 90th percentile), how often within the SLA, the breaches and the replies published; and
// a chart of the breaches.
import {
  bindChoice,
  chartBase,
  el,
  formatCount,
  formatDuration,
  formatPercent,
  getJson,
  initPage,
  isoDurationSeconds,
  numCell,
  poll,
  renderChart,
  replaceChildren,
  setStatus,
  timeEl,
  fillRows,
} from './console.js';

const SLAS = [
  { key: 'firstResponse', label: 'first response' },
  { key: 'resolution', label: 'resolution' },
  { key: 'approval', label: 'approval' },
];

initPage();

let days = bindChoice(document.getElementById('period'), 'days', (value) => {
  days = value;
  refresh();
});
const refresh = poll(load, 60_000);

async function load() {
  const asked = days;
  let service;
  try {
    service = await getJson('service', { days: asked });
  } catch (err) {
    setStatus(`Could not load the service figures (${err.message}); trying again in a minute.`, { error: true });
    return;
  }
  if (asked !== days) return;
  setStatus('');
  replaceChildren(
    document.getElementById('service-period'),
    'From ',
    timeEl(service.from),
    ' to ',
    timeEl(service.to),
    '.',
  );
  fillRows(
    document.querySelector('#service tbody'),
    service.departments,
    (d) => [
      el('th', { scope: 'row' }, d.name, slaNote(d.sla)),
      numCell(formatCount(d.routed)),
      numCell(formatDuration(d.firstResponse.p50)),
      numCell(formatDuration(d.firstResponse.p90)),
      numCell(formatPercent(d.firstResponse.compliance)),
      numCell(formatDuration(d.resolution.p50)),
      numCell(formatDuration(d.resolution.p90)),
      numCell(formatPercent(d.resolution.compliance)),
      numCell(formatCount(d.breaches.firstResponse)),
      numCell(formatCount(d.breaches.resolution)),
      numCell(formatCount(d.breaches.approval)),
      numCell(formatCount(d.repliesPublished)),
    ],
    'No departments.',
    12,
  );
  await drawBreaches(service.departments);
}

/** The SLA as configured, in words under the department's name ("SLA: first response 1 h"). */
function slaNote(sla) {
  const parts = ['firstResponse', 'resolution']
    .filter((k) => sla?.[k])
    .map((k) => {
      const seconds = isoDurationSeconds(sla[k]);
      return `${k === 'firstResponse' ? 'first response' : 'resolution'} ${seconds === undefined ? sla[k] : formatDuration(seconds)}`;
    });
  return parts.length ? [el('br'), el('span', { className: 'muted' }, `SLA: ${parts.join(', ')}`)] : null;
}

async function drawBreaches(departments) {
  const values = departments.flatMap((d) =>
    SLAS.map((s) => ({ department: d.name, sla: s.label, count: d.breaches[s.key] ?? 0 })).filter((v) => v.count > 0),
  );
  const words = departments
    .map((d) => {
      const total = SLAS.reduce((sum, s) => sum + (d.breaches[s.key] ?? 0), 0);
      const detail = SLAS.filter((s) => d.breaches[s.key]).map((s) => `${formatCount(d.breaches[s.key])} ${s.label}`);
      return `${d.name} ${formatCount(total)}${detail.length ? ` (${detail.join(', ')})` : ''}`;
    })
    .join('; ');
  const summary = `SLA breaches by department over the last ${days} days: ${words || 'none'}.`;
  document.getElementById('chart-breaches-summary').textContent = summary;
  await renderChart(document.getElementById('chart-breaches'), {
    ...chartBase(summary),
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'department', type: 'nominal', title: null, sort: departments.map((d) => d.name) },
      x: {
        field: 'count',
        type: 'quantitative',
        aggregate: 'sum',
        stack: 'zero',
        title: 'Breaches',
        axis: { tickMinStep: 1 },
      },
      color: {
        field: 'sla',
        type: 'nominal',
        title: 'SLA',
        scale: { domain: SLAS.map((s) => s.label), range: ['#c62828', '#8a4b00', '#5e35b1'] },
      },
      tooltip: [
        { field: 'department', type: 'nominal', title: 'Department' },
        { field: 'sla', type: 'nominal', title: 'SLA' },
        { field: 'count', type: 'quantitative', aggregate: 'sum', title: 'Breaches' },
      ],
    },
  });
}
