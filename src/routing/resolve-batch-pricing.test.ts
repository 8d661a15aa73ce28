import { describe, expect, it } from 'vitest';
import { resolveBatchPricing } from './resolve-batch-pricing.ts';
import type { ModelDefinition } from './model-catalogue/index.ts';

const definition = (prices: ModelDefinition['prices']): ModelDefinition => ({
  providerType: 'openai',
  id: 'm',
  contextWindow: 1000,
  maxOutputTokens: 100,
  capabilities: { tools: true, vision: false, jsonMode: true },
  prices,
  source: 'catalogue-package',
});

describe('resolveBatchPricing', () => {
  it('uses a configured price’s own batch fields, and discounts the ones it lacks', () => {
    const pricing = resolveBatchPricing({ pricing: { inputPerMillion: '3', outputPerMillion: '15', batchInputPerMillion: '1.2' }, source: 'route' }, '0.5');
    expect(pricing).toEqual({ inputPerMillion: '1.2', outputPerMillion: '7.5' });
  });

  it('discounts a configured price without batch fields, cached and cache-write input included, exactly', () => {
    const pricing = resolveBatchPricing({ pricing: { inputPerMillion: '0.15', outputPerMillion: '0.6', cachedInputPerMillion: '0.075', cacheWriteInputPerMillion: '0.1875' }, source: 'model' }, '0.5');
    expect(pricing).toEqual({ inputPerMillion: '0.075', outputPerMillion: '0.3', cachedInputPerMillion: '0.0375', cacheWriteInputPerMillion: '0.09375' });
  });

  it('takes the catalogue’s batch prices when it has them, else its sync prices × the discount', () => {
    const listed = definition({ input: '2', output: '8', batchInput: '0.9', batchOutput: '4.1' });
    expect(resolveBatchPricing({ pricing: { inputPerMillion: '2', outputPerMillion: '8' }, source: 'catalogue', definition: listed }, '0.5')).toEqual({
      inputPerMillion: '0.9',
      outputPerMillion: '4.1',
    });
    const unlisted = definition({ input: '2', output: '8' });
    expect(resolveBatchPricing({ pricing: { inputPerMillion: '2', outputPerMillion: '8' }, source: 'catalogue', definition: unlisted }, '0.25')).toEqual({
      inputPerMillion: '0.5',
      outputPerMillion: '2',
    });
  });

  it('ignores the catalogue’s batch prices when the config prices the route (the config wins whole)', () => {
    const listed = definition({ input: '2', output: '8', batchInput: '0.9', batchOutput: '4.1' });
    expect(resolveBatchPricing({ pricing: { inputPerMillion: '4', outputPerMillion: '10' }, source: 'route', definition: listed }, '0.5')).toEqual({ inputPerMillion: '2', outputPerMillion: '5' });
  });

  it('keeps an unpriced route’s placeholder at zero (its cost is recorded as unknown, not from these)', () => {
    expect(resolveBatchPricing({ pricing: { inputPerMillion: '0', outputPerMillion: '0' }, source: 'none' }, '0.5')).toEqual({ inputPerMillion: '0', outputPerMillion: '0' });
  });
});
