import type { Pricing } from '../config/gateway-config.ts';

export interface ModelPrice extends Pricing {
  /** Provider wire format the price applies to. */
  providerType: string;
  /** Upstream model name; dated snapshots (`gpt-4o-mini-2024-07-18`) match by prefix. */
  model: string;
}

/**
 * List prices in USD per 1M tokens, used when the config gives none. The full catalogue arrives with
 * the providers issue; a config `pricing` always wins.
 * @see https://openai.com/api/pricing/
 */
export const modelPrices = [
  { providerType: 'openai', model: 'gpt-4o-mini', inputPerMillion: '0.15', outputPerMillion: '0.60' },
  { providerType: 'openai', model: 'gpt-4o', inputPerMillion: '2.50', outputPerMillion: '10.00' },
  { providerType: 'openai', model: 'gpt-4.1-nano', inputPerMillion: '0.10', outputPerMillion: '0.40' },
  { providerType: 'openai', model: 'gpt-4.1-mini', inputPerMillion: '0.40', outputPerMillion: '1.60' },
  { providerType: 'openai', model: 'gpt-4.1', inputPerMillion: '2.00', outputPerMillion: '8.00' },
  { providerType: 'openai', model: 'o4-mini', inputPerMillion: '1.10', outputPerMillion: '4.40' },
  { providerType: 'mock', model: 'echo', inputPerMillion: '0', outputPerMillion: '0' },
  { providerType: 'mock', model: 'classifier', inputPerMillion: '0', outputPerMillion: '0' },
] as const satisfies readonly ModelPrice[];

const zeroPrice: Pricing = { inputPerMillion: '0', outputPerMillion: '0' };

/** The longest catalogue entry that prefixes the model wins; unknown models cost zero. */
export function findModelPrice(options: { providerType: string; model: string; prices?: readonly ModelPrice[] }): Pricing {
  const candidates = (options.prices ?? modelPrices).filter(
    (price) => price.providerType === options.providerType && (options.model === price.model || options.model.startsWith(`${price.model}-`)),
  );
  const best = candidates.sort((left, right) => right.model.length - left.model.length)[0];
  return best ? { inputPerMillion: best.inputPerMillion, outputPerMillion: best.outputPerMillion } : zeroPrice;
}
