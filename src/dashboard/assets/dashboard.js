// The gateway dashboard: one summary request, three uPlot charts, a queue table and batch progress.
// Plain browser JavaScript served as is (no build step); uPlot comes from /dashboard/vendor.

const keyStorageName = 'gateway-dashboard-key';
const palette = ['#2f6fdf', '#e07b1f', '#2e8540', '#8e44ad', '#c2362f', '#16a3a3', '#7a6a00', '#d6336c'];
const refreshEveryMs = 30_000;

const byId = (id) => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`dashboard: #${id} is missing`);
  return element;
};

const charts = new Map();
let refreshTimer;

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

async function load() {
  const key = storedKey();
  if (!key) return showKeyForm();
  clearTimeout(refreshTimer);
  byId('key-form').hidden = true;
  byId('range-form').hidden = false;
  const hours = Number(byId('range').value);
  const to = Math.floor(Date.now() / 1000);
  const from = to - hours * 3600;
  setStatus('Loading…');
  let response;
  try {
    response = await fetch(`/dashboard/api/summary?from=${from}&to=${to}`, { headers: { authorization: `Bearer ${key}` } });
  } catch (error) {
    setStatus(`The gateway did not answer (${error.message}); retrying.`);
    refreshTimer = setTimeout(load, refreshEveryMs);
    return;
  }
  if (response.status === 401) {
    sessionStorage.removeItem(keyStorageName);
    return showKeyForm('The gateway refused that key.');
  }
  const body = await response.json().catch(() => null);
  if (!response.ok || !body) {
    setStatus(`The summary failed: ${body?.error?.message ?? `HTTP ${response.status}`}`);
    return;
  }
  render(body);
  setStatus(`Updated ${new Date().toLocaleTimeString()}; refreshes every ${refreshEveryMs / 1000} s.`);
  refreshTimer = setTimeout(load, refreshEveryMs);
}

function render(summary) {
  byId('scope').textContent =
    summary.scope.kind === 'admin' ? 'All projects (admin key)' : `Project ${summary.scope.project_name ?? summary.scope.project_id}`;
  const empty = summary.totals.requests === 0 && summary.batches.length === 0;
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

  const xs = summary.buckets;
  drawChart('chart-cost', [xs, ...summary.cost_by_model.map((model) => model.cost)], [
    ...summary.cost_by_model.map((model, index) => line(model.model, palette[index % palette.length], (value) => money(value, 4))),
  ]);
  const errorRates = summary.traffic.requests.map((count, index) => (count === 0 ? null : (summary.traffic.errors[index] / count) * 100));
  drawChart('chart-traffic', [xs, summary.traffic.requests, summary.traffic.errors, errorRates], [
    line('Requests', palette[0]),
    line('Errors', palette[4]),
    { ...line('Error rate %', palette[1], (value) => `${value.toFixed(1)} %`), scale: '%', dash: [6, 4] },
  ], [{ scale: '%', side: 1, grid: { show: false }, values: (_plot, ticks) => ticks.map((tick) => `${tick}%`) }]);
  drawChart('chart-latency', [xs, summary.latency_ms.p50, summary.latency_ms.p95, summary.latency_ms.p99], [
    line('p50', palette[2], milliseconds),
    line('p95', palette[1], milliseconds),
    line('p99', palette[4], milliseconds),
  ]);

  renderQueues(summary.queues);
  renderBatches(summary.batches);
}

function line(label, stroke, format) {
  // Filled points where there is something (an hour with traffic between quiet ones is a dot, not
  // a line of one point, which draws nothing); quiet buckets are just the line.
  const points = { show: true, size: 6, fill: stroke, filter: (plot, seriesIndex) => plot.data[seriesIndex].flatMap((value, index) => (value ? [index] : [])) };
  return { label, stroke, width: 2, spanGaps: false, points, ...(format ? { value: (_plot, value) => (value == null ? '–' : format(value)) } : {}) };
}

function drawChart(id, data, series, extraAxes = []) {
  const container = byId(id);
  const width = Math.max(280, container.clientWidth);
  const options = {
    width,
    height: 240,
    series: [{ label: 'Time' }, ...series],
    axes: [{}, {}, ...extraAxes],
    scales: { x: { time: true }, ...(extraAxes.length > 0 ? { '%': { range: [0, 100] } } : {}) },
    legend: { live: true },
  };
  charts.get(id)?.destroy();
  // A fresh chart each time: the series (models) change between periods.
  charts.set(id, new window.uPlot(options, data, container));
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

const percent = (ratio) => (ratio == null ? '–' : `${(ratio * 100).toFixed(1)} %`);
const milliseconds = (value) => (value == null ? '–' : `${Math.round(value).toLocaleString()} ms`);
const money = (value, digits = 2) => {
  const number = Number(value);
  // Small amounts keep their significant digits: a mock or a cheap model costs fractions of a cent.
  return number !== 0 && Math.abs(number) < 0.01 ? `$${number.toPrecision(3)}` : `$${number.toFixed(digits)}`;
};

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
byId('range').addEventListener('change', () => void load());
byId('sign-out').addEventListener('click', () => {
  sessionStorage.removeItem(keyStorageName);
  showKeyForm();
});
window.addEventListener('resize', () => {
  for (const [id, chart] of charts) chart.setSize({ width: Math.max(280, byId(id).clientWidth), height: 240 });
});

// uPlot is a classic deferred script; module scripts run after deferred ones, so it is loaded here.
void load();
