import Big from 'big.js';
import type { Pricing } from '../config/gateway-config.ts';
import type { TokenUsage } from '../providers/chat-completion-schemas.ts';

/** Exact decimal cost in USD as a string for a `numeric` column; never a float. */
export function computeCost(options: { usage: TokenUsage; pricing: Pricing }): string {
  // Cached input tokens are part of promptTokens; they are priced at the cached rate when there is one.
  const cached = Math.min(options.usage.cachedPromptTokens ?? 0, options.usage.promptTokens);
  const cachedPrice = options.pricing.cachedInputPerMillion ?? options.pricing.inputPerMillion;
  const input = new Big(options.pricing.inputPerMillion)
    .times(options.usage.promptTokens - cached)
    .plus(new Big(cachedPrice).times(cached));
  const output = new Big(options.pricing.outputPerMillion).times(options.usage.completionTokens);
  return input.plus(output).div(1_000_000).toFixed(10);
}
