import { describe, expect, it } from 'vitest';
import { parseGatewayConfig, type GatewayConfig } from '../config/gateway-config.ts';
import { computeCost } from './cost.ts';
import { findModelPrice, modelPrices, type ModelPrice } from './model-prices.ts';
import { listRoutableModels, resolveRoutes } from './resolve-route.ts';

const config: GatewayConfig = parseGatewayConfig(
  {
    providers: {
      openai: { type: 'openai', baseUrl: 'https://api.openai.com/v1' },
      backup: { type: 'openai', baseUrl: 'https://backup.test/v1' },
      mock: { type: 'mock' },
    },
    models: {
      // No pricing in the config: the catalogue prices each route's upstream model.
      fast: {
        routes: [
          { provider: 'openai', model: 'gpt-4o-mini-2024-07-18' },
          { provider: 'backup', model: 'gpt-4o' },
          { provider: 'mock', model: 'echo' },
        ],
      },
      // Model pricing applies to every route without its own; route pricing wins.
      priced: {
        pricing: { inputPerMillion: '1', outputPerMillion: '2' },
        routes: [
          { provider: 'openai', model: 'gpt-4o', pricing: { inputPerMillion: '3', outputPerMillion: '4' } },
          { provider: 'backup', model: 'gpt-4o' },
        ],
      },
      'vendor/slashed': { routes: [{ provider: 'mock', model: 'classifier' }] },
    },
  },
  {},
);

describe('resolveRoutes: configured models', () => {
  it('returns the routes in order, priced from the catalogue', () => {
    expect(resolveRoutes({ model: 'fast', config })).toEqual([
      { provider: 'openai', upstreamModel: 'gpt-4o-mini-2024-07-18', pricing: { inputPerMillion: '0.15', outputPerMillion: '0.60' } },
      { provider: 'backup', upstreamModel: 'gpt-4o', pricing: { inputPerMillion: '2.50', outputPerMillion: '10.00' } },
      { provider: 'mock', upstreamModel: 'echo', pricing: { inputPerMillion: '0', outputPerMillion: '0' } },
    ]);
  });

  it('prices a route with route.pricing, then model.pricing, before the catalogue', () => {
    expect(resolveRoutes({ model: 'priced', config })?.map((route) => route.pricing)).toEqual([
      { inputPerMillion: '3', outputPerMillion: '4' },
      { inputPerMillion: '1', outputPerMillion: '2' },
    ]);
  });

  it('prefers a configured model over provider/model addressing', () => {
    expect(resolveRoutes({ model: 'vendor/slashed', config })).toEqual([
      { provider: 'mock', upstreamModel: 'classifier', pricing: { inputPerMillion: '0', outputPerMillion: '0' } },
    ]);
  });

  it('returns undefined for an unknown model', () => {
    expect(resolveRoutes({ model: 'gpt-5', config })).toBeUndefined();
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])('does not resolve the Object.prototype name %s', (model) => {
    expect(resolveRoutes({ model, config })).toBeUndefined();
  });
});

describe('resolveRoutes: provider/model', () => {
  it('addresses a provider directly with the catalogue price of the model', () => {
    expect(resolveRoutes({ model: 'openai/gpt-4o-mini', config })).toEqual([
      { provider: 'openai', upstreamModel: 'gpt-4o-mini', pricing: { inputPerMillion: '0.15', outputPerMillion: '0.60' } },
    ]);
  });

  it('keeps everything after the first slash as the upstream model', () => {
    expect(resolveRoutes({ model: 'backup/ft:gpt-4o-mini:org/run-1', config })?.[0]?.upstreamModel).toBe('ft:gpt-4o-mini:org/run-1');
  });

  it('prices an unknown upstream model at zero', () => {
    expect(resolveRoutes({ model: 'openai/some-new-model', config })?.[0]?.pricing).toEqual({ inputPerMillion: '0', outputPerMillion: '0' });
  });

  it.each(['azure/gpt-4o', '/gpt-4o', 'openai/', '/'])('returns undefined for %j', (model) => {
    expect(resolveRoutes({ model, config })).toBeUndefined();
  });

  it.each(['constructor/gpt-4o', '__proto__/gpt-4o', 'toString/x', 'hasOwnProperty/x'])('does not resolve the Object.prototype provider in %j', (model) => {
    expect(resolveRoutes({ model, config })).toBeUndefined();
  });
});

describe('listRoutableModels', () => {
  it('lists configured models owned by their first route provider', () => {
    expect(listRoutableModels(config)).toEqual([
      { id: 'fast', ownedBy: 'openai' },
      { id: 'priced', ownedBy: 'openai' },
      { id: 'vendor/slashed', ownedBy: 'mock' },
    ]);
  });
});

describe('findModelPrice', () => {
  it.each([
    ['gpt-4o-mini', '0.15', '0.60'],
    ['gpt-4o-mini-2024-07-18', '0.15', '0.60'],
    ['gpt-4o', '2.50', '10.00'],
    ['gpt-4o-2024-08-06', '2.50', '10.00'],
    ['gpt-4.1', '2.00', '8.00'],
    ['gpt-4.1-mini-2025-04-14', '0.40', '1.60'],
    ['gpt-4.1-nano', '0.10', '0.40'],
  ])('prices %s with the longest matching catalogue entry', (model, inputPerMillion, outputPerMillion) => {
    expect(findModelPrice({ providerType: 'openai', model })).toEqual({ inputPerMillion, outputPerMillion });
  });

  it('does not match a prefix that is not followed by a dash', () => {
    // `gpt-4o` must not price `gpt-4omni`, nor `gpt-4` price `gpt-4o`.
    expect(findModelPrice({ providerType: 'openai', model: 'gpt-4omni' })).toEqual({ inputPerMillion: '0', outputPerMillion: '0' });
  });

  it('only uses entries of the same provider type', () => {
    expect(findModelPrice({ providerType: 'mock', model: 'gpt-4o' })).toEqual({ inputPerMillion: '0', outputPerMillion: '0' });
  });

  it('finds the longest prefix whatever the catalogue order', () => {
    const prices: ModelPrice[] = [
      { providerType: 'x', model: 'm', inputPerMillion: '1', outputPerMillion: '1' },
      { providerType: 'x', model: 'm-large', inputPerMillion: '9', outputPerMillion: '9' },
    ];
    expect(findModelPrice({ providerType: 'x', model: 'm-large-001', prices })).toEqual({ inputPerMillion: '9', outputPerMillion: '9' });
    expect(findModelPrice({ providerType: 'x', model: 'm-large-001', prices: [...prices].reverse() })).toEqual({ inputPerMillion: '9', outputPerMillion: '9' });
    expect(findModelPrice({ providerType: 'x', model: 'm-001', prices })).toEqual({ inputPerMillion: '1', outputPerMillion: '1' });
  });

  it('does not reorder the catalogue it reads', () => {
    const before = modelPrices.map((price) => price.model);
    findModelPrice({ providerType: 'openai', model: 'gpt-4o-mini-2024-07-18' });
    expect(modelPrices.map((price) => price.model)).toEqual(before);
  });
});

describe('computeCost', () => {
  const miniPricing = { inputPerMillion: '0.15', outputPerMillion: '0.60' };

  it('prices a million prompt tokens at the per-million rate', () => {
    expect(computeCost({ usage: { promptTokens: 1_000_000, completionTokens: 0, totalTokens: 1_000_000 }, pricing: miniPricing })).toBe('0.1500000000');
  });

  it('is exact for small token counts (no float artefacts)', () => {
    // 7 × 0.15 + 3 × 0.60 = 2.85 per million; 0.15 * 7 in floats is 1.0499999999999998.
    expect(computeCost({ usage: { promptTokens: 7, completionTokens: 3, totalTokens: 10 }, pricing: miniPricing })).toBe('0.0000028500');
  });

  it('adds prompt and completion costs at their own rates', () => {
    const usage = { promptTokens: 1234, completionTokens: 5678, totalTokens: 6912 };
    // 1234 × 2.50 + 5678 × 10.00 = 3085 + 56780 = 59865 per million.
    expect(computeCost({ usage, pricing: { inputPerMillion: '2.50', outputPerMillion: '10.00' } })).toBe('0.0598650000');
  });

  it('keeps ten decimal places, never exponential notation', () => {
    expect(computeCost({ usage: { promptTokens: 1, completionTokens: 0, totalTokens: 1 }, pricing: { inputPerMillion: '0.1', outputPerMillion: '0' } })).toBe('0.0000001000');
    expect(computeCost({ usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 }, pricing: miniPricing })).toBe('0.0000000000');
  });

  it('handles large volumes exactly', () => {
    const usage = { promptTokens: 9_007_199_254_740_991, completionTokens: 0, totalTokens: 9_007_199_254_740_991 };
    expect(computeCost({ usage, pricing: { inputPerMillion: '0.15', outputPerMillion: '0' } })).toBe('1351079888.2111486500');
  });
});
