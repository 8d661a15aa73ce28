import type { ModelDefinition } from './model-definition.ts';

const full = { tools: true, vision: true, jsonMode: true } as const;
const textOnly = { tools: true, vision: false, jsonMode: true } as const;

/**
 * Groq (`type: groq`); model ids include the publisher (`openai/gpt-oss-120b`).
 * @see https://groq.com/pricing and https://console.groq.com/docs/models (read 2026-08-29)
 */
export const groqModels = [
  {
    providerType: 'groq',
    id: 'openai/gpt-oss-120b',
    contextWindow: 131_072,
    maxOutputTokens: 65_536,
    capabilities: textOnly,
    prices: { input: '0.15', cachedInput: '0.075', output: '0.60' },
    pricedAt: '2026-08-29',
  },
  {
    providerType: 'groq',
    id: 'openai/gpt-oss-20b',
    contextWindow: 131_072,
    maxOutputTokens: 65_536,
    capabilities: textOnly,
    prices: { input: '0.075', cachedInput: '0.0375', output: '0.30' },
    pricedAt: '2026-08-29',
  },
  {
    providerType: 'groq',
    id: 'qwen/qwen3.8-27b',
    contextWindow: 131_042,
    maxOutputTokens: 16_384,
    capabilities: full,
    prices: { input: '0.80', cachedInput: '0.40', output: '4.00' },
    pricedAt: '2026-08-29',
  },
  { providerType: 'groq', id: 'qwen/qwen3-32b', contextWindow: 131_072, maxOutputTokens: 40_960, capabilities: textOnly, prices: { input: '0.29', output: '0.59' }, pricedAt: '2026-08-29' },
] as const satisfies readonly ModelDefinition[];

/**
 * Together AI (`type: together`), serverless models.
 * @see https://www.together.ai/pricing (taken 2026-11-24)
 */
export const togetherModels = [
  {
    providerType: 'together',
    id: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
    contextWindow: 131_072,
    maxOutputTokens: 8_192,
    capabilities: textOnly,
    prices: { input: '0.88', output: '0.88' },
    pricedAt: '2026-11-24',
  },
  {
    providerType: 'together',
    id: 'moonshotai/Kimi-K2.6',
    contextWindow: 262_144,
    maxOutputTokens: 131_000,
    capabilities: full,
    prices: { input: '1.20', cachedInput: '0.20', output: '4.50' },
    pricedAt: '2026-11-24',
  },
  {
    providerType: 'together',
    id: 'zai-org/GLM-5.2',
    contextWindow: 262_144,
    maxOutputTokens: 164_000,
    capabilities: textOnly,
    prices: { input: '1.40', cachedInput: '0.26', output: '4.40' },
    pricedAt: '2026-11-24',
  },
  {
    providerType: 'together',
    id: 'deepseek-ai/DeepSeek-V4-Pro',
    contextWindow: 512_000,
    maxOutputTokens: 384_000,
    capabilities: textOnly,
    prices: { input: '2.10', cachedInput: '0.20', output: '4.40' },
    pricedAt: '2026-11-24',
  },
] as const satisfies readonly ModelDefinition[];

/**
 * DeepSeek (`type: deepseek`). DeepSeek bills peak hours (weekdays 01:00–04:00 and 06:00–10:00 UTC)
 * at twice the off-peak rate; the catalogue holds the peak (list) rate, an upper bound. The legacy
 * name `deepseek-v4-flash` is served and billed as `deepseek-flash`.
 * @see https://api-docs.deepseek.com/quick_start/pricing (read 2026-10-17)
 */
export const deepseekModels = [
  {
    providerType: 'deepseek',
    id: 'deepseek-flash',
    contextWindow: 1_000_000,
    maxOutputTokens: 384_000,
    capabilities: full,
    prices: { input: '0.30', cachedInput: '0.006', output: '1.20' },
    pricedAt: '2026-10-17',
  },
  {
    providerType: 'deepseek',
    id: 'deepseek-v4-flash',
    contextWindow: 1_000_000,
    maxOutputTokens: 384_000,
    capabilities: full,
    prices: { input: '0.30', cachedInput: '0.006', output: '1.20' },
    pricedAt: '2026-10-17',
  },
  {
    providerType: 'deepseek',
    id: 'deepseek-v4-pro',
    contextWindow: 1_000_000,
    maxOutputTokens: 384_000,
    capabilities: textOnly,
    prices: { input: '1.32', cachedInput: '0.044', output: '3.96' },
    pricedAt: '2026-10-17',
  },
] as const satisfies readonly ModelDefinition[];

/**
 * xAI (`type: xai`). Requests over 200K tokens cost twice as much; the catalogue holds the lower band.
 * Grok 4.7 has no output limit apart from its window.
 * @see https://docs.x.ai/developers/pricing and https://docs.x.ai/developers/models (taken 2026-11-24)
 */
export const xaiModels = [
  { providerType: 'xai', id: 'grok-4.7', contextWindow: 500_000, maxOutputTokens: 500_000, capabilities: full, prices: { input: '2.00', cachedInput: '0.50', output: '6.00' }, pricedAt: '2026-11-24' },
  { providerType: 'xai', id: 'grok-4.5', contextWindow: 500_000, maxOutputTokens: 32_000, capabilities: full, prices: { input: '2.00', cachedInput: '0.50', output: '6.00' }, pricedAt: '2026-11-24' },
  {
    providerType: 'xai',
    id: 'grok-4.3',
    contextWindow: 1_000_000,
    maxOutputTokens: 30_000,
    capabilities: full,
    prices: { input: '1.25', cachedInput: '0.20', output: '2.50' },
    pricedAt: '2026-11-24',
  },
  {
    providerType: 'xai',
    id: 'grok-4-1-fast',
    contextWindow: 2_000_000,
    maxOutputTokens: 30_000,
    capabilities: full,
    prices: { input: '0.20', cachedInput: '0.05', output: '0.50' },
    pricedAt: '2026-11-24',
  },
] as const satisfies readonly ModelDefinition[];

/**
 * Fireworks AI (`type: fireworks`), serverless models by their full resource name.
 * @see https://fireworks.ai/pricing (taken 2026-11-24)
 */
export const fireworksModels = [
  {
    providerType: 'fireworks',
    id: 'accounts/fireworks/models/gpt-oss-120b',
    contextWindow: 131_072,
    maxOutputTokens: 32_768,
    capabilities: textOnly,
    prices: { input: '0.15', cachedInput: '0.01', output: '0.60' },
    pricedAt: '2026-11-24',
  },
  {
    providerType: 'fireworks',
    id: 'accounts/fireworks/models/kimi-k2p6',
    contextWindow: 262_000,
    maxOutputTokens: 262_000,
    capabilities: full,
    prices: { input: '0.95', cachedInput: '0.16', output: '4.00' },
    pricedAt: '2026-11-24',
  },
  {
    providerType: 'fireworks',
    id: 'accounts/fireworks/models/glm-5p2',
    contextWindow: 1_048_576,
    maxOutputTokens: 131_072,
    capabilities: textOnly,
    prices: { input: '1.40', cachedInput: '0.14', output: '4.40' },
    pricedAt: '2026-11-24',
  },
  {
    providerType: 'fireworks',
    id: 'accounts/fireworks/models/deepseek-v4-pro',
    contextWindow: 1_000_000,
    maxOutputTokens: 131_072,
    capabilities: textOnly,
    prices: { input: '1.74', cachedInput: '0.15', output: '3.48' },
    pricedAt: '2026-11-24',
  },
] as const satisfies readonly ModelDefinition[];

/**
 * Perplexity Sonar (`type: perplexity`): web-grounded answers without function calling. Per-request
 * search fees come on top of these token prices and are not priced here.
 * @see https://docs.perplexity.ai/getting-started/pricing (taken 2026-11-24)
 */
export const perplexityModels = [
  {
    providerType: 'perplexity',
    id: 'sonar',
    contextWindow: 128_000,
    maxOutputTokens: 4_096,
    capabilities: { tools: false, vision: false, jsonMode: true },
    prices: { input: '1.00', output: '1.00' },
    pricedAt: '2026-11-24',
  },
  {
    providerType: 'perplexity',
    id: 'sonar-pro',
    contextWindow: 200_000,
    maxOutputTokens: 8_192,
    capabilities: { tools: false, vision: true, jsonMode: true },
    prices: { input: '3.00', output: '15.00' },
    pricedAt: '2026-11-24',
  },
  {
    providerType: 'perplexity',
    id: 'sonar-reasoning-pro',
    contextWindow: 128_000,
    maxOutputTokens: 4_096,
    capabilities: { tools: false, vision: true, jsonMode: true },
    prices: { input: '2.00', output: '8.00' },
    pricedAt: '2026-11-24',
  },
] as const satisfies readonly ModelDefinition[];

/**
 * Cerebras (`type: cerebras`), shared (serverless) inference; windows are the paid tier's (the free
 * tier allows about half).
 * @see https://www.cerebras.ai/pricing and https://inference-docs.cerebras.ai/models/overview (read 2026-10-01)
 */
export const cerebrasModels = [
  { providerType: 'cerebras', id: 'gpt-oss-120b', contextWindow: 131_072, maxOutputTokens: 32_768, capabilities: textOnly, prices: { input: '0.35', output: '0.75' }, pricedAt: '2026-10-01' },
  { providerType: 'cerebras', id: 'qwen-3.8-27b', contextWindow: 131_072, maxOutputTokens: 32_768, capabilities: full, prices: { input: '0.99', output: '1.49' }, pricedAt: '2026-10-01' },
] as const satisfies readonly ModelDefinition[];
