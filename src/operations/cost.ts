import Big from 'big.js';
import type { Pricing } from '../config/gateway-config.ts';
import type { TokenUsage } from '../providers/chat-completion-schemas.ts';

/**
 * The rates a request is billed at: the highest long-prompt tier its input passes (strictly more
 * than `aboveInputTokens`, cached and cache-write tokens included), applied to the whole request as
 * Google and Anthropic bill, over the base rates for the fields the tier does not set.
 */
export function ratesFor(pricing: Pricing, promptTokens: number): Omit<Pricing, 'tiers'> {
  const { tiers, ...base } = pricing;
  let rates = base;
  for (const { aboveInputTokens, ...tier } of [...(tiers ?? [])].sort((a, b) => a.aboveInputTokens - b.aboveInputTokens)) {
    if (promptTokens > aboveInputTokens) rates = { ...rates, ...tier };
  }
  return rates;
}

/**
 * Exact decimal cost in USD as a string for a `numeric` column; never a float. Reasoning tokens are
 * part of `completionTokens` and billed as output, as OpenAI and Google bill them.
 */
export function computeCost(options: { usage: TokenUsage; pricing: Pricing }): string {
  const { usage } = options;
  const pricing = ratesFor(options.pricing, usage.promptTokens);
  // Cache reads and writes are part of promptTokens; each is priced at its own rate when there is one.
  const cached = Math.min(usage.cachedPromptTokens ?? 0, usage.promptTokens);
  const written = Math.min(usage.cacheCreationTokens ?? 0, usage.promptTokens - cached);
  const writtenFor1h = Math.min(usage.cacheCreation1hTokens ?? 0, written);
  const cacheWrite = pricing.cacheWriteInputPerMillion ?? pricing.inputPerMillion;
  const input = new Big(pricing.inputPerMillion)
    .times(usage.promptTokens - cached - written)
    .plus(new Big(pricing.cachedInputPerMillion ?? pricing.inputPerMillion).times(cached))
    .plus(new Big(cacheWrite).times(written - writtenFor1h))
    .plus(new Big(pricing.cacheWrite1hInputPerMillion ?? cacheWrite).times(writtenFor1h));
  const output = new Big(pricing.outputPerMillion).times(usage.completionTokens);
  return input.plus(output).div(1_000_000).toFixed(10);
}

/**
 * What a call is recorded as costing: the exact cost at the route's price, or, for a route nothing
 * prices, an unknown cost (stored as NULL, left out of cost sums and counted apart), never a zero
 * that reads as free.
 */
export function billedCost(options: { usage: TokenUsage; route: { pricing: Pricing; unpriced?: true | undefined } }): { cost: string; costUnknown?: true } {
  if (options.route.unpriced) return { cost: '0', costUnknown: true };
  return { cost: computeCost({ usage: options.usage, pricing: options.route.pricing }) };
}

/** The cost a client is told (`x-gateway-cost`, `usage.cost`): none at all when it is unknown, never a made-up zero. */
export function knownCost(usage: { cost: string; costUnknown?: true | undefined } | null | undefined): string | undefined {
  return usage && !usage.costUnknown ? usage.cost : undefined;
}
