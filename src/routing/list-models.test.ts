import { describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../config/gateway-config.ts';
import { catalogueModelsOf } from './find-model.ts';
import { describeModel, findUnpricedRoutes, listModels } from './list-models.ts';

const config = parseGatewayConfig(
  {
    providers: {
      openai: { type: 'openai' },
      azure: { type: 'azure', baseUrl: 'https://example.openai.azure.com' },
      mock: { type: 'mock' },
    },
    models: {
      fast: { routes: [{ provider: 'openai', model: 'gpt-4o-mini' }] },
      priced: { routes: [{ provider: 'openai', model: 'gpt-4o', pricing: { inputPerMillion: '3', outputPerMillion: '4' } }] },
      deployed: { routes: [{ provider: 'azure', model: 'prod-east' }] },
      'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }] },
    },
  },
  {},
);

describe('listModels', () => {
  const listings = listModels({ config });
  const ids = listings.map((listing) => listing.id);

  it('lists configured models first, owned by their first route’s provider', () => {
    expect(listings.slice(0, 4).map((listing) => [listing.id, listing.ownedBy])).toEqual([
      ['fast', 'openai'],
      ['priced', 'openai'],
      ['deployed', 'azure'],
      ['mock-echo', 'mock'],
    ]);
  });

  it('lists every catalogue model of a configured provider as provider/model', () => {
    expect(ids).toContain('openai/gpt-4.1');
    expect(ids).toContain('openai/o3-mini');
    expect(ids).toContain('mock/classifier');
    expect(ids.filter((id) => id.startsWith('openai/'))).toHaveLength(catalogueModelsOf({ providerType: 'openai' }).length - 2);
  });

  it('lists a catalogue model once: under the configured name whose first route it is', () => {
    expect(ids).not.toContain('openai/gpt-4o-mini');
    expect(ids).not.toContain('openai/gpt-4o');
    expect(ids).not.toContain('mock/echo');
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('does not enumerate Azure, whose model names are deployment names', () => {
    expect(ids.some((id) => id.startsWith('azure/'))).toBe(false);
  });

  it('describes each listing with its catalogue entry and resolved price', () => {
    const fast = listings.find((listing) => listing.id === 'fast');
    expect(fast?.route).toMatchObject({ definition: { id: 'gpt-4o-mini', contextWindow: 128_000 }, source: 'catalogue', pricing: { cachedInputPerMillion: '0.075' } });
    const priced = listings.find((listing) => listing.id === 'priced');
    expect(priced?.route).toMatchObject({ definition: { id: 'gpt-4o' }, source: 'route', pricing: { inputPerMillion: '3', outputPerMillion: '4' } });
    expect(listings.find((listing) => listing.id === 'deployed')?.route).toMatchObject({ definition: undefined, source: 'none' });
  });
});

describe('describeModel', () => {
  it('describes configured and provider/model names alike', () => {
    expect(describeModel({ model: 'fast', config })).toMatchObject({ id: 'fast', ownedBy: 'openai', route: { upstreamModel: 'gpt-4o-mini' } });
    expect(describeModel({ model: 'openai/gpt-4o-mini-2024-07-18', config })).toMatchObject({ ownedBy: 'openai', route: { definition: { id: 'gpt-4o-mini' } } });
    expect(describeModel({ model: 'azure/gpt-4o', config })).toMatchObject({ ownedBy: 'azure', route: { definition: { providerType: 'openai', id: 'gpt-4o' } } });
  });

  it('is undefined for a name nothing serves', () => {
    expect(describeModel({ model: 'nope', config })).toBeUndefined();
    expect(describeModel({ model: 'nobody/gpt-4o', config })).toBeUndefined();
  });
});

describe('findUnpricedRoutes', () => {
  it('names configured routes neither the config nor the catalogue prices', () => {
    expect(findUnpricedRoutes({ config })).toEqual([{ model: 'deployed', provider: 'azure', upstreamModel: 'prod-east' }]);
  });
});
