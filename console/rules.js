// Rules: which routing rules fired how often over the period, which never fired (candidates
// to review), how many engagements matched none, and a bar chart of the fires.
import {
  bindChoice,
  chartBase,
  el,
  fillRows,
  formatCount,
  getJson,
  initPage,
  numCell,
  poll,
  renderChart,
  replaceChildren,
  setStatus,
  timeEl,
  totalsText,
} from './console.js';

initPage();

let days = bindChoice(document.getElementById('period'), 'days', (value) => {
  days = value;
  refresh();
});
const refresh = poll(load, 60_000);

async function load() {
  const asked = days;
  let data;
  try {
    data = await getJson('rules', { days: asked });
  } catch (err) {
    setStatus(`Could not load the rules (${err.message}); trying again in a minute.`, { error: true });
    return;
  }
  if (asked !== days) return;
  setStatus('');
  document.getElementById('config-version').textContent = data.configVersion;
  replaceChildren(document.getElementById('rules-period'), timeEl(data.from), ' to ', timeEl(data.to));
  document.getElementById('unmatched').textContent = formatCount(data.unmatched);

  const rules = [...data.rules].sort((a, b) => b.fired - a.fired || a.id.localeCompare(b.id));
  fillRows(
    document.querySelector('#rules tbody'),
    rules,
    (r) => [el('th', { scope: 'row' }, r.id), r.routeTo.join(', ') || '—', r.priority, numCell(formatCount(r.fired))],
    'The config has no routing rules.',
    4,
  );

  replaceChildren(
    document.getElementById('never-fired'),
    data.neverFired.length === 0
      ? el('li', { className: 'muted' }, 'Every rule fired at least once.')
      : data.neverFired.map((id) => el('li', {}, id)),
  );

  const fired = rules.filter((r) => r.fired > 0);
  const summary = `Fires per rule over the last ${days} days: ${totalsText(Object.fromEntries(fired.map((r) => [r.id, r.fired])))}.`;
  document.getElementById('chart-fires-summary').textContent = summary;
  await renderChart(document.getElementById('chart-fires'), {
    ...chartBase(summary),
    height: { step: 22 },
    data: { values: fired.map((r) => ({ rule: r.id, fired: r.fired })) },
    mark: { type: 'bar', color: '#0b57d0' },
    encoding: {
      y: { field: 'rule', type: 'nominal', title: null, sort: '-x' },
      x: { field: 'fired', type: 'quantitative', title: 'Times fired', axis: { tickMinStep: 1 } },
      tooltip: [
        { field: 'rule', type: 'nominal', title: 'Rule' },
        { field: 'fired', type: 'quantitative', title: 'Fired' },
      ],
    },
  });
}
