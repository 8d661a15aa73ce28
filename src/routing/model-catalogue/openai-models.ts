import type { ModelDefinition } from './model-definition.ts';

const full = { tools: true, vision: true, jsonMode: true } as const;
const embeddingsOnly = { tools: false, vision: false, jsonMode: false } as const;
const pricedAt = '2026-11-05';

/**
 * OpenAI's text models, also what Azure OpenAI deployments are priced as. Prices are Standard-tier
 * short-context rates (GPT-5.4 and later charge more above 272K input tokens).
 * @see https://developers.openai.com/api/docs/pricing (read 2026-11-05)
 * @see https://developers.openai.com/api/docs/models (context window and output limit per model)
 */
export const openaiModels = [
  { providerType: 'openai', id: 'gpt-6-astra', contextWindow: 1_050_000, maxOutputTokens: 128_000, capabilities: full, prices: { input: '10.00', cachedInput: '1.00', output: '50.00' }, pricedAt },
  { providerType: 'openai', id: 'gpt-6.2-sol', contextWindow: 1_050_000, maxOutputTokens: 128_000, capabilities: full, prices: { input: '2.00', cachedInput: '0.10', output: '10.00' }, pricedAt },
  { providerType: 'openai', id: 'gpt-6-sol', contextWindow: 1_050_000, maxOutputTokens: 128_000, capabilities: full, prices: { input: '2.00', cachedInput: '0.20', output: '10.00' }, pricedAt },
  { providerType: 'openai', id: 'gpt-6-luna', contextWindow: 1_050_000, maxOutputTokens: 128_000, capabilities: full, prices: { input: '0.10', cachedInput: '0.01', output: '0.50' }, pricedAt },
  { providerType: 'openai', id: 'gpt-5.5', contextWindow: 1_050_000, maxOutputTokens: 128_000, capabilities: full, prices: { input: '5.00', cachedInput: '0.50', output: '30.00' }, pricedAt },
  { providerType: 'openai', id: 'gpt-5.5-pro', contextWindow: 1_050_000, maxOutputTokens: 128_000, capabilities: full, prices: { input: '30.00', output: '180.00' }, pricedAt },
  { providerType: 'openai', id: 'gpt-5.4', contextWindow: 1_050_000, maxOutputTokens: 128_000, capabilities: full, prices: { input: '2.50', cachedInput: '0.25', output: '15.00' }, pricedAt },
  { providerType: 'openai', id: 'gpt-5.4-pro', contextWindow: 1_050_000, maxOutputTokens: 128_000, capabilities: full, prices: { input: '30.00', output: '180.00' }, pricedAt },
  { providerType: 'openai', id: 'gpt-5.4-mini', contextWindow: 400_000, maxOutputTokens: 128_000, capabilities: full, prices: { input: '0.75', cachedInput: '0.075', output: '4.50' }, pricedAt },
  { providerType: 'openai', id: 'gpt-5.4-nano', contextWindow: 400_000, maxOutputTokens: 128_000, capabilities: full, prices: { input: '0.20', cachedInput: '0.02', output: '1.25' }, pricedAt },
  { providerType: 'openai', id: 'gpt-5', contextWindow: 400_000, maxOutputTokens: 128_000, capabilities: full, prices: { input: '1.25', cachedInput: '0.125', output: '10.00' }, pricedAt },
  { providerType: 'openai', id: 'gpt-5-mini', contextWindow: 400_000, maxOutputTokens: 128_000, capabilities: full, prices: { input: '0.25', cachedInput: '0.025', output: '2.00' }, pricedAt },
  { providerType: 'openai', id: 'gpt-5-nano', contextWindow: 400_000, maxOutputTokens: 128_000, capabilities: full, prices: { input: '0.05', cachedInput: '0.005', output: '0.40' }, pricedAt },
  { providerType: 'openai', id: 'gpt-4.1', contextWindow: 1_047_576, maxOutputTokens: 32_768, capabilities: full, prices: { input: '2.00', cachedInput: '0.50', output: '8.00' }, pricedAt },
  { providerType: 'openai', id: 'gpt-4.1-mini', contextWindow: 1_047_576, maxOutputTokens: 32_768, capabilities: full, prices: { input: '0.40', cachedInput: '0.10', output: '1.60' }, pricedAt },
  { providerType: 'openai', id: 'gpt-4.1-nano', contextWindow: 1_047_576, maxOutputTokens: 32_768, capabilities: full, prices: { input: '0.10', cachedInput: '0.025', output: '0.40' }, pricedAt },
  { providerType: 'openai', id: 'gpt-4o', contextWindow: 128_000, maxOutputTokens: 16_384, capabilities: full, prices: { input: '2.50', cachedInput: '1.25', output: '10.00' }, pricedAt },
  { providerType: 'openai', id: 'gpt-4o-mini', contextWindow: 128_000, maxOutputTokens: 16_384, capabilities: full, prices: { input: '0.15', cachedInput: '0.075', output: '0.60' }, pricedAt },
  { providerType: 'openai', id: 'o3', contextWindow: 200_000, maxOutputTokens: 100_000, capabilities: full, prices: { input: '2.00', cachedInput: '0.50', output: '8.00' }, pricedAt },
  // Text only: no image input.
  {
    providerType: 'openai',
    id: 'o3-mini',
    contextWindow: 200_000,
    maxOutputTokens: 100_000,
    capabilities: { tools: true, vision: false, jsonMode: true },
    prices: { input: '1.10', cachedInput: '0.55', output: '4.40' },
    pricedAt,
  },
  // Embeddings: input tokens only (no output); `dimensions` shortens text-embedding-3 vectors.
  {
    providerType: 'openai',
    kind: 'embeddings',
    id: 'text-embedding-3-small',
    dimensions: 1536,
    contextWindow: 8191,
    maxOutputTokens: 0,
    capabilities: embeddingsOnly,
    prices: { input: '0.02', output: '0' },
    pricedAt,
  },
  {
    providerType: 'openai',
    kind: 'embeddings',
    id: 'text-embedding-3-large',
    dimensions: 3072,
    contextWindow: 8191,
    maxOutputTokens: 0,
    capabilities: embeddingsOnly,
    prices: { input: '0.13', output: '0' },
    pricedAt,
  },
  {
    providerType: 'openai',
    kind: 'embeddings',
    id: 'text-embedding-ada-002',
    dimensions: 1536,
    contextWindow: 8191,
    maxOutputTokens: 0,
    capabilities: embeddingsOnly,
    prices: { input: '0.10', output: '0' },
    pricedAt,
  },
  { providerType: 'openai', id: 'o4-mini', contextWindow: 200_000, maxOutputTokens: 100_000, capabilities: full, prices: { input: '1.10', cachedInput: '0.275', output: '4.40' }, pricedAt },
] as const satisfies readonly ModelDefinition[];
