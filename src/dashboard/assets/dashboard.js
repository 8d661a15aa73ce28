// The gateway dashboard: one summary request, three uPlot charts, a queue table and batch progress.
// Plain browser JavaScript served as is (no build step); uPlot comes from /dashboard/vendor.
// The view (period, model filter) lives in the URL (view-state.js); the key in sessionStorage.

import { drawChart, line, milliseconds, money, percent, resizeCharts } from './charts.js';
import { noModelLabel, renderModelFilter } from './model-filter.js';
import { defaultPeriod, fromLocalInput, isoSeconds, localInputValue, parseTime, periods, readView, summarySearch, viewSearch } from './view-state.js';

const keyStorageName = 'gateway-dashboard-key';
/** The fixed series of the traffic and latency charts (model colours come with the summary). */
const colours = { blue: '#2f6fdf', orange: '#e07b1f', green: '#2e8540', red: '#c2362f' };
const refreshEveryMs = 30_000;

const byId = (id) => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`dashboard: #${id} is missing`);
  return element;
};

let view = readView(location.search);
let refreshTimer;
/** Each load's number: an answer to an older load (the view changed meanwhile) is dropped. */
let loadNumber = 0;

function storedKey() {
  return sessionStorage.getItem(keyStorageName);
}

function showKeyForm(message = '') {
  clearTimeout(refreshTimer);
  byId('key-form').hidden = false;
  byId('range-form').hidden = true;
  byId('content').hidden = true;
  byId('empty-state').hidden = true;
  byId('scope').textContent = '';
  byId('status').textContent = '';
  byId('key-error').textContent = message;
  byId('key').focus();
}

function setStatus(text) {
  byId('status').textContent = text;
}

/** The controls show the view (after a load from the URL, a back/forward, or a change). */
function syncControls() {
  byId('range').value = view.period;
  const custom = view.period === 'custom';
  byId('custom-range').hidden = !custom;
  if (custom) {
    byId('from').value = localInputValue(parseTime(view.from));
    byId('to').value = localInputValue(parseTime(view.to));
  }
}

/** A new view: a new history entry (so back returns to the previous view), then a load. */
function navigate(next) {
  const search = viewSearch(next);
  view = readView(search);
  if (search !== location.search) history.pushState(null, '', `${location.pathname}${search}`);
  syncControls();
  void load();
}

async function load() {
  const key = storedKey();
  if (!key) return showKeyForm();
  clearTimeout(refreshTimer);
  const number = ++loadNumber;
  byId('key-form').hidden = true;
  byId('range-form').hidden = false;
  setStatus('Loading…');
  const relative = view.period !== 'custom';
  let response;
  try {
    response = await fetch(`/dashboard/api/summary${summarySearch(view, Date.now())}`, { headers: { authorization: `Bearer ${key}` } });
  } catch (error) {
    if (number !== loadNumber) return;
    setStatus(`The gateway did not answer (${error.message}); retrying.`);
    refreshTimer = setTimeout(load, refreshEveryMs);
    return;
  }
  if (number !== loadNumber) return;
  if (response.status === 401) {
    sessionStorage.removeItem(keyStorageName);
    return showKeyForm('The gateway refused that key.');
  }
  const body = await response.json().catch(() => null);
  if (number !== loadNumber) return;
  if (!response.ok || !body) {
    setStatus(`The summary failed: ${body?.error?.message ?? `HTTP ${response.status}`}`);
    return;
  }
  render(body);
  // A fixed period does not move: only a relative one is worth refreshing.
  setStatus(`Updated ${new Date().toLocaleTimeString()}${relative ? `; refreshes every ${refreshEveryMs / 1000} s` : ''}.`);
  if (relative) refreshTimer = setTimeout(load, refreshEveryMs);
}

function render(summary) {
  byId('scope').textContent =
    summary.scope.kind === 'admin' ? 'All projects (admin key)' : `Project ${summary.scope.project_name ?? summary.scope.project_id}`;
  renderModelFilter({
    list: byId('model-options'),
    summary: byId('model-filter-summary'),
    models: summary.models,
    selected: view.models,
    onChange: (models) => navigate({ ...view, models }),
  });
  const empty = summary.models.length === 0 && summary.totals.requests === 0 && summary.batches.length === 0;
  byId('empty-state').hidden = !empty;
  byId('content').hidden = empty;
  if (empty) return;

  const { totals } = summary;
  byId('total-requests').textContent = totals.requests.toLocaleString();
  byId('total-error-rate').textContent = percent(totals.error_rate);
  byId('total-cost').textContent = money(totals.cost);
  byId('cache-hit-rate').textContent = percent(totals.cache_hit_rate);
  byId('total-cost-saved').textContent = money(totals.cost_saved);
  byId('total-latency').textContent = [totals.latency_ms.p50, totals.latency_ms.p95, totals.latency_ms.p99].map(milliseconds).join(' / ');
  for (const unit of document.querySelectorAll('.bucket-unit')) unit.textContent = summary.bucket;
  // The period and models the numbers are for, as the gateway answered (hours widened to whole ones).
  for (const [id, time] of [['period-from', summary.from], ['period-to', summary.to]]) {
    byId(id).dateTime = time;
    byId(id).textContent = new Date(time).toLocaleString();
  }
  byId('period-models').textContent = summary.filter.models === null ? 'all' : summary.filter.models.map((model) => model ?? noModelLabel).join(', ');

  const xs = summary.buckets;
  drawChart('chart-cost', [xs, ...summary.cost_by_model.map((model) => model.cost)], [
    ...summary.cost_by_model.map((model) => line(model.label, model.colour, (value) => money(value, 4))),
  ]);
  const errorRates = summary.traffic.requests.map((count, index) => (count === 0 ? null : (summary.traffic.errors[index] / count) * 100));
  drawChart('chart-traffic', [xs, summary.traffic.requests, summary.traffic.errors, errorRates], [
    line('Requests', colours.blue),
    line('Errors', colours.red),
    { ...line('Error rate %', colours.orange, (value) => `${value.toFixed(1)} %`), scale: '%', dash: [6, 4] },
  ], [{ scale: '%', side: 1, grid: { show: false }, values: (_plot, ticks) => ticks.map((tick) => `${tick}%`) }]);
  drawChart('chart-latency', [xs, summary.latency_ms.p50, summary.latency_ms.p95, summary.latency_ms.p99], [
    line('p50', colours.green, milliseconds),
    line('p95', colours.orange, milliseconds),
    line('p99', colours.red, milliseconds),
  ]);

  renderQueues(summary.queues);
  renderBatches(summary.batches);
}

function renderQueues(queues) {
  const section = byId('queues-section');
  section.hidden = queues === null;
  if (queues === null) return;
  const rows = queues.map((queue) => {
    const row = document.createElement('tr');
    const cells = [queue.provider, queue.chat.waiting, queue.chat.active, queue.chat.delayed, queue.batch.waiting, queue.batch.active];
    cells.forEach((value, index) => {
      const cell = document.createElement(index === 0 ? 'th' : 'td');
      if (index === 0) cell.scope = 'row';
      cell.textContent = String(value);
      row.append(cell);
    });
    return row;
  });
  byId('queues-body').replaceChildren(...rows);
}

function renderBatches(batches) {
  byId('no-batches').hidden = batches.length > 0;
  const items = batches.map((batch) => {
    const { total, completed, failed } = batch.request_counts;
    const item = document.createElement('li');
    item.className = 'batch';
    item.dataset.batchId = batch.id;
    const id = document.createElement('code');
    id.textContent = batch.id;
    const state = document.createElement('span');
    state.className = 'state';
    state.textContent = batch.status;
    const progress = document.createElement('progress');
    progress.max = Math.max(total, 1);
    progress.value = completed + failed;
    progress.setAttribute('aria-label', `Batch ${batch.id}: ${completed + failed} of ${total} requests done`);
    const counts = document.createElement('span');
    counts.className = 'counts';
    counts.textContent = `${completed + failed} / ${total} done · ${completed} completed · ${failed} failed`;
    item.append(id, state, progress, counts);
    return item;
  });
  byId('batches').replaceChildren(...items);
}

byId('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const key = byId('key').value.trim();
  if (!key) return;
  sessionStorage.setItem(keyStorageName, key);
  byId('key').value = '';
  void load();
});
byId('range-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void load();
});
byId('range').addEventListener('change', () => {
  const period = byId('range').value;
  if (period !== 'custom') return navigate({ ...view, period, from: null, to: null });
  // A fixed period starts as the relative one on screen, to the next whole hour.
  const to = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000);
  const hours = periods[view.period] ?? periods[defaultPeriod];
  navigate({ ...view, period: 'custom', from: isoSeconds(new Date(to.getTime() - hours * 3_600_000)), to: isoSeconds(to) });
});
for (const id of ['from', 'to']) {
  byId(id).addEventListener('change', () => {
    const from = fromLocalInput(byId('from').value);
    const to = fromLocalInput(byId('to').value);
    if (from && to) navigate({ ...view, period: 'custom', from, to });
  });
}
byId('models-all').addEventListener('click', () => navigate({ ...view, models: null }));
byId('sign-out').addEventListener('click', () => {
  sessionStorage.removeItem(keyStorageName);
  showKeyForm();
});
window.addEventListener('popstate', () => {
  view = readView(location.search);
  syncControls();
  void load();
});
window.addEventListener('resize', resizeCharts);

// The URL in its canonical form (unknown or default parameters dropped), without a history entry.
const canonical = viewSearch(view);
if (canonical !== location.search) history.replaceState(null, '', `${location.pathname}${canonical}`);
syncControls();
// uPlot is a classic deferred script; module scripts run after deferred ones, so it is loaded here.
void load();
