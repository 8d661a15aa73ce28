/**
 * The README's "What a batch costs" table: what one classification batch costs on each batch-capable
 * provider's sync price and on its batch price, computed from the model catalogue with the functions
 * the gateway bills with (`resolvePricing`, `resolveBatchPricing`, `computeCost`).
 *
 *   npm run docs:batch-costs             print the marked section
 *   npm run docs:batch-costs -- --write  replace the marked section of README.md with it
 *
 * `test/batch-cost-table.test.ts` fails when the README's section differs from what this prints.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Big from 'big.js';
import { nativeBatchSchema, providerSchema, type ProviderConfig } from '../src/config/provider-config.ts';
import { computeCost } from '../src/operations/cost.ts';
import { nativeBatchOperations } from '../src/providers/provider-registry.ts';
import { modelCatalogue, type ModelDefinition } from '../src/routing/model-catalogue/index.ts';
import { resolveBatchPricing } from '../src/routing/resolve-batch-pricing.ts';
import { resolvePricing } from '../src/routing/resolve-pricing.ts';

/** Lines of the batch, and tokens of each: a short text in, one label out. */
export const batchCostWorkload = { lines: 100_000, promptTokens: 500, completionTokens: 5 } as const;

export const batchCostTableMarkers = { start: '<!-- batch-cost-table:start -->', end: '<!-- batch-cost-table:end -->' } as const;

/** One row of the table, in exact USD decimals. */
export interface BatchCostRow {
  providerType: string;
  model: string;
  syncCost: string;
  batchCost: string;
  saved: string;
}

/** The batch price as a fraction of the sync price when a provider's config sets none. */
export const defaultBatchDiscount: string = nativeBatchSchema.parse({}).discount;

/**
 * A provider config of this type with every default, as a config file naming only its `type` would
 * give; undefined for a type that cannot be configured so (Azure needs its resource's `baseUrl`, and
 * has no catalogue entries of its own).
 */
function defaultConfigOf(providerType: string): ProviderConfig | undefined {
  const parsed = providerSchema.safeParse({ type: providerType });
  return parsed.success ? parsed.data : undefined;
}

/** The workload's cost at these prices: one line as the gateway bills it, times the lines. */
function workloadCost(pricing: Parameters<typeof computeCost>[0]['pricing']): Big {
  const { lines, promptTokens, completionTokens } = batchCostWorkload;
  const line = computeCost({ usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens }, pricing });
  return new Big(line).times(lines);
}

function costsOf(definition: ModelDefinition): { sync: Big; batch: Big } {
  const route = { ...resolvePricing({ definition }), definition };
  return { sync: workloadCost(route.pricing), batch: workloadCost(resolveBatchPricing(route, defaultBatchDiscount)) };
}

/** A chat model the catalogue prices and the provider still serves (free and retiring models make no row). */
export function isTabled(definition: ModelDefinition): definition is ModelDefinition & { prices: NonNullable<ModelDefinition['prices']> } {
  return (definition.kind ?? 'chat') === 'chat' && definition.prices !== undefined && !definition.deprecated;
}

/**
 * For each catalogue provider type whose batch API takes chat lines (in catalogue order), its cheapest
 * and its most expensive priced, not deprecated, not free chat model for the workload at the sync price;
 * on a tie, the one listed first.
 * The batch price is the gateway's with the default `nativeBatch.discount`.
 */
export function batchCostRows(): BatchCostRow[] {
  const providerTypes = [...new Set(modelCatalogue.map((definition) => definition.providerType))];
  return providerTypes.flatMap((providerType) => {
    const config = defaultConfigOf(providerType);
    if (!config || !nativeBatchOperations(config).includes('chat')) return [];
    const models = modelCatalogue
      .filter((definition) => isTabled(definition) && definition.providerType === providerType)
      .map((definition) => ({ definition, ...costsOf(definition) }))
      .filter((model) => model.sync.gt(0));
    const [first] = models;
    if (!first) return [];
    const cheapest = models.reduce((best, model) => (model.sync.lt(best.sync) ? model : best), first);
    const dearest = models.reduce((best, model) => (model.sync.gt(best.sync) ? model : best), first);
    return (cheapest === dearest ? [cheapest] : [cheapest, dearest]).map(({ definition, sync, batch }) => ({
      providerType,
      model: definition.id,
      syncCost: sync.toFixed(),
      batchCost: batch.toFixed(),
      saved: sync.minus(batch).toFixed(),
    }));
  });
}

/** USD rounded half-up to cents, with thousands separators: `$1,590.00`. */
export function formatUsd(amount: string): string {
  const [whole = '0', cents = '00'] = new Big(amount).toFixed(2).split('.');
  return `$${whole.replace(/\B(?=(\d{3})+$)/g, ',')}.${cents}`;
}

const count = (value: number) => value.toLocaleString('en-US');

/** The README's marked section: the workload, how rows are chosen, and the table. */
export function batchCostTable(): string {
  const { lines, promptTokens, completionTokens } = batchCostWorkload;
  const rows = batchCostRows().map((row) => `| ${row.providerType} | \`${row.model}\` | ${formatUsd(row.syncCost)} | ${formatUsd(row.batchCost)} | ${formatUsd(row.saved)} |`);
  return [
    `- **Workload:** one batch of ${count(lines)} lines, each ${count(promptTokens)} input tokens and ${count(completionTokens)} output tokens (a short text classified into one label), no cached input.`,
    "- **Rows:** for each provider type whose batch API takes chat lines, its cheapest and its most expensive chat model in the catalogue (priced, not deprecated, not free) for this workload at the sync price (Azure OpenAI deployments are priced as OpenAI's models).",
    `- **Prices:** the catalogue's sync price; the catalogue's batch price where it lists one, else the default \`nativeBatch.discount\` of ${defaultBatchDiscount} × the sync price. Costs are exact decimals, each rounded to the cent on its own.`,
    '',
    '| provider | model | sync cost | batch cost | saved |',
    '| --- | --- | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}

/** `markdown` with the text between the markers replaced by `section`, set apart by blank lines so it renders as blocks of its own. */
export function replaceMarkedSection(markdown: string, section: string): string {
  const start = markdown.indexOf(batchCostTableMarkers.start);
  const end = markdown.indexOf(batchCostTableMarkers.end);
  if (start === -1 || end < start) throw new Error(`README.md has no ${batchCostTableMarkers.start} … ${batchCostTableMarkers.end} section`);
  return `${markdown.slice(0, start + batchCostTableMarkers.start.length)}\n\n${section}\n\n${markdown.slice(end)}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const table = batchCostTable();
  if (process.argv.includes('--write')) {
    const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
    await writeFile(readmePath, replaceMarkedSection(await readFile(readmePath, 'utf8'), table));
  } else {
    process.stdout.write(`${table}\n`);
  }
}
