import Big from 'big.js';
import type { Pricing } from '../config/gateway-config.ts';
import type { ModelDefinition } from './model-catalogue/index.ts';
import type { PricingSource } from './resolve-pricing.ts';

type Rates = Pick<Pricing, 'inputPerMillion' | 'outputPerMillion' | 'cachedInputPerMillion' | 'cacheWriteInputPerMillion' | 'cacheWrite1hInputPerMillion'>;

function discounted<T extends Partial<Rates>>(rates: T, discount: string): T {
  const times = (price: string) => new Big(price).times(discount).toFixed();
  return Object.fromEntries(Object.entries(rates).map(([key, value]) => [key, typeof value === 'string' && key.endsWith('PerMillion') ? times(value) : value])) as T;
}

/**
 * A route's price through its provider's batch API, with the sync price's precedence: a configured
 * `pricing` (route, then model) wins, and its batch price is its own `batchInputPerMillion` /
 * `batchOutputPerMillion` where given, else `discount` × its sync price; without configured pricing, the
 * catalogue's batch prices, else `discount` × the catalogue's sync price. Cached, cache-write and
 * long-prompt tier rates are discounted alike. Exact decimals throughout (big.js), never floats.
 */
export function resolveBatchPricing(route: { pricing: Pricing; source: PricingSource; definition?: ModelDefinition | undefined }, discount: string): Pricing {
  const { pricing } = route;
  const prices = route.source === 'catalogue' ? route.definition?.prices : undefined;
  const input = route.source === 'catalogue' ? prices?.batchInput : pricing.batchInputPerMillion;
  const output = route.source === 'catalogue' ? prices?.batchOutput : pricing.batchOutputPerMillion;
  const { batchInputPerMillion: _input, batchOutputPerMillion: _output, tiers, ...rates } = pricing;
  const batch = discounted(rates, discount);
  return {
    ...batch,
    ...(input === undefined ? {} : { inputPerMillion: input }),
    ...(output === undefined ? {} : { outputPerMillion: output }),
    ...(tiers ? { tiers: tiers.map((tier) => discounted(tier, discount)) } : {}),
  };
}
