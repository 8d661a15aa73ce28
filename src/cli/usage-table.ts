import { formatCount, formatTable, formatUsd, type TableColumn } from './format-table.ts';
import type { UsageCounters, UsageGroup, UsageReport } from './gateway-schemas.ts';

type UsageRow = UsageReport['data'][number];

/** The columns a group adds, and how a row names its group. */
const groupColumns: Record<UsageGroup, { title: string; cell(row: UsageRow): string }> = {
  project: { title: 'PROJECT', cell: (row) => row.project ?? row.project_id ?? '–' },
  key: { title: 'KEY', cell: (row) => row.api_key_id ?? '–' },
  model: { title: 'MODEL', cell: (row) => row.model ?? '–' },
  provider: { title: 'PROVIDER', cell: (row) => row.provider ?? '–' },
  served_by: { title: 'SERVED BY', cell: (row) => row.served_by ?? '–' },
  format: { title: 'FORMAT', cell: (row) => row.format ?? '–' },
  routing_rule: { title: 'RULE', cell: (row) => row.routing_rule ?? '–' },
  batch: { title: 'BATCH', cell: (row) => row.batch_id ?? '–' },
  day: { title: 'DAY', cell: (row) => row.day ?? '–' },
  hour: { title: 'HOUR', cell: (row) => row.hour ?? '–' },
};

const latency = (value: number | null) => (value === null ? '–' : formatCount(Math.round(value)));

const counterColumns: Array<{ title: string; cell(counters: UsageCounters): string }> = [
  { title: 'REQUESTS', cell: (counters) => formatCount(counters.requests) },
  { title: 'ERRORS', cell: (counters) => formatCount(counters.errors) },
  { title: 'CACHE HITS', cell: (counters) => formatCount(counters.cache_hits) },
  { title: 'INPUT TOKENS', cell: (counters) => formatCount(counters.input_tokens) },
  { title: 'OUTPUT TOKENS', cell: (counters) => formatCount(counters.output_tokens) },
  { title: 'COST $', cell: (counters) => formatUsd(counters.cost) },
  { title: 'P50 MS', cell: (counters) => latency(counters.latency_ms.p50) },
  { title: 'P95 MS', cell: (counters) => latency(counters.latency_ms.p95) },
];

/**
 * `usage`: a row per group, in the answer's order, then a TOTAL row. Without groups, the total alone.
 * Costs are the gateway's decimal strings, never summed or rounded here.
 */
export function formatUsageTable(report: UsageReport): string {
  const groups = report.group_by.map((group) => groupColumns[group]);
  const columns: TableColumn[] = [...groups.map((group) => ({ title: group.title })), ...counterColumns.map((column) => ({ title: column.title, align: 'right' as const }))];
  const counters = (row: UsageCounters) => counterColumns.map((column) => column.cell(row));
  const rows = report.data.map((row) => [...groups.map((group) => group.cell(row)), ...counters(row)]);
  if (groups.length === 0) return formatTable(columns, [counters(report.total)]);
  const total = [...groups.map((_group, index) => (index === 0 ? 'TOTAL' : '')), ...counters(report.total)];
  return formatTable(columns, [...rows, total]);
}
