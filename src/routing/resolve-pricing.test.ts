import { describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../config/gateway-config.ts';
import { catalogueProviderType, findModelDefinition } from './find-model.ts';
import { CatalogueIndex, modelCatalogue, type ModelDefinition } from './model-catalogue/index.ts';
import { cataloguePricing, resolvePricing, zeroPricing } from './resolve-pricing.ts';
import { describeRoutes, resolveRoutes } from './resolve-route.ts';

function catalogued(options: { providerType: string; model: string; catalogue?: CatalogueIndex }) {
  const prices = findModelDefinition(options)?.prices;
  return prices ? cataloguePricing(prices) : zeroPricing;
}

describe('findModelDefinition: dated snapshots match their base entry', () => {
  it.each([
    ['gpt-4o-mini', 'gpt-4o-mini', '0.15', '0.6'],
    ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini', '0.15', '0.6'],
    ['gpt-4o', 'gpt-4o', '2.5', '10'],
    ['gpt-4o-2024-08-06', 'gpt-4o', '2.5', '10'],
    ['gpt-4.1', 'gpt-4.1', '2', '8'],
    ['gpt-4.1-mini-2025-04-14', 'gpt-4.1-mini', '0.4', '1.6'],
    ['gpt-4.1-nano', 'gpt-4.1-nano', '0.1', '0.4'],
    ['gpt-5-mini-2025-08-07', 'gpt-5-mini', '0.25', '2'],
    ['gpt-5.4-pro-2026-03-05', 'gpt-5.4-pro', '30', '180'],
  ])('prices %s as %s (the package’s match rules)', (model, id, input, output) => {
    expect(findModelDefinition({ providerType: 'openai', model })?.id).toBe(id);
    expect(catalogued({ providerType: 'openai', model })).toMatchObject({ inputPerMillion: input, outputPerMillion: output });
  });

  it('matches Anthropic snapshots and keeps version families apart', () => {
    expect(findModelDefinition({ providerType: 'anthropic', model: 'claude-haiku-4-5-20251001' })?.id).toBe('claude-haiku-4-5');
    expect(findModelDefinition({ providerType: 'anthropic', model: 'claude-opus-5-5' })?.id).toBe('claude-opus-5-5');
    expect(findModelDefinition({ providerType: 'anthropic', model: 'claude-opus-5-20260724' })?.id).toBe('claude-opus-5');
  });

  it('does not match a prefix that is not followed by a dash', () => {
    // `gpt-4o` must not price `gpt-4omni`, nor `gpt-4` price `gpt-4o`.
    expect(findModelDefinition({ providerType: 'openai', model: 'gpt-4omni' })).toBeUndefined();
    expect(catalogued({ providerType: 'openai', model: 'gpt-4omni' })).toEqual({ inputPerMillion: '0', outputPerMillion: '0' });
  });

  it('only uses entries of the same provider type', () => {
    expect(findModelDefinition({ providerType: 'mock', model: 'gpt-4o' })).toBeUndefined();
    expect(findModelDefinition({ providerType: 'groq', model: 'gpt-oss-120b' })).toBeUndefined();
    expect(findModelDefinition({ providerType: 'cerebras', model: 'gpt-oss-120b' })?.prices?.input).toBe('0.35');
  });

  it('finds the longest prefix of an entry without match rules, whatever the catalogue order', () => {
    const base = { contextWindow: 10, maxOutputTokens: 5, capabilities: { tools: true, vision: true, jsonMode: true }, source: 'overlay' } as const;
    const entries: ModelDefinition[] = [
      { ...base, providerType: 'openai', id: 'm', prices: { input: '1', output: '1' } },
      { ...base, providerType: 'openai', id: 'm-large', prices: { input: '9', output: '9' } },
    ];
    const catalogue = new CatalogueIndex(entries);
    expect(findModelDefinition({ providerType: 'openai', model: 'm-large-001', catalogue })?.id).toBe('m-large');
    expect(findModelDefinition({ providerType: 'openai', model: 'm-large-001', catalogue: new CatalogueIndex([...entries].reverse()) })?.id).toBe('m-large');
    expect(findModelDefinition({ providerType: 'openai', model: 'm-001', catalogue })?.id).toBe('m');
  });

  it('does not reorder the catalogue it reads', () => {
    const before = modelCatalogue.map((definition) => definition.id);
    findModelDefinition({ providerType: 'openai', model: 'gpt-4o-mini-2024-07-18' });
    expect(modelCatalogue.map((definition) => definition.id)).toEqual(before);
  });
});

describe('catalogueProviderType', () => {
  it('prices Azure deployments from OpenAI’s entries', () => {
    expect(catalogueProviderType('azure')).toBe('openai');
    expect(findModelDefinition({ providerType: 'azure', model: 'gpt-4o-mini-2024-07-18' })?.providerType).toBe('openai');
  });

  it('gives every other type, presets included, its own entries, and local servers none', () => {
    expect(catalogueProviderType('mistral')).toBe('mistral');
    expect(findModelDefinition({ providerType: 'mistral', model: 'mistral-small-latest' })?.providerType).toBe('mistral');
    expect(findModelDefinition({ providerType: 'ollama', model: 'llama3' })).toBeUndefined();
    expect(catalogueProviderType('ollama')).toBeUndefined();
    expect(catalogueProviderType('constructor')).toBeUndefined();
  });
});

describe('resolvePricing', () => {
  const definition = findModelDefinition({ providerType: 'openai', model: 'gpt-4o' });
  const routePricing = { inputPerMillion: '3', outputPerMillion: '4' };
  const modelPricing = { inputPerMillion: '1', outputPerMillion: '2' };

  it('prefers the route’s config pricing, then the model’s, then the catalogue, then none', () => {
    expect(resolvePricing({ routePricing, modelPricing, definition })).toEqual({ pricing: routePricing, source: 'route' });
    expect(resolvePricing({ modelPricing, definition })).toEqual({ pricing: modelPricing, source: 'model' });
    expect(resolvePricing({ definition })).toEqual({
      pricing: { inputPerMillion: '2.5', cachedInputPerMillion: '1.25', outputPerMillion: '10' },
      source: 'catalogue',
    });
    expect(resolvePricing({})).toEqual({ pricing: { inputPerMillion: '0', outputPerMillion: '0' }, source: 'none' });
  });

  it('lets a config price replace the catalogue’s whole, cached rate included', () => {
    // The config said nothing of cached input: cached tokens are billed at the config's input price.
    expect(resolvePricing({ modelPricing, definition }).pricing.cachedInputPerMillion).toBeUndefined();
  });

  it('omits cachedInputPerMillion when the catalogue has no cached price', () => {
    const sonar = findModelDefinition({ providerType: 'perplexity', model: 'sonar' });
    expect(resolvePricing({ definition: sonar }).pricing).toEqual({ inputPerMillion: '1', outputPerMillion: '1' });
  });
});

describe('route pricing by provider type', () => {
  const config = parseGatewayConfig(
    {
      providers: {
        azure: { type: 'azure', baseUrl: 'https://example.openai.azure.com' },
        mistral: { type: 'mistral' },
        local: { type: 'ollama' },
      },
      models: {
        'azure-mini': { routes: [{ provider: 'azure', model: 'gpt-4o-mini' }] },
        'azure-custom': { routes: [{ provider: 'azure', model: 'my-deployment' }] },
      },
    },
    {},
  );

  it('prices an Azure deployment named after its model at OpenAI’s price', () => {
    expect(resolveRoutes({ model: 'azure-mini', config })?.[0]?.pricing).toEqual({ inputPerMillion: '0.15', cachedInputPerMillion: '0.075', outputPerMillion: '0.6' });
  });

  it('flags a deployment name the catalogue cannot know as unpriced', () => {
    expect(resolveRoutes({ model: 'azure-custom', config })?.[0]?.unpriced).toBe(true);
  });

  it('prices a preset from its own entries', () => {
    expect(describeRoutes({ model: 'mistral/codestral-latest', config })?.[0]).toMatchObject({ source: 'catalogue', pricing: { inputPerMillion: '0.3', outputPerMillion: '0.9' } });
    expect(resolveRoutes({ model: 'local/llama3', config })?.[0]).toMatchObject({ pricing: zeroPricing, unpriced: true });
  });
});
