import { describe, expect, it } from 'vitest';
import { computeCost } from '../operations/cost.ts';
import { convertAnthropicUsage } from '../providers/anthropic/convert-anthropic-usage.ts';
import type { TokenUsage } from '../providers/chat-completion-schemas.ts';
import { convertGeminiUsage } from '../providers/google/chat/convert-gemini-usage.ts';
import { findModelDefinition } from './find-model.ts';
import { resolveBatchPricing } from './resolve-batch-pricing.ts';
import { resolvePricing } from './resolve-pricing.ts';

/** What the gateway bills for one call of a catalogue model, sync or through the provider's batch API at `discount`. */
function bill(options: { providerType: string; model: string; usage: Omit<TokenUsage, 'totalTokens'>; batchDiscount?: string }): string {
  const definition = findModelDefinition({ providerType: options.providerType, model: options.model });
  expect(definition?.prices, `${options.providerType}/${options.model} is priced`).toBeDefined();
  const route = { ...resolvePricing({ definition }), definition };
  const pricing = options.batchDiscount ? resolveBatchPricing(route, options.batchDiscount) : route.pricing;
  const usage = { ...options.usage, totalTokens: options.usage.promptTokens + options.usage.completionTokens };
  return computeCost({ usage, pricing });
}

/**
 * Worked examples per provider family: the prices come from the pinned catalogue package, the
 * arithmetic is done by hand in each comment, and the cost is an exact decimal string.
 */
describe('price examples', () => {
  // https://developers.openai.com/api/docs/pricing — gpt-4o: 2.50 input, 1.25 cached input, 10.00 output.
  it('OpenAI: cached input at its rate; reasoning tokens are part of completion tokens, billed as output', () => {
    // 800 × 2.50 + 200 × 1.25 + 500 × 10.00 = 7,250 per million.
    expect(bill({ providerType: 'openai', model: 'gpt-4o-2024-08-06', usage: { promptTokens: 1_000, cachedPromptTokens: 200, completionTokens: 500 } })).toBe('0.0072500000');
  });

  // https://developers.openai.com/api/docs/guides/batch — 50% off through the Batch API.
  it('OpenAI through the Batch API: half of every rate', () => {
    expect(bill({ providerType: 'openai', model: 'gpt-4o', usage: { promptTokens: 1_000, cachedPromptTokens: 200, completionTokens: 500 }, batchDiscount: '0.5' })).toBe('0.0036250000');
  });

  // https://developers.openai.com/api/docs/models/gpt-6-luna — 2× input and 1.5× output above 272K input tokens.
  it('OpenAI long context: gpt-6-luna above 272K input', () => {
    // 300,000 × 0.20 + 1,000 × 0.75 = 60,750 per million.
    expect(bill({ providerType: 'openai', model: 'gpt-6-luna', usage: { promptTokens: 300_000, completionTokens: 1_000 } })).toBe('0.0607500000');
  });

  // https://platform.claude.com/docs/en/about-claude/pricing — Sonnet 4.5: 3 input, 3.75 5-minute cache
  // write, 6 1-hour cache write, 0.30 cache hit, 15 output.
  it('Anthropic: cache reads, 5-minute and 1-hour cache writes each at its own rate', () => {
    const usage = convertAnthropicUsage({
      input_tokens: 5_000,
      cache_read_input_tokens: 2_000,
      cache_creation_input_tokens: 3_000,
      cache_creation: { ephemeral_5m_input_tokens: 2_000, ephemeral_1h_input_tokens: 1_000 },
      output_tokens: 1_000,
    });
    // 5,000 × 3 + 2,000 × 0.30 + 2,000 × 3.75 + 1,000 × 6 + 1,000 × 15 = 44,100 per million.
    expect(bill({ providerType: 'anthropic', model: 'claude-sonnet-4-5-20250929', usage })).toBe('0.0441000000');
  });

  // https://platform.claude.com/docs/en/about-claude/pricing#long-context-pricing — above 200K input
  // tokens the whole request is billed at 6 input and 22.50 output.
  it('Anthropic long context: the whole request at the higher tier', () => {
    // 250,000 × 6 + 1,000 × 22.50 = 1,522,500 per million.
    expect(bill({ providerType: 'anthropic', model: 'claude-sonnet-4-5', usage: { promptTokens: 250_000, completionTokens: 1_000 } })).toBe('1.5225000000');
    // Through the Message Batches API (50% off), the tier is halved too: 761,250 per million.
    expect(bill({ providerType: 'anthropic', model: 'claude-sonnet-4-5', usage: { promptTokens: 250_000, completionTokens: 1_000 }, batchDiscount: '0.5' })).toBe('0.7612500000');
  });

  // https://ai.google.dev/gemini-api/docs/pricing#gemini-2.5-pro — 1.25 input and 10 output for prompts
  // up to 200K tokens; 2.50 and 15 for prompts longer than 200K.
  it('Google: a prompt of exactly 200K tokens is at the base rate, one token more is all at the higher rate', () => {
    // 200,000 × 1.25 + 1,000 × 10 = 260,000 per million.
    expect(bill({ providerType: 'google', model: 'gemini-2.5-pro', usage: { promptTokens: 200_000, completionTokens: 1_000 } })).toBe('0.2600000000');
    // 200,001 × 2.50 + 1,000 × 15 = 515,002.5 per million.
    expect(bill({ providerType: 'google', model: 'gemini-2.5-pro', usage: { promptTokens: 200_001, completionTokens: 1_000 } })).toBe('0.5150025000');
  });

  // https://ai.google.dev/gemini-api/docs/batch-mode — Batch Mode is 50% of the standard price, long-prompt tier included.
  it('Google through Batch Mode: half of both tiers', () => {
    // (200,001 × 2.50 + 1,000 × 15) / 2 = 257,501.25 per million.
    expect(bill({ providerType: 'google', model: 'gemini-2.5-pro', usage: { promptTokens: 200_001, completionTokens: 1_000 }, batchDiscount: '0.5' })).toBe('0.2575012500');
  });

  // https://ai.google.dev/gemini-api/docs/pricing#gemini-2.5-flash — 0.30 input, 0.03 cached, 2.50 output
  // "including thinking tokens".
  it('Google: thinking tokens are billed as output', () => {
    const { usage } = convertGeminiUsage({ promptTokenCount: 1_000, cachedContentTokenCount: 400, candidatesTokenCount: 100, thoughtsTokenCount: 900 });
    // 600 × 0.30 + 400 × 0.03 + (100 + 900) × 2.50 = 2,692 per million.
    expect(bill({ providerType: 'google', model: 'gemini-2.5-flash', usage })).toBe('0.0026920000');
  });

  // https://mistral.ai/pricing#api-pricing — Mistral Small: 0.10 input, 0.30 output.
  it('Mistral', () => {
    expect(bill({ providerType: 'mistral', model: 'mistral-small-latest', usage: { promptTokens: 1_000_000, completionTokens: 1_000_000 } })).toBe('0.4000000000');
  });

  // https://aws.amazon.com/bedrock/pricing/ — Amazon Nova Pro: 0.80 input, 0.20 cached, 3.20 output.
  it('Bedrock', () => {
    // 9,000 × 0.80 + 1,000 × 0.20 + 2,000 × 3.20 = 13,800 per million.
    expect(bill({ providerType: 'bedrock', model: 'amazon.nova-pro-v1:0', usage: { promptTokens: 10_000, cachedPromptTokens: 1_000, completionTokens: 2_000 } })).toBe('0.0138000000');
  });

  // https://groq.com/pricing — Llama 3.3 70B Versatile: 0.59 input, 0.79 output.
  it('an OpenAI-compatible preset: Groq', () => {
    // 3,000 × 0.59 + 700 × 0.79 = 2,323 per million.
    expect(bill({ providerType: 'groq', model: 'llama-3.3-70b-versatile', usage: { promptTokens: 3_000, completionTokens: 700 } })).toBe('0.0023230000');
  });
});
