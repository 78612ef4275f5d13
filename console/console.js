// Shared code of the console pages: the API, the crisis banner, polling, the query string,
// small DOM and formatting helpers, and charts. Every string from the API reaches the page
// through textContent or an attribute, never through innerHTML.

import { authHeaders, signInAgain } from './auth.js';

/** The console folder, whatever prefix (stage, base path) the host serves it under. */
const BASE = new URL('./', import.meta.url);

/** How often pages ask again: the feed and the crisis state are "live". */
export const POLL_MS = 5000;

/** GETs `api/<name>` with the given query (empty values left out) and returns the parsed JSON. */
export async function getJson(name, params = {}) {
  const url = new URL(`api/${name}`, BASE);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, String(value));
  }
  const headers = { accept: 'application/json', ...(await authHeaders()) };
  const res = await fetch(url, { headers, cache: 'no-store' });
  if (res.status === 401) await signInAgain(); // signed out or expired on AWS; nothing on the twin
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.json();
}

/**
 * Calls `task` now and then `ms` after each run ends (never two at once, so a slow API is not
 * piled on). Runs are skipped while the tab is hidden and one is made as soon as it shows again.
 * Returns `refresh()`, which runs it at once (filters changed).
 */
export function poll(task, ms = POLL_MS) {
  let timer;
  let running = false;
  let again = false;
  const run = async () => {
    clearTimeout(timer);
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await task();
    } catch (err) {
      console.error(err);
    } finally {
      running = false;
    }
    if (again) {
      again = false;
      run();
      return;
    }
    timer = setTimeout(() => {
      if (!document.hidden) run();
    }, ms);
  };
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) run();
  });
  run();
  return run;
}

/** Creates an element: `props` are properties (`className`, `href`…) or `aria-*`/`data-*` attributes; strings become text. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('aria-') || key.startsWith('data-') || key === 'scope' || key === 'role') {
      node.setAttribute(key, String(value));
    } else node[key] = value;
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Empties `node` and fills it with `children`. */
export function replaceChildren(node, ...children) {
  node.replaceChildren();
  append(node, children);
}

/** A `<time>` showing `iso` in the reader's locale, keeping the ISO value machine-readable. */
export function timeEl(iso, options = { dateStyle: 'medium', timeStyle: 'short' }) {
  if (!iso) return el('span', { className: 'muted' }, '—');
  const date = new Date(iso);
  const text = Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, options);
  return el('time', { dateTime: iso }, text);
}

/** Seconds in words a person reads at a glance: "45 s", "4 min", "2 h 5 min", "1 d 3 h". */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/** An ISO 8601 duration as configured (`PT1H`, `P1DT2H`), in seconds; undefined when unreadable. */
export function isoDurationSeconds(text) {
  const m =
    /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(
      text ?? '',
    );
  if (!m || text === 'P' || text.endsWith('T')) return undefined;
  const [w, d, h, min, s] = m.slice(1).map((v) => Number(v ?? 0));
  return (((w * 7 + d) * 24 + h) * 60 + min) * 60 + s;
}

const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

/** A ratio (0–1) as a percentage, or a dash when there is none. */
export const formatPercent = (ratio) => (ratio === null || ratio === undefined ? '—' : percent.format(ratio));
/** A count in the reader's locale. */
export const formatCount = (n) => integer.format(n);
/** A score or a rate, two decimals at most. */
export const formatNumber = (n) => decimal.format(n);

/** The page's `<p id="page-status" role="status">`: a message only when something is wrong or pending. */
export function setStatus(message, { error = false } = {}) {
  const node = document.getElementById('page-status');
  if (!node) return;
  // Only on change: re-setting the same text would make some screen readers say it again.
  if (node.textContent !== message) node.textContent = message;
  node.classList.toggle('error', error);
}

/** Reads the named parameters from the query string (missing ones as ''). */
export function readQuery(names) {
  const query = new URLSearchParams(location.search);
  return Object.fromEntries(names.map((name) => [name, query.get(name) ?? '']));
}

/** Mirrors `values` into the query string (empty ones removed) without adding a history entry. */
export function writeQuery(values) {
  const query = new URLSearchParams(location.search);
  for (const [key, value] of Object.entries(values)) {
    if (value) query.set(key, value);
    else query.delete(key);
  }
  const search = query.toString();
  history.replaceState(history.state, '', `${location.pathname}${search ? `?${search}` : ''}${location.hash}`);
}

/**
 * Fills a `<select>` with an "All" option (value "") and `options` (`{ value, label }`), then
 * selects `selected`. A selected value the list lacks (a link from elsewhere, a language not
 * seen lately) is added rather than dropped, so the filter the reader asked for still holds.
 */
export function fillSelect(select, options, selected = '', allLabel = 'All') {
  const list = [...options];
  if (selected && !list.some((o) => o.value === selected)) list.push({ value: selected, label: selected });
  select.replaceChildren(
    el('option', { value: '' }, allLabel),
    ...list.map((o) => el('option', { value: o.value }, o.label)),
  );
  select.value = selected;
}

/** A `<select>` of fixed choices mirrored in the query string as `param`; calls `onChange(value)`. */
export function bindChoice(select, param, onChange) {
  const allowed = [...select.options].map((o) => o.value);
  const fromQuery = readQuery([param])[param];
  if (allowed.includes(fromQuery)) select.value = fromQuery;
  select.addEventListener('change', () => {
    writeQuery({ [param]: select.value === select.options[0]?.value ? '' : select.value });
    onChange(select.value);
  });
  return select.value;
}

/** Fills a table body with one row per item; `cells(item)` gives the row's cells (`<td>`/`<th>`, or content to put in a `<td>`). */
export function fillRows(tbody, items, cells, emptyText, columns) {
  if (items.length === 0) {
    tbody.replaceChildren(el('tr', {}, el('td', { colSpan: columns, className: 'muted' }, emptyText)));
    return;
  }
  tbody.replaceChildren(
    ...items.map((item) => el('tr', {}, ...cells(item).map((c) => (isCell(c) ? c : el('td', {}, c))))),
  );
}

const isCell = (c) => c instanceof HTMLTableCellElement;

/** A numeric cell, right-aligned. */
export const numCell = (text) => el('td', { className: 'num' }, text);

// ---- Charts ----------------------------------------------------------------------------------

const views = new WeakMap();

/**
 * Draws a vega-lite `spec` into `container` with vega-embed (loaded as UMD scripts before the
 * page's module). The previous chart in the container is finalized first so its listeners and
 * timers go. Charts are pictures of data the page also gives in words (the figure's caption),
 * so the SVG is hidden from assistive technology to spare it hundreds of unlabelled marks.
 */
export async function renderChart(container, spec) {
  const embed = window.vegaEmbed;
  if (typeof embed !== 'function') {
    replaceChildren(container, el('p', { className: 'muted' }, 'The chart library did not load.'));
    return;
  }
  views.get(container)?.finalize();
  container.setAttribute('aria-hidden', 'true');
  const result = await embed(container, spec, { actions: false, renderer: 'svg' });
  views.set(container, result);
}

/** The pieces of a vega-lite spec every chart shares: width of its box, readable fonts, no ARIA on marks. */
export function chartBase(description) {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description,
    width: 'container',
    height: 220,
    autosize: { type: 'fit-x', contains: 'padding' },
    config: {
      aria: false,
      font: 'system-ui, sans-serif',
      axis: { labelFontSize: 11, titleFontSize: 12, labelColor: '#1b1f24', titleColor: '#1b1f24' },
      legend: { labelFontSize: 11, titleFontSize: 12, labelColor: '#1b1f24', titleColor: '#1b1f24' },
      view: { stroke: null },
    },
  };
}

/** "a 3, b 2, c 1" from `{ a: 3, … }`, most first: the words a chart's caption gives. */
export function totalsText(totals, nameOf = (k) => k) {
  const entries = Object.entries(totals).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (entries.length === 0) return 'none';
  return entries.map(([key, n]) => `${nameOf(key)} ${formatCount(n)}`).join(', ');
}

// ---- Crisis banner ---------------------------------------------------------------------------

const crisisListeners = new Set();
let lastCrisis;
let crisisPolled = false;

/** Calls `listener(crisis)` with each `api/crisis` answer, `listener(undefined, error)` when it fails (the crisis page draws itself from it). */
export function onCrisis(listener) {
  crisisListeners.add(listener);
  if (lastCrisis) listener(lastCrisis);
}

/** The banner's words for an active crisis: its cause, by spike or by hand. */
export function crisisCause(status) {
  const cause = status.cause ?? {};
  if (cause.by === 'spike') return `spike ${cause.spike} on ${cause.key} (score ${formatNumber(cause.score)})`;
  if (cause.by === 'manual') return `turned on by hand: ${cause.reason}${cause.actor ? ` (${cause.actor})` : ''}`;
  return 'cause unknown';
}

function showBanner(status) {
  const banner = document.getElementById('crisis-banner');
  if (!banner) return;
  const key = status.active ? `${status.crisisId}|${crisisCause(status)}` : '';
  // Redraw only when it changes: a role="alert" is read out every time its content is replaced.
  if (banner.dataset.key === key) return;
  banner.dataset.key = key;
  if (!status.active) {
    banner.hidden = true;
    banner.replaceChildren();
    return;
  }
  replaceChildren(
    banner,
    el('span', {}, `Crisis mode is on: ${crisisCause(status)}. `),
    el('a', { href: new URL('crisis.html', BASE).href }, 'See crisis details'),
  );
  banner.hidden = false;
}

function startCrisisBanner() {
  if (crisisPolled) return;
  crisisPolled = true;
  poll(async () => {
    let crisis;
    try {
      crisis = await getJson('crisis');
    } catch (err) {
      // The banner keeps what it last knew; the page's own status reports a dead API.
      for (const listener of crisisListeners) listener(undefined, err);
      return;
    }
    lastCrisis = crisis;
    showBanner(crisis.status);
    for (const listener of crisisListeners) listener(crisis);
  });
}

/** What every page does first: start the crisis banner. */
export function initPage() {
  startCrisisBanner();
}
