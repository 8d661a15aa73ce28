import type { Pricing } from '../config/gateway-config.ts';
import type { IsoDate, ModelDefinition } from './model-catalogue/index.ts';

/** Where a route's price came from, most specific first; `none` means it is billed at zero. */
export type PricingSource = 'route' | 'model' | 'catalogue' | 'none';

export interface ResolvedPricing {
  pricing: Pricing;
  source: PricingSource;
  /** The catalogue's price date, when the catalogue priced it. */
  pricedAt?: IsoDate;
}

export const zeroPricing: Pricing = { inputPerMillion: '0', outputPerMillion: '0' };

/** A catalogue entry's prices in the config's terms. */
export function cataloguePricing(definition: ModelDefinition): Pricing {
  const { input, output } = definition.prices;
  const cachedInput = 'cachedInput' in definition.prices ? definition.prices.cachedInput : undefined;
  const cacheWriteInput = 'cacheWriteInput' in definition.prices ? definition.prices.cacheWriteInput : undefined;
  return {
    inputPerMillion: input,
    outputPerMillion: output,
    ...(cachedInput === undefined ? {} : { cachedInputPerMillion: cachedInput }),
    ...(cacheWriteInput === undefined ? {} : { cacheWriteInputPerMillion: cacheWriteInput }),
  };
}

/**
 * A route's price: the route's config `pricing`, else its model's, else the catalogue's, else zero.
 * A config price replaces the catalogue's whole (without `cachedInputPerMillion`, cached input is
 * billed at its input price), so what the config says is what is charged.
 */
export function resolvePricing(options: { routePricing?: Pricing | undefined; modelPricing?: Pricing | undefined; definition?: ModelDefinition | undefined }): ResolvedPricing {
  if (options.routePricing) return { pricing: options.routePricing, source: 'route' };
  if (options.modelPricing) return { pricing: options.modelPricing, source: 'model' };
  if (options.definition) return { pricing: cataloguePricing(options.definition), source: 'catalogue', pricedAt: options.definition.pricedAt };
  return { pricing: zeroPricing, source: 'none' };
}
