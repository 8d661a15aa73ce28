import type { ModelDefinition } from './model-definition.ts';

/**
 * The built-in mock provider: free, and it accepts (and ignores) tools, images and response formats,
 * so tests can exercise any request shape.
 */
export const mockModels = [
  {
    providerType: 'mock',
    id: 'echo',
    contextWindow: 1_000_000,
    maxOutputTokens: 1_000_000,
    capabilities: { tools: true, vision: true, jsonMode: true },
    prices: { input: '0', output: '0' },
    pricedAt: '2026-11-24',
  },
  {
    providerType: 'mock',
    id: 'classifier',
    contextWindow: 1_000_000,
    maxOutputTokens: 1_000_000,
    capabilities: { tools: true, vision: true, jsonMode: true },
    prices: { input: '0', output: '0' },
    pricedAt: '2026-11-24',
  },
  // Deterministic unit vectors, 8 long unless the request sets `dimensions`.
  {
    providerType: 'mock',
    kind: 'embeddings',
    id: 'embed',
    dimensions: 8,
    contextWindow: 1_000_000,
    maxOutputTokens: 0,
    capabilities: { tools: false, vision: false, jsonMode: false },
    prices: { input: '0', output: '0' },
    pricedAt: '2026-12-04',
  },
] as const satisfies readonly ModelDefinition[];
