import { z } from 'zod';
import { totalOf, toUsageRow, type GroupedRow } from '../usage/usage-report.ts';
import type { DashboardBucket, UsageRow } from './dashboard-summary.ts';
import { modelKeyOf, type ModelKey } from './model-key.ts';

/** How many models one summary can be narrowed to (the query string stays short). */
export const maxFilterModels = 100;

/** The `model` query parameter: repeated for several; an empty value stands for requests without a model. */
export const modelFilterQuerySchema = z
  .union([z.string().max(200), z.array(z.string().max(200)).max(maxFilterModels)])
  .optional()
  .describe('A model to show (repeat for several); empty for requests recorded without a model; default: every model');

/** The parsed filter: the models to show, or null for every one. */
export function parseModelFilter(value: z.infer<typeof modelFilterQuerySchema>): ModelKey[] | null {
  if (value === undefined) return null;
  const keys = (Array.isArray(value) ? value : [value]).map((model) => modelKeyOf(model));
  return [...new Set(keys)];
}

/** A grouped row's bucket (the hour's instant, or the day's text): rows of one bucket share it. */
function bucketOf(row: GroupedRow, bucket: DashboardBucket): string {
  return bucket === 'hour' ? (row.hour?.toISOString() ?? '') : (row.day_text ?? '');
}

export interface SelectedUsage {
  /** Usage of the shown models per bucket, and its total. */
  byTime: { data: UsageRow[]; total: UsageRow };
  /** Usage of the shown models per bucket and model, the model normalised to a {@link ModelKey}. */
  byTimeAndModel: UsageRow[];
  /** Every model with usage in the period, shown or not (the filter's choices, and the colours' basis). */
  models: ModelKey[];
}

/**
 * Rollup rows grouped by model and bucket, narrowed to the filter and added up per bucket: counters
 * as numbers, money exactly and latency from the summed histograms (as the usage API does), so the
 * numbers of the unfiltered page are the usage API's to the cent.
 */
export function selectUsage(rows: readonly GroupedRow[], options: { bucket: DashboardBucket; filter: readonly ModelKey[] | null }): SelectedUsage {
  const { bucket, filter } = options;
  const shown = filter === null ? rows : rows.filter((row) => filter.includes(modelKeyOf(row.model)));
  const perBucket = new Map<string, GroupedRow[]>();
  for (const row of shown) {
    const key = bucketOf(row, bucket);
    const group = perBucket.get(key);
    if (group) group.push(row);
    else perBucket.set(key, [row]);
  }
  const data = [...perBucket.values()].map((group) => {
    const first = group[0];
    return toUsageRow({ ...totalOf(group), hour: first?.hour, day_text: first?.day_text }, [bucket]);
  });
  const byTimeAndModel = shown.map((row) => ({ ...toUsageRow(row, [bucket]), model: modelKeyOf(row.model) }));
  return {
    byTime: { data, total: toUsageRow(totalOf(shown), []) },
    byTimeAndModel,
    models: [...new Set(rows.map((row) => modelKeyOf(row.model)))],
  };
}
