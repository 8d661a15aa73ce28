import { mockModels } from './mock-models.ts';
import type { ModelDefinition } from './model-definition.ts';

/**
 * What the gateway knows beyond the catalogue packages, and wins over them: a patch of a package
 * entry (same `providerType` and `id`), or an entry of its own (then it must carry `capabilities`).
 */
export type OverlayEntry = Pick<ModelDefinition, 'providerType' | 'id'> & Partial<Omit<ModelDefinition, 'providerType' | 'id' | 'source'>>;

const noChatFeatures = { tools: false, vision: false, jsonMode: false } as const;

/**
 * Embeddings models: the vector length a request without `dimensions` gets, which neither package states.
 * @see https://developers.openai.com/api/docs/guides/embeddings
 * @see https://ai.google.dev/gemini-api/docs/embeddings
 * @see https://docs.mistral.ai/capabilities/embeddings/
 */
const embeddingsDimensions: readonly OverlayEntry[] = [
  { providerType: 'openai', id: 'text-embedding-3-small', dimensions: 1536 },
  { providerType: 'openai', id: 'text-embedding-3-large', dimensions: 3072 },
  { providerType: 'openai', id: 'text-embedding-ada-002', dimensions: 1536 },
  { providerType: 'google', id: 'gemini-embedding-001', dimensions: 3072 },
  { providerType: 'vertex', id: 'gemini-embedding-001', dimensions: 3072 },
  { providerType: 'mistral', id: 'mistral-embed', dimensions: 1024 },
  { providerType: 'mistral', id: 'codestral-embed', kind: 'embeddings', dimensions: 1536, maxOutputTokens: 0, capabilities: noChatFeatures, prices: { input: '0.15', output: '0' } },
];

/**
 * Capabilities the packages get wrong or do not state.
 * @see https://docs.perplexity.ai/guides/search-context (Sonar takes no client tools)
 */
const capabilityPatches: readonly OverlayEntry[] = [
  { providerType: 'perplexity', id: 'sonar', capabilities: { tools: false, vision: false, jsonMode: true } },
  { providerType: 'perplexity', id: 'sonar-pro', capabilities: { tools: false, vision: true, jsonMode: true } },
  { providerType: 'perplexity', id: 'sonar-reasoning-pro', capabilities: { tools: false, vision: true, jsonMode: true } },
];

const everything = { tools: true, vision: true, jsonMode: true } as const;
const textOnly = { tools: true, vision: false, jsonMode: true } as const;

/**
 * Models the pinned genai-prices does not list (or whose alias it maps to an older model), from the
 * providers' pricing pages. An exact id here wins over the package's match rules.
 * @see https://developers.openai.com/api/docs/pricing
 * @see https://platform.claude.com/docs/en/about-claude/pricing (5-minute cache writes 1.25× input, 1-hour 2×)
 * @see https://mistral.ai/pricing#api-pricing (`-latest` aliases name the newest model)
 * @see https://www.cerebras.ai/pricing
 */
const missingModels: readonly OverlayEntry[] = [
  { providerType: 'openai', id: 'gpt-6.2-sol', contextWindow: 1_050_000, maxOutputTokens: 128_000, capabilities: everything, prices: { input: '2.00', cachedInput: '0.10', output: '10.00' } },
  {
    providerType: 'anthropic',
    id: 'claude-fable-5-2',
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    capabilities: everything,
    prices: { input: '8.00', cacheWriteInput: '10.00', cacheWrite1hInput: '16.00', cachedInput: '0.20', output: '40.00' },
  },
  {
    providerType: 'anthropic',
    id: 'claude-sonnet-5-5',
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    capabilities: everything,
    prices: { input: '2.00', cacheWriteInput: '2.50', cacheWrite1hInput: '4.00', cachedInput: '0.10', output: '10.00' },
  },
  {
    providerType: 'anthropic',
    id: 'claude-haiku-5-5',
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    capabilities: everything,
    // Prompts over 100,000 tokens cost 5× (input 0.50, output 2.50).
    prices: {
      input: '0.10',
      cacheWriteInput: '0.125',
      cacheWrite1hInput: '0.20',
      cachedInput: '0.01',
      output: '0.50',
      tiers: [{ aboveInputTokens: 100_000, input: '0.50', output: '2.50' }],
    },
  },
  { providerType: 'mistral', id: 'mistral-large-latest', contextWindow: 262_144, maxOutputTokens: 262_144, capabilities: everything, prices: { input: '0.50', output: '1.50' } },
  { providerType: 'mistral', id: 'ministral-14b-latest', contextWindow: 262_144, maxOutputTokens: 262_144, capabilities: everything, prices: { input: '0.20', cachedInput: '0.02', output: '0.20' } },
  { providerType: 'mistral', id: 'ministral-8b-latest', capabilities: everything },
  { providerType: 'deepseek', id: 'deepseek-v4-pro', capabilities: textOnly },
  { providerType: 'cerebras', id: 'qwen-3.8-27b', contextWindow: 131_072, maxOutputTokens: 32_768, capabilities: everything, prices: { input: '0.99', output: '1.49' } },
];

/** The overlay, applied in this order over the package entries. */
export const modelOverlay: readonly OverlayEntry[] = [...embeddingsDimensions, ...capabilityPatches, ...missingModels, ...mockModels];
