import type { Pricing } from '../config/gateway-config.ts';
import type { ModelDefinition, ModelPrices, PriceTier } from './model-catalogue/index.ts';

/** Where a route's price came from, most specific first; `none` means its cost is unknown. */
export type PricingSource = 'route' | 'model' | 'catalogue' | 'none';

export interface ResolvedPricing {
  pricing: Pricing;
  source: PricingSource;
}

/** What an unpriced route carries: its calls are recorded with an unknown (null) cost, never at this price. */
export const zeroPricing: Pricing = { inputPerMillion: '0', outputPerMillion: '0' };

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

function tierPricing(tier: PriceTier): NonNullable<Pricing['tiers']>[number] {
  return defined({
    aboveInputTokens: tier.aboveInputTokens,
    inputPerMillion: tier.input,
    cachedInputPerMillion: tier.cachedInput,
    cacheWriteInputPerMillion: tier.cacheWriteInput,
    cacheWrite1hInputPerMillion: tier.cacheWrite1hInput,
    outputPerMillion: tier.output,
  });
}

/** Catalogue entries live as long as the process: each one's prices are converted once. */
const convertedPrices = new WeakMap<ModelPrices, Pricing>();

/** A catalogue entry's prices in the config's terms (the same object for the same entry). */
export function cataloguePricing(prices: ModelPrices): Pricing {
  let pricing = convertedPrices.get(prices);
  if (!pricing) {
    pricing = convertPrices(prices);
    convertedPrices.set(prices, pricing);
  }
  return pricing;
}

function convertPrices(prices: ModelPrices): Pricing {
  return defined({
    inputPerMillion: prices.input,
    outputPerMillion: prices.output,
    cachedInputPerMillion: prices.cachedInput,
    cacheWriteInputPerMillion: prices.cacheWriteInput,
    cacheWrite1hInputPerMillion: prices.cacheWrite1hInput,
    tiers: prices.tiers && prices.tiers.length > 0 ? prices.tiers.map(tierPricing) : undefined,
  });
}

/**
 * A route's price: the route's config `pricing`, else its model's, else the catalogue's, else none
 * (the cost of its calls is unknown). A config price replaces the catalogue's whole (without
 * `cachedInputPerMillion`, cached input is billed at its input price), so what the config says is
 * what is charged.
 */
export function resolvePricing(options: { routePricing?: Pricing | undefined; modelPricing?: Pricing | undefined; definition?: ModelDefinition | undefined }): ResolvedPricing {
  if (options.routePricing) return { pricing: options.routePricing, source: 'route' };
  if (options.modelPricing) return { pricing: options.modelPricing, source: 'model' };
  if (options.definition?.prices) return { pricing: cataloguePricing(options.definition.prices), source: 'catalogue' };
  return { pricing: zeroPricing, source: 'none' };
}
