import { describe, expect, it } from 'vitest';
import { providerSchema } from '../../config/provider-config.ts';
import { modelCatalogue } from './index.ts';

const vendors = modelCatalogue.filter((definition) => definition.providerType !== 'mock');
const decimal = /^\d+(\.\d+)?$/;

describe('model catalogue', () => {
  it('lists at least 60 vendor models', () => {
    expect(vendors.length).toBeGreaterThanOrEqual(60);
  });

  it('covers every provider we support', () => {
    const types = new Set(vendors.map((definition) => definition.providerType));
    for (const type of ['openai', 'anthropic', 'google', 'mistral', 'groq', 'together', 'deepseek', 'xai', 'fireworks', 'perplexity', 'cerebras']) {
      expect(types, type).toContain(type);
    }
  });

  it('names only provider types the config accepts', () => {
    for (const { providerType } of modelCatalogue) {
      expect(
        providerSchema.options.some((option) => option.shape.type.safeParse(providerType).success),
        providerType,
      ).toBe(true);
    }
  });

  it('has unique ids per provider type', () => {
    const keys = modelCatalogue.map((definition) => `${definition.providerType}/${definition.id}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it.each(modelCatalogue.map((definition) => [`${definition.providerType}/${definition.id}`, definition] as const))('%s is well formed', (_key, definition) => {
    expect(definition.id).toMatch(/^\S+$/);
    expect(definition.prices.input).toMatch(decimal);
    expect(definition.prices.output).toMatch(decimal);
    if (definition.prices.cachedInput !== undefined) {
      expect(definition.prices.cachedInput).toMatch(decimal);
      // A cache hit never costs more than a miss.
      expect(Number(definition.prices.cachedInput)).toBeLessThanOrEqual(Number(definition.prices.input));
    }
    expect(definition.pricedAt).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(new Date(`${definition.pricedAt}T00:00:00Z`).toISOString().slice(0, 10)).toBe(definition.pricedAt);
    expect(Number.isInteger(definition.contextWindow) && definition.contextWindow > 0).toBe(true);
    expect(definition.contextWindow).toBeGreaterThanOrEqual(definition.maxOutputTokens);
    expect(Object.keys(definition.capabilities).sort()).toEqual(['jsonMode', 'tools', 'vision']);
    if (definition.kind === 'embeddings') {
      // Embeddings models read input only: no output tokens, no chat features, a default vector size.
      expect(definition.maxOutputTokens).toBe(0);
      expect(definition.prices.output).toBe('0');
      expect(Object.values(definition.capabilities)).toEqual([false, false, false]);
      expect(Number.isInteger(definition.dimensions) && (definition.dimensions ?? 0) > 0).toBe(true);
    } else {
      expect(Number.isInteger(definition.maxOutputTokens) && definition.maxOutputTokens > 0).toBe(true);
      expect(definition.dimensions).toBeUndefined();
    }
  });

  it('knows embeddings models of every provider that serves them', () => {
    const embedding = new Set(vendors.filter((definition) => definition.kind === 'embeddings').map((definition) => definition.providerType));
    expect([...embedding].sort()).toEqual(['google', 'mistral', 'openai']);
  });

  it('prices every vendor model above zero', () => {
    for (const definition of vendors) expect(Number(definition.prices.input) + Number(definition.prices.output), definition.id).toBeGreaterThan(0);
  });
});
