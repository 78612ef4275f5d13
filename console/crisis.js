// Crisis: whether crisis mode is on (why, since when) or when the last one was, the playbook
// it applies, and the recent spikes. It draws from the same `api/crisis` poll as the banner.
import {
  crisisCause,
  el,
  fillRows,
  formatCount,
  formatDuration,
  formatNumber,
  initPage,
  isoDurationSeconds,
  numCell,
  onCrisis,
  replaceChildren,
  setStatus,
  timeEl,
} from './console.js';

const state = document.getElementById('crisis-state');
let drawn;

initPage();
onCrisis((crisis, error) => {
  if (!crisis) {
    setStatus(`Could not load the crisis state (${error?.message ?? 'error'}); trying again in 5 seconds.`, {
      error: true,
    });
    return;
  }
  setStatus('');
  // Redraw only on change, so a reader's place in the tables is not lost every 5 s.
  const json = JSON.stringify(crisis);
  if (json === drawn) return;
  drawn = json;
  drawState(crisis.status);
  replaceChildren(
    document.getElementById('playbook'),
    crisis.playbook.length === 0
      ? el('li', { className: 'muted' }, 'The config has no crisis playbook.')
      : crisis.playbook.map((line) => el('li', {}, line)),
  );
  fillRows(
    document.querySelector('#spikes tbody'),
    crisis.spikes,
    (s) => [
      el('th', { scope: 'row' }, s.spike),
      s.key,
      windowText(s.window),
      numCell(formatCount(s.observed)),
      numCell(formatNumber(s.expected)),
      numCell(formatNumber(s.score)),
      el('td', {}, timeEl(s.at)),
    ],
    'No spikes in the last 7 days.',
    7,
  );
});

function drawState(status) {
  state.classList.toggle('active', status.active);
  if (status.active) {
    replaceChildren(
      state,
      el('p', {}, el('strong', {}, 'Crisis mode is on'), ' since ', timeEl(status.startedAt), '.'),
      facts([
        ['Cause', crisisCause(status)],
        ['Crisis', status.crisisId],
      ]),
    );
    return;
  }
  const last = status.last;
  replaceChildren(
    state,
    el('p', {}, el('strong', {}, 'Crisis mode is off.')),
    last
      ? [
          el('p', {}, 'The last crisis:'),
          facts([
            ['Started', timeEl(last.startedAt)],
            ['Ended', timeEl(last.endedAt)],
            ['Ended by', last.endedBy === 'auto' ? 'itself (spikes subsided)' : 'hand'],
            ['Cause', describeCause(last.cause)],
            ['Crisis', last.crisisId],
          ]),
        ]
      : el('p', { className: 'muted' }, 'No crisis on record.'),
  );
}

/** A past crisis's cause is stored loosely; spike and manual causes read as the banner words them. */
function describeCause(cause) {
  if (cause && (cause.by === 'spike' || cause.by === 'manual')) return crisisCause({ cause });
  return Object.entries(cause ?? {})
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(', ');
}

/** A spike's window is an ISO 8601 duration (`PT15M`); shown as "15 min", the raw value kept as a tooltip. */
function windowText(window) {
  const seconds = isoDurationSeconds(window);
  return seconds === undefined ? window : el('span', { title: window }, formatDuration(seconds));
}

function facts(pairs) {
  return el(
    'dl',
    { className: 'facts' },
    pairs.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value)]),
  );
}
