import Big from 'big.js';
import type { Pricing } from '../config/gateway-config.ts';
import type { ModelDefinition } from './model-catalogue/index.ts';
import type { PricingSource } from './resolve-pricing.ts';

/**
 * A route's price through its provider's batch API, with the sync price's precedence: a configured
 * `pricing` (route, then model) wins, and its batch price is its own `batchInputPerMillion` /
 * `batchOutputPerMillion` where given, else `discount` × its sync price; without configured pricing, the
 * catalogue's batch prices, else `discount` × the catalogue's sync price. Cached and cache-write input
 * are discounted alike. Exact decimals throughout (big.js), never floats.
 */
export function resolveBatchPricing(route: { pricing: Pricing; source: PricingSource; definition?: ModelDefinition | undefined }, discount: string): Pricing {
  const times = (price: string) => trim(new Big(price).times(discount));
  const { pricing } = route;
  const prices = route.source === 'catalogue' ? route.definition?.prices : undefined;
  const input = route.source === 'catalogue' ? prices?.batchInput : pricing.batchInputPerMillion;
  const output = route.source === 'catalogue' ? prices?.batchOutput : pricing.batchOutputPerMillion;
  return {
    inputPerMillion: input ?? times(pricing.inputPerMillion),
    outputPerMillion: output ?? times(pricing.outputPerMillion),
    ...(pricing.cachedInputPerMillion === undefined ? {} : { cachedInputPerMillion: times(pricing.cachedInputPerMillion) }),
    ...(pricing.cacheWriteInputPerMillion === undefined ? {} : { cacheWriteInputPerMillion: times(pricing.cacheWriteInputPerMillion) }),
  };
}

function trim(value: Big): string {
  return value.toFixed();
}
