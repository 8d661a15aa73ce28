import type { ModelDefinition } from './model-definition.ts';

const full = { tools: true, vision: true, jsonMode: true } as const;
const pricedAt = '2026-10-06';

/**
 * Mistral's API (`type: mistral`). Mistral publishes no output limit apart from the context window
 * for most models; there `maxOutputTokens` is the window.
 * @see https://mistral.ai/pricing#api-pricing and https://docs.mistral.ai/getting-started/models/ (read 2026-10-06)
 */
export const mistralModels = [
  { providerType: 'mistral', id: 'mistral-large-latest', contextWindow: 262_144, maxOutputTokens: 262_144, capabilities: full, prices: { input: '0.50', output: '1.50' }, pricedAt },
  { providerType: 'mistral', id: 'mistral-medium-3.5', contextWindow: 262_144, maxOutputTokens: 262_144, capabilities: full, prices: { input: '1.50', output: '7.50' }, pricedAt },
  { providerType: 'mistral', id: 'mistral-small-latest', contextWindow: 128_000, maxOutputTokens: 16_384, capabilities: full, prices: { input: '0.10', output: '0.30' }, pricedAt },
  {
    providerType: 'mistral',
    id: 'ministral-14b-latest',
    contextWindow: 262_144,
    maxOutputTokens: 262_144,
    capabilities: full,
    prices: { input: '0.20', cachedInput: '0.02', output: '0.20' },
    pricedAt,
  },
  { providerType: 'mistral', id: 'ministral-8b-latest', contextWindow: 262_144, maxOutputTokens: 262_144, capabilities: full, prices: { input: '0.15', output: '0.15' }, pricedAt },
  // Code model: text only.
  {
    providerType: 'mistral',
    id: 'codestral-latest',
    contextWindow: 256_000,
    maxOutputTokens: 256_000,
    capabilities: { tools: true, vision: false, jsonMode: true },
    prices: { input: '0.30', output: '0.90' },
    pricedAt,
  },
  // Embeddings: input tokens only.
  {
    providerType: 'mistral',
    kind: 'embeddings',
    id: 'mistral-embed',
    dimensions: 1024,
    contextWindow: 8192,
    maxOutputTokens: 0,
    capabilities: { tools: false, vision: false, jsonMode: false },
    prices: { input: '0.10', output: '0' },
    pricedAt,
  },
  {
    providerType: 'mistral',
    kind: 'embeddings',
    id: 'codestral-embed',
    dimensions: 1536,
    contextWindow: 8192,
    maxOutputTokens: 0,
    capabilities: { tools: false, vision: false, jsonMode: false },
    prices: { input: '0.15', output: '0' },
    pricedAt,
  },
] as const satisfies readonly ModelDefinition[];
