// Live feed: the newest engagements, filtered, asked for again every 5 s. Rows are kept by id
// between polls, so a row that did not change is not rebuilt (focus and selection inside it
// survive) and only the rows that are new are counted and announced.
import {
  el,
  fillSelect,
  getJson,
  initPage,
  poll,
  readQuery,
  replaceChildren,
  setStatus,
  timeEl,
  writeQuery,
} from './console.js';

const FILTERS = ['platform', 'department', 'intent', 'sentiment', 'language'];
const select = Object.fromEntries(FILTERS.map((name) => [name, document.getElementById(`filter-${name}`)]));
const tbody = document.querySelector('#feed tbody');
const announcer = document.getElementById('feed-announcer');
const updated = document.getElementById('feed-updated');
const digests = document.getElementById('digests');

/** id → { tr, json } of the rows on screen. */
let shown = new Map();
/** The filters the rows on screen were asked for (`undefined` before the first answer). */
let shownFilters;
let meta;
const departmentNames = new Map();

const currentFilters = () => Object.fromEntries(FILTERS.map((name) => [name, select[name].value]));

initPage();

// Filters come from the query string first, so a shared link shows the same rows at once,
// before the option lists arrive.
const fromQuery = readQuery(FILTERS);
for (const name of FILTERS) fillSelect(select[name], [], fromQuery[name]);

for (const name of FILTERS) select[name].addEventListener('change', filtersChanged);
document.getElementById('clear-filters').addEventListener('click', () => {
  for (const name of FILTERS) select[name].value = '';
  filtersChanged();
});

const refresh = poll(async () => {
  if (!meta) await loadMeta();
  await loadFeed();
});

function filtersChanged() {
  writeQuery(currentFilters());
  refresh();
}

async function loadMeta() {
  try {
    meta = await getJson('meta');
  } catch {
    return; // asked again with the next poll
  }
  for (const d of meta.departments) departmentNames.set(d.id, d.name);
  const ids = (list) => list.map((id) => ({ value: id, label: id }));
  const options = {
    platform: ids(meta.platforms),
    department: meta.departments.map((d) => ({ value: d.id, label: d.name })),
    intent: ids(meta.intents),
    sentiment: ids(meta.sentiments),
    language: ids(meta.languages),
  };
  // Keep what the reader has chosen meanwhile; refilling a list must not reset it.
  for (const name of FILTERS) fillSelect(select[name], options[name], select[name].value);
  replaceChildren(
    digests,
    meta.digests.length === 0
      ? el('li', { className: 'muted' }, 'No digests yet.')
      : meta.digests.map((d) =>
          el('li', {}, el('a', { href: digestHref(d) }, timeEl(d.date, { dateStyle: 'long', timeZone: 'UTC' }))),
        ),
  );
}

/** A digest's link: the API's relative url when it is one, else built from the date (never a `javascript:` URL). */
function digestHref(digest) {
  if (/^digests\/\d{4}-\d{2}-\d{2}\.html$/.test(digest.url)) return digest.url;
  return `digests/${encodeURIComponent(digest.date)}.html`;
}

async function loadFeed() {
  const filters = currentFilters();
  const key = JSON.stringify(filters);
  let feed;
  try {
    feed = await getJson('feed', { ...filters, limit: 50 });
  } catch (err) {
    setStatus(`Could not load the feed (${err.message}); trying again in 5 seconds.`, { error: true });
    return;
  }
  // The filters changed while this was on its way: its rows are not what the reader asked for,
  // and the run already queued for the new filters will draw them.
  if (key !== JSON.stringify(currentFilters())) return;
  setStatus('');
  const firstForFilters = key !== shownFilters;
  const added = render(feed.engagements, !firstForFilters);
  shownFilters = key;
  replaceChildren(updated, 'Updated ', timeEl(feed.generatedAt, { timeStyle: 'medium' }));
  // Not on the first load (the page is being read anyway); after a filter change, how many match.
  if (firstForFilters) {
    if (announcer.dataset.started) announce(`Showing ${count(feed.engagements.length)}.`);
  } else if (added > 0) announce(`${count(added, 'new engagement')}.`);
  announcer.dataset.started = '1';
}

const count = (n, noun = 'engagement') => `${n} ${noun}${n === 1 ? '' : 's'}`;

/**
 * Says `text` through the polite live region. It is emptied first and filled a moment later,
 * so the same words ("1 new engagement") are announced again when they happen again.
 */
function announce(text) {
  announcer.textContent = '';
  setTimeout(() => {
    announcer.textContent = text;
  }, 100);
}

/** Puts `engagements` on screen in order, reusing unchanged rows; returns how many ids are new. */
function render(engagements, highlight) {
  const next = new Map();
  let added = 0;
  for (const row of engagements) {
    const json = JSON.stringify(row);
    const old = shown.get(row.id);
    if (!old) added++;
    next.set(row.id, { tr: old && old.json === json ? old.tr : rowEl(row, highlight && !old), json });
  }
  const wanted = [...next.values()].map((v) => v.tr);
  if (wanted.length === 0) {
    wanted.push(el('tr', {}, el('td', { colSpan: 8, className: 'muted' }, 'No engagements match these filters.')));
  }
  const keep = new Set(wanted);
  const focused = document.activeElement;
  const focusedRow = focused && tbody.contains(focused) ? focused.closest('tr') : undefined;
  for (const tr of [...tbody.children]) if (!keep.has(tr)) tr.remove();
  // Insert around the rows that stay instead of re-appending them all: moving a node that holds focus drops it.
  wanted.forEach((tr, i) => {
    if (tbody.children[i] !== tr) tbody.insertBefore(tr, tbody.children[i] ?? null);
  });
  if (focusedRow && !focusedRow.isConnected)
    tbody.querySelector(`tr[data-id="${CSS.escape(focusedRow.dataset.id)}"] a`)?.focus();
  shown = next;
  return added;
}

function rowEl(row, isNew) {
  const safeUrl = /^https?:\/\//i.test(row.url ?? '') ? row.url : undefined;
  const text = row.text
    ? el('span', {}, row.text)
    : el('span', { className: 'muted' }, '(text erased or past retention)');
  const priorityClass = /^[a-z]+$/.test(row.priority) ? `priority-${row.priority}` : undefined;
  return el(
    'tr',
    { 'data-id': row.id, className: isNew ? 'new-row' : undefined },
    el('td', {}, timeEl(row.receivedAt, { dateStyle: 'short', timeStyle: 'medium' })),
    el('td', {}, row.platform, row.kind ? el('span', { className: 'muted' }, ` (${row.kind})`) : null),
    el(
      'td',
      { className: 'text' },
      text,
      safeUrl ? [' ', el('a', { href: safeUrl }, `View on ${row.platform}`)] : null,
    ),
    el(
      'td',
      {},
      row.departments.map((d) => el('span', { className: 'tag' }, `${departmentNames.get(d.id) ?? d.id} (${d.state})`)),
    ),
    el('td', { className: priorityClass }, row.priority),
    el(
      'td',
      {},
      row.intents.length
        ? row.intents.map((i) => el('span', { className: 'tag' }, i))
        : el('span', { className: 'muted' }, '—'),
    ),
    el('td', {}, row.sentiment ?? el('span', { className: 'muted' }, '—')),
    el('td', {}, row.language),
  );
}
