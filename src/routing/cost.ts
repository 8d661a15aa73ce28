import Big from 'big.js';
import type { Pricing } from '../config/gateway-config.ts';
import type { TokenUsage } from '../providers/chat-completion-schemas.ts';

/** Exact decimal cost in USD as a string for a `numeric` column; never a float. */
export function computeCost(options: { usage: TokenUsage; pricing: Pricing }): string {
  const input = new Big(options.pricing.inputPerMillion).times(options.usage.promptTokens);
  const output = new Big(options.pricing.outputPerMillion).times(options.usage.completionTokens);
  return input.plus(output).div(1_000_000).toFixed(10);
}
