import Big from 'big.js';
import type { Pricing } from '../config/gateway-config.ts';
import type { TokenUsage } from '../providers/chat-completion-schemas.ts';

/** Exact decimal cost in USD as a string for a `numeric` column; never a float. */
export function computeCost(options: { usage: TokenUsage; pricing: Pricing }): string {
  const { usage, pricing } = options;
  // Cache reads and writes are part of promptTokens; each is priced at its own rate when there is one.
  const cached = Math.min(usage.cachedPromptTokens ?? 0, usage.promptTokens);
  const written = Math.min(usage.cacheCreationTokens ?? 0, usage.promptTokens - cached);
  const input = new Big(pricing.inputPerMillion)
    .times(usage.promptTokens - cached - written)
    .plus(new Big(pricing.cachedInputPerMillion ?? pricing.inputPerMillion).times(cached))
    .plus(new Big(pricing.cacheWriteInputPerMillion ?? pricing.inputPerMillion).times(written));
  const output = new Big(pricing.outputPerMillion).times(usage.completionTokens);
  return input.plus(output).div(1_000_000).toFixed(10);
}
