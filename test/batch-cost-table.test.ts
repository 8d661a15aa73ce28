import { readFile } from 'node:fs/promises';
import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import { batchCostRows, batchCostTable, batchCostTableMarkers, batchCostWorkload, formatUsd, isTabled } from '../scripts/batch-cost-table.ts';
import { modelCatalogue } from '../src/routing/model-catalogue/index.ts';

const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');

/** The README's text between the two markers, exactly as written. */
function markedSection(markdown: string): string | undefined {
  const start = markdown.indexOf(batchCostTableMarkers.start);
  const end = markdown.indexOf(batchCostTableMarkers.end);
  if (start === -1 || end < start) return undefined;
  return markdown.slice(start + batchCostTableMarkers.start.length, end);
}

/** The table's body rows as cells: provider, model, sync cost, batch cost, saved. */
function tableRows(table: string): string[][] {
  return table
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| provider') && !line.startsWith('| ---'))
    .map((line) =>
      line
        .slice(2, -2)
        .split(' | ')
        .map((cell) => cell.replaceAll('`', '')),
    );
}

const dollars = (cell: string | undefined) => new Big((cell ?? '').replace(/^\$/, '').replaceAll(',', ''));

describe('README batch cost table (npm run docs:batch-costs)', () => {
  it("README's marked section is what the script prints from the catalogue: run `npm run docs:batch-costs -- --write` when this fails", () => {
    expect(markedSection(readme)).toBe(`\n\n${batchCostTable()}\n\n`);
  });

  it('has a row for each provider type with a batch API for chat, and costs less by batch on every row', () => {
    const rows = tableRows(batchCostTable());
    expect(new Set(rows.map(([provider]) => provider))).toEqual(new Set(['openai', 'anthropic', 'google', 'mistral', 'groq', 'together', 'cerebras']));
    for (const [provider, model, sync, batch, saved] of rows) {
      expect(dollars(batch).lt(dollars(sync)), `${provider} ${model}: batch ${batch} is not below sync ${sync}`).toBe(true);
      expect(dollars(saved).gt(0), `${provider} ${model}: saved ${saved}`).toBe(true);
    }
    for (const row of batchCostRows()) {
      expect(new Big(row.batchCost).lt(row.syncCost), `${row.model}: exact batch ${row.batchCost} is not below sync ${row.syncCost}`).toBe(true);
      expect(new Big(row.syncCost).minus(row.batchCost).eq(row.saved)).toBe(true);
    }
  });

  it("matches a hand computation for OpenAI's cheapest row: lines × (500 × input + 5 × output) / 1e6, and half that by batch", () => {
    const row = batchCostRows().find((candidate) => candidate.providerType === 'openai');
    const definition = modelCatalogue.find((candidate) => candidate.providerType === 'openai' && candidate.id === row?.model);
    expect(definition, 'the row names a catalogue model').toBeDefined();
    // Half the sync price holds only while the catalogue lists no batch price of its own for this model.
    expect(definition?.prices?.batchInput).toBeUndefined();
    expect(definition?.prices?.batchOutput).toBeUndefined();
    const { input = '0', output = '0' } = definition?.prices ?? {};
    expect(batchCostWorkload).toEqual({ lines: 100_000, promptTokens: 500, completionTokens: 5 });
    const sync = new Big(100_000).times(new Big(500).times(input).plus(new Big(5).times(output))).div(1_000_000);
    const batch = sync.times('0.5');
    expect(row?.syncCost).toBe(sync.toFixed());
    expect(row?.batchCost).toBe(batch.toFixed());
    const cells = tableRows(batchCostTable()).find(([provider, model]) => provider === 'openai' && model === row?.model);
    expect(cells?.slice(2)).toEqual([formatUsd(sync.toFixed()), formatUsd(batch.toFixed()), formatUsd(sync.minus(batch).toFixed())]);
  });

  it("picks a provider type's cheapest and most expensive chat model for the workload at the sync price (OpenAI's here)", () => {
    const perLine = (prices: { input: string; output: string }) => new Big(500).times(prices.input).plus(new Big(5).times(prices.output));
    const chat = modelCatalogue.filter((definition) => definition.providerType === 'openai').filter(isTabled);
    const costs = chat.map((definition) => perLine(definition.prices)).filter((cost) => cost.gt(0));
    const lowest = costs.reduce((low, cost) => (cost.lt(low) ? cost : low));
    const highest = costs.reduce((high, cost) => (cost.gt(high) ? cost : high));
    const picked = batchCostRows()
      .filter((row) => row.providerType === 'openai')
      .map((row) => chat.find((definition) => definition.id === row.model));
    expect(picked.map((definition) => definition && perLine(definition.prices).toFixed())).toEqual([lowest.toFixed(), highest.toFixed()]);
  });

  it('rounds to cents half up with thousands separators', () => {
    expect(formatUsd('1590')).toBe('$1,590.00');
    expect(formatUsd('2.625')).toBe('$2.63');
    expect(formatUsd('25.1225')).toBe('$25.12');
    expect(formatUsd('0.004')).toBe('$0.00');
  });
});
