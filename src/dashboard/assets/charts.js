// uPlot charts and the number formats the page shows. uPlot is the vendored classic script (window.uPlot).

const charts = new Map();
const chartHeight = 240;
const minimumWidth = 280;

export const percent = (ratio) => (ratio == null ? '–' : `${(ratio * 100).toFixed(1)} %`);
export const milliseconds = (value) => (value == null ? '–' : `${Math.round(value).toLocaleString()} ms`);
export const money = (value, digits = 2) => {
  const number = Number(value);
  // Small amounts keep their significant digits: a mock or a cheap model costs fractions of a cent.
  return number !== 0 && Math.abs(number) < 0.01 ? `$${number.toPrecision(3)}` : `$${number.toFixed(digits)}`;
};

/** A series: always named (uPlot would call a nameless one "Value"), drawn in `stroke`. */
export function line(label, stroke, format) {
  if (!label) throw new Error('dashboard: a series needs a label');
  // Filled points where there is something (an hour with traffic between quiet ones is a dot, not
  // a line of one point, which draws nothing); quiet buckets are just the line.
  const points = { show: true, size: 6, fill: stroke, filter: (plot, seriesIndex) => plot.data[seriesIndex].flatMap((value, index) => (value ? [index] : [])) };
  return { label, stroke, width: 2, spanGaps: false, points, ...(format ? { value: (_plot, value) => (value == null ? '–' : format(value)) } : {}) };
}

/** Draws (or redraws) the chart in #id; a fresh chart each time, as the series (models) change. */
export function drawChart(id, data, series, extraAxes = []) {
  const container = document.getElementById(id);
  const options = {
    width: Math.max(minimumWidth, container.clientWidth),
    height: chartHeight,
    series: [{ label: 'Time' }, ...series],
    axes: [{}, {}, ...extraAxes],
    scales: { x: { time: true }, ...(extraAxes.length > 0 ? { '%': { range: [0, 100] } } : {}) },
    legend: { live: true },
  };
  charts.get(id)?.destroy();
  charts.set(id, new window.uPlot(options, data, container));
}

export function resizeCharts() {
  for (const [id, chart] of charts) chart.setSize({ width: Math.max(minimumWidth, document.getElementById(id).clientWidth), height: chartHeight });
}
