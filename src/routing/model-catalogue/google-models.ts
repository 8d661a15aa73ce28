import type { ModelDefinition } from './model-definition.ts';

// Gemini takes text, images, audio and video, calls functions and honours JSON schemas.
const full = { tools: true, vision: true, jsonMode: true } as const;
const pricedAt = '2026-10-07';

/**
 * Gemini on the Gemini Developer API, paid tier. Pro models cost more for prompts over 200K tokens;
 * the catalogue holds the lower band.
 * @see https://ai.google.dev/gemini-api/docs/pricing (read 2026-10-07)
 * @see https://ai.google.dev/gemini-api/docs/models
 */
export const googleModels = [
  // Introductory price through 2026-12-31; from 2027-01-01 input 1.50, cached 0.15, output 7.50.
  { providerType: 'google', id: 'gemini-3.8-flash', contextWindow: 1_048_576, maxOutputTokens: 65_536, capabilities: full, prices: { input: '0.75', cachedInput: '0.075', output: '3.75' }, pricedAt },
  { providerType: 'google', id: 'gemini-3.7-flash', contextWindow: 1_048_576, maxOutputTokens: 65_536, capabilities: full, prices: { input: '1.50', cachedInput: '0.15', output: '7.50' }, pricedAt },
  { providerType: 'google', id: 'gemini-3.5-flash', contextWindow: 1_048_576, maxOutputTokens: 65_536, capabilities: full, prices: { input: '1.50', cachedInput: '0.15', output: '9.00' }, pricedAt },
  { providerType: 'google', id: 'gemini-3.5-flash-lite', contextWindow: 1_048_576, maxOutputTokens: 65_536, capabilities: full, prices: { input: '0.30', output: '2.50' }, pricedAt },
  {
    providerType: 'google',
    id: 'gemini-3.1-pro-preview',
    contextWindow: 1_048_576,
    maxOutputTokens: 65_536,
    capabilities: full,
    prices: { input: '2.00', cachedInput: '0.20', output: '12.00' },
    pricedAt,
  },
  {
    providerType: 'google',
    id: 'gemini-3.1-flash-lite',
    contextWindow: 1_048_576,
    maxOutputTokens: 65_536,
    capabilities: full,
    prices: { input: '0.25', cachedInput: '0.025', output: '1.50' },
    pricedAt,
  },
  { providerType: 'google', id: 'gemini-2.5-pro', contextWindow: 1_048_576, maxOutputTokens: 65_536, capabilities: full, prices: { input: '1.25', cachedInput: '0.125', output: '10.00' }, pricedAt },
  { providerType: 'google', id: 'gemini-2.5-flash', contextWindow: 1_048_576, maxOutputTokens: 65_536, capabilities: full, prices: { input: '0.30', cachedInput: '0.03', output: '2.50' }, pricedAt },
  {
    providerType: 'google',
    id: 'gemini-2.5-flash-lite',
    contextWindow: 1_048_576,
    maxOutputTokens: 65_536,
    capabilities: full,
    prices: { input: '0.10', cachedInput: '0.01', output: '0.40' },
    pricedAt,
  },
  // Embeddings (`embedContent`): input tokens only; `dimensions` becomes `outputDimensionality`.
  {
    providerType: 'google',
    kind: 'embeddings',
    id: 'gemini-embedding-001',
    dimensions: 3072,
    contextWindow: 2048,
    maxOutputTokens: 0,
    capabilities: { tools: false, vision: false, jsonMode: false },
    prices: { input: '0.15', output: '0' },
    pricedAt,
  },
] as const satisfies readonly ModelDefinition[];
