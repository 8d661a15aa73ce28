import { GatewayError } from '../errors/gateway-error.ts';

/** What `group_by` may name, in the order the answer lists them. */
export const usageGroups = ['project', 'key', 'model', 'provider', 'served_by', 'format', 'routing_rule', 'batch', 'day', 'hour'] as const;
export type UsageGroup = (typeof usageGroups)[number];

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;
/** The default window: the last 24 hours. */
export const defaultUsageWindowMs = dayMs;

const unixSeconds = /^\d{1,12}(\.\d+)?$/;
const isoDate = /^\d{4}-\d{2}-\d{2}$/;
const isoDateTime = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})$/;

/**
 * A time as the usage API takes it: Unix seconds (`1717200000`, fractions allowed), an ISO 8601 date
 * (`2024-06-01`, midnight UTC) or date-time with its offset (`2024-06-01T12:00:00Z`). Anything else,
 * including a date-time without an offset (whose zone would be a guess), is undefined.
 */
export function parseUsageTime(value: string): Date | undefined {
  const text = value.trim();
  let date: Date;
  if (unixSeconds.test(text)) date = new Date(Number(text) * 1000);
  else if (isoDate.test(text)) date = new Date(`${text}T00:00:00Z`);
  else if (isoDateTime.test(text)) date = new Date(text.replace(' ', 'T'));
  else return undefined;
  // Date() rolls 2024-02-31 over to March 2: a date part must name a real day.
  if (Number.isNaN(date.getTime()) || (!unixSeconds.test(text) && !isRealDay(text))) return undefined;
  return date;
}

function isRealDay(text: string): boolean {
  const [year = 0, month = 0, day = 0] = text.slice(0, 10).split('-').map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** `group_by` as given (comma-separated, possibly repeated) → the groups in canonical order. */
export function parseUsageGroups(value: string | readonly string[] | undefined): UsageGroup[] {
  const parts = (Array.isArray(value) ? value : [value ?? ''])
    .flatMap((part: string) => part.split(','))
    .map((part) => part.trim().toLowerCase())
    .filter((part) => part.length > 0);
  for (const part of parts) {
    if (!(usageGroups as readonly string[]).includes(part)) {
      throw new GatewayError({
        code: 'invalid_request_body',
        message: `Unknown group_by value '${part}'; use any of ${usageGroups.join(', ')}, comma-separated.`,
        param: 'group_by',
      });
    }
  }
  return usageGroups.filter((group) => parts.includes(group));
}

export interface UsageRange {
  /** Inclusive, on an hour boundary. */
  from: Date;
  /** Exclusive, on an hour boundary. */
  to: Date;
}

/**
 * `from`/`to` → the range the rollups answer for. Default: the 24 hours up to now. Rollups hold whole
 * hours, so `from` rounds down and `to` up to the hour; the answer states the range it covers.
 */
export function resolveUsageRange(query: { from?: string | undefined; to?: string | undefined }, now: Date = new Date()): UsageRange {
  const parse = (param: 'from' | 'to', value: string) => {
    const date = parseUsageTime(value);
    if (!date) {
      throw new GatewayError({
        code: 'invalid_request_body',
        message: `Invalid '${param}': '${value}' is neither an ISO 8601 time with an offset (2024-06-01T00:00:00Z), a date (2024-06-01) nor Unix seconds.`,
        param,
      });
    }
    return date;
  };
  const to = query.to === undefined ? now : parse('to', query.to);
  const from = query.from === undefined ? new Date(to.getTime() - defaultUsageWindowMs) : parse('from', query.from);
  if (from.getTime() >= to.getTime()) {
    throw new GatewayError({
      code: 'invalid_request_body',
      message: `'from' (${from.toISOString()}) must be before 'to' (${to.toISOString()}).`,
      param: 'from',
    });
  }
  return { from: floorTo(from, hourMs), to: ceilTo(to, hourMs) };
}

export const floorTo = (date: Date, unitMs: number) => new Date(Math.floor(date.getTime() / unitMs) * unitMs);
export const ceilTo = (date: Date, unitMs: number) => new Date(Math.ceil(date.getTime() / unitMs) * unitMs);
export { dayMs, hourMs };
