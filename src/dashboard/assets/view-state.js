// The page's view (period and model filter) as it lives in the URL's query string, so a reload, a
// shared link and the back/forward buttons all show the same view. Pure functions, no DOM.
//
//   /dashboard                         the last 24 hours, every model
//   /dashboard?range=7d                the last 7 days (24h, 7d, 30d, 90d)
//   /dashboard?from=…&to=…             a fixed period: any time the usage API takes (ISO 8601, a date, Unix seconds)
//   /dashboard?model=a&model=b         only models a and b; an empty `model=` is the "(no model)" group

/** The relative periods the page offers, in hours. */
export const periods = { '24h': 24, '7d': 168, '30d': 720, '90d': 2160 };
export const defaultPeriod = '24h';

/**
 * @typedef {object} View
 * @property {string} period a key of {@link periods}, or 'custom' for a fixed `from`/`to`
 * @property {string | null} from the fixed period's start, as given (custom only)
 * @property {string | null} to the fixed period's end, as given (custom only; null: now)
 * @property {string[] | null} models the models shown ('' for the no-model group), sorted; null for every model
 */

/** @returns {View} */
export function readView(search) {
  const params = new URLSearchParams(search);
  const from = params.get('from') || null;
  const to = params.get('to') || null;
  const range = params.get('range') ?? '';
  const models = [...new Set(params.getAll('model'))].sort();
  const custom = from !== null || to !== null;
  return {
    period: custom ? 'custom' : Object.hasOwn(periods, range) ? range : defaultPeriod,
    from: custom ? from : null,
    to: custom ? to : null,
    models: models.length > 0 ? models : null,
  };
}

/** The query string of a view ('' for the default one), its parameters in a fixed order. */
export function viewSearch(view) {
  const params = new URLSearchParams();
  if (view.period === 'custom') {
    if (view.from) params.set('from', view.from);
    if (view.to) params.set('to', view.to);
  } else if (view.period !== defaultPeriod) {
    params.set('range', view.period);
  }
  for (const model of [...new Set(view.models ?? [])].sort()) params.append('model', model);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The summary API's query for a view: a relative period ends now. */
export function summarySearch(view, nowMs) {
  const params = new URLSearchParams();
  if (view.period === 'custom') {
    if (view.from) params.set('from', view.from);
    if (view.to) params.set('to', view.to);
  } else {
    const to = Math.floor(nowMs / 1000);
    params.set('from', String(to - (periods[view.period] ?? periods[defaultPeriod]) * 3600));
    params.set('to', String(to));
  }
  for (const model of view.models ?? []) params.append('model', model);
  return `?${params.toString()}`;
}

/** A time as the usage API takes it (Unix seconds, a date, ISO 8601) → a Date, or null. */
export function parseTime(text) {
  if (!text) return null;
  const date = /^\d{1,12}(\.\d+)?$/.test(text.trim()) ? new Date(Number(text) * 1000) : new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A Date as ISO 8601 to the second, in UTC (what the page writes into the URL). */
export function isoSeconds(date) {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A Date as a `datetime-local` input value, in the browser's time zone. */
export function localInputValue(date) {
  if (!date) return '';
  const pad = (number) => String(number).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A `datetime-local` value (the browser's time zone) → ISO 8601 in UTC, or null. */
export function fromLocalInput(value) {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : isoSeconds(date);
}
