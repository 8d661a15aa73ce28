import { describe, expect, it } from 'vitest';
import { parseGatewayConfig, type GatewayConfig } from '../config/gateway-config.ts';
import { computeCost } from '../operations/cost.ts';
import { resolveRoutes } from './resolve-route.ts';

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
      { provider: 'openai', upstreamModel: 'gpt-4o-mini-2024-07-18', pricing: { inputPerMillion: '0.15', cachedInputPerMillion: '0.075', outputPerMillion: '0.6' } },
      { provider: 'backup', upstreamModel: 'gpt-4o', pricing: { inputPerMillion: '2.5', cachedInputPerMillion: '1.25', outputPerMillion: '10' } },
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
    expect(resolveRoutes({ model: 'vendor/slashed', config })).toEqual([{ provider: 'mock', upstreamModel: 'classifier', pricing: { inputPerMillion: '0', outputPerMillion: '0' } }]);
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
      { provider: 'openai', upstreamModel: 'gpt-4o-mini', pricing: { inputPerMillion: '0.15', cachedInputPerMillion: '0.075', outputPerMillion: '0.6' } },
    ]);
  });

  it('keeps everything after the first slash as the upstream model', () => {
    expect(resolveRoutes({ model: 'backup/ft:gpt-4o-mini:org/run-1', config })?.[0]?.upstreamModel).toBe('ft:gpt-4o-mini:org/run-1');
  });

  it('prices an unknown upstream model at zero and flags it unpriced', () => {
    expect(resolveRoutes({ model: 'openai/some-new-model', config })?.[0]).toEqual({
      provider: 'openai',
      upstreamModel: 'some-new-model',
      pricing: { inputPerMillion: '0', outputPerMillion: '0' },
      unpriced: true,
    });
  });

  it('does not flag a route priced by the config or the catalogue', () => {
    expect(resolveRoutes({ model: 'fast', config })?.some((route) => route.unpriced)).toBe(false);
    expect(resolveRoutes({ model: 'priced', config })?.some((route) => route.unpriced)).toBe(false);
  });

  it.each(['azure/gpt-4o', '/gpt-4o', 'openai/', '/'])('returns undefined for %j', (model) => {
    expect(resolveRoutes({ model, config })).toBeUndefined();
  });

  it.each(['constructor/gpt-4o', '__proto__/gpt-4o', 'toString/x', 'hasOwnProperty/x'])('does not resolve the Object.prototype provider in %j', (model) => {
    expect(resolveRoutes({ model, config })).toBeUndefined();
  });
});

describe('computeCost', () => {
  it('prices cache reads and cache writes at their own rates, the rest of the prompt at the input rate', () => {
    // 1,000 prompt tokens: 600 read from cache, 300 written to it, 100 plain; 50 completion tokens.
    const pricing = { inputPerMillion: '3.00', cachedInputPerMillion: '0.30', cacheWriteInputPerMillion: '3.75', outputPerMillion: '15.00' };
    const usage = { promptTokens: 1000, completionTokens: 50, totalTokens: 1050, cachedPromptTokens: 600, cacheCreationTokens: 300 };
    // 100 × 3 + 600 × 0.3 + 300 × 3.75 + 50 × 15 = 300 + 180 + 1125 + 750 = 2355 per million
    expect(computeCost({ usage, pricing })).toBe('0.0023550000');
    // Without a cache-write price, writes cost the input rate.
    const { cacheWriteInputPerMillion: _unused, ...readOnly } = pricing;
    expect(computeCost({ usage, pricing: readOnly })).toBe('0.0021300000');
  });

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

  describe('cached input', () => {
    const gpt4o = { inputPerMillion: '2.50', cachedInputPerMillion: '1.25', outputPerMillion: '10.00' };

    it('bills cached prompt tokens at the cached rate, the rest at the input rate', () => {
      // 200 × 2.50 + 800 × 1.25 = 500 + 1000 = 1500 per million.
      const usage = { promptTokens: 1000, cachedPromptTokens: 800, completionTokens: 0, totalTokens: 1000 };
      expect(computeCost({ usage, pricing: gpt4o })).toBe('0.0015000000');
    });

    it('adds completion tokens at the output rate', () => {
      // 1500 + 100 × 10.00 = 2500 per million.
      const usage = { promptTokens: 1000, cachedPromptTokens: 800, completionTokens: 100, totalTokens: 1100 };
      expect(computeCost({ usage, pricing: gpt4o })).toBe('0.0025000000');
    });

    it('bills cached tokens at the input rate when the pricing has no cached rate', () => {
      const usage = { promptTokens: 1000, cachedPromptTokens: 800, completionTokens: 0, totalTokens: 1000 };
      expect(computeCost({ usage, pricing: { inputPerMillion: '2.50', outputPerMillion: '10.00' } })).toBe('0.0025000000');
    });

    it('never bills more cached tokens than prompt tokens', () => {
      const usage = { promptTokens: 10, cachedPromptTokens: 50, completionTokens: 0, totalTokens: 10 };
      expect(computeCost({ usage, pricing: gpt4o })).toBe('0.0000125000');
    });

    it('is exact where floats are not (0.075 × 3)', () => {
      const usage = { promptTokens: 3, cachedPromptTokens: 3, completionTokens: 0, totalTokens: 3 };
      expect(computeCost({ usage, pricing: { inputPerMillion: '0.15', cachedInputPerMillion: '0.075', outputPerMillion: '0.60' } })).toBe('0.0000002250');
    });
  });
});
