import type { OverlayEntry } from './overlay.ts';

const everything = { tools: true, vision: true, jsonMode: true } as const;
const free = { input: '0', output: '0' } as const;

/**
 * The built-in mock provider: free, and it accepts (and ignores) tools, images and response formats,
 * so tests can exercise any request shape.
 */
export const mockModels = [
  { providerType: 'mock', id: 'echo', contextWindow: 1_000_000, maxOutputTokens: 1_000_000, capabilities: everything, prices: free },
  { providerType: 'mock', id: 'classifier', contextWindow: 1_000_000, maxOutputTokens: 1_000_000, capabilities: everything, prices: free },
  // Deterministic unit vectors, 8 long unless the request sets `dimensions`.
  {
    providerType: 'mock',
    kind: 'embeddings',
    id: 'embed',
    dimensions: 8,
    contextWindow: 1_000_000,
    maxOutputTokens: 0,
    capabilities: { tools: false, vision: false, jsonMode: false },
    prices: free,
  },
] as const satisfies readonly OverlayEntry[];
