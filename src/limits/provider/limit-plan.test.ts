import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../errors/configuration-error.ts';
import { parseGatewayConfig, parseGatewayConfigYaml } from '../../config/gateway-config.ts';
import { interactiveReserve, planProviderLimits, routeLimitsByModel } from './limit-plan.ts';

function configError(raw: unknown): string {
  try {
    parseGatewayConfig(raw, {});
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigurationError');
}

describe('limit config keys', () => {
  it('accepts rpm, tpm and concurrency on providers and routes (numeric strings too, as ${ENV} gives)', () => {
    const config = parseGatewayConfigYaml(
      [
        'providers:',
        '  openai: { type: openai, concurrency: 32, rpm: 500, tpm: "200000" }',
        'models:',
        '  mini:',
        '    routes: [{ provider: openai, model: gpt-4o-mini, rpm: 100, tpm: 50000, concurrency: 8 }]',
      ].join('\n'),
      {},
    );
    expect(config.providers['openai']).toMatchObject({ concurrency: 32, rpm: 500, tpm: 200_000 });
    expect(config.models['mini']?.routes[0]).toMatchObject({ rpm: 100, tpm: 50_000, concurrency: 8 });
  });

  it.each([
    ['rpm', -5, 'Too small: expected number to be >=1'],
    ['rpm', 0, 'Too small: expected number to be >=1'],
    ['tpm', 1.5, 'expected int, received number'],
    ['concurrency', 0, 'Too small: expected number to be >=1'],
    ['rpm', 'many', 'expected number, received string'],
  ])('rejects %s: %s on a provider and a route, naming the exact path', (key, value, message) => {
    const text = configError({
      providers: { openai: { type: 'openai', [key]: value } },
      models: { mini: { routes: [{ provider: 'openai', model: 'gpt-4o-mini', [key]: value }] } },
    });
    expect(text).toContain(`providers.openai.${key}: `);
    expect(text).toContain(`models.mini.routes.0.${key}: `);
    expect(text).toContain(message);
  });

  it('rejects a window shorter than 100 ms', () => {
    expect(configError({ providers: { openai: { type: 'openai', rateWindowMs: 5 } } })).toContain('providers.openai.rateWindowMs: Too small');
  });
});

describe('planProviderLimits', () => {
  const config = parseGatewayConfig(
    {
      providers: { openai: { type: 'openai', concurrency: 20, rpm: 600, tpm: 100_000, timeoutMs: 30_000 }, mock: { type: 'mock' } },
      models: {
        mini: { routes: [{ provider: 'openai', model: 'gpt-4o-mini', rpm: 100 }] },
        'mini-cheap': {
          routes: [
            { provider: 'openai', model: 'gpt-4o-mini', rpm: 50, concurrency: 2 },
            { provider: 'mock', model: 'echo' },
          ],
        },
      },
    },
    {},
  );
  const routeLimits = routeLimitsByModel(config);

  it('keeps about 10 % of the slots for interactive calls, at least one above a limit of 1', () => {
    expect([1, 2, 5, 10, 16, 20, 64, 256].map(interactiveReserve)).toEqual([0, 1, 1, 1, 2, 2, 6, 26]);
  });

  it('merges the routes reaching one upstream model, lowest value of each key', () => {
    expect(routeLimits.get('openai')?.get('gpt-4o-mini')).toEqual({ rpm: 50, concurrency: 2, tpm: undefined });
    expect(routeLimits.get('mock')).toBeUndefined();
  });

  it('checks the pause, the provider limits, then the model limits; batch gets fewer slots', () => {
    const plan = planProviderLimits({ config, prefix: 'gw', provider: 'openai', model: 'gpt-4o-mini', routeLimits });
    expect(plan?.sets.interactive.constraints).toEqual([
      { kind: 'pause', key: 'gw:limits:{openai}:pause' },
      { kind: 'concurrency', key: 'gw:limits:{openai}:concurrency', limit: 20 },
      { kind: 'requests', key: 'gw:limits:{openai}:rpm', limit: 600 },
      { kind: 'tokens', key: 'gw:limits:{openai}:tpm', limit: 100_000 },
      { kind: 'concurrency', key: 'gw:limits:{openai}:model:gpt-4o-mini:concurrency', limit: 2 },
      { kind: 'requests', key: 'gw:limits:{openai}:model:gpt-4o-mini:rpm', limit: 50 },
    ]);
    expect(plan?.sets.batch.constraints.filter((constraint) => constraint.kind === 'concurrency').map((constraint) => constraint.limit)).toEqual([18, 1]);
    expect(plan?.sets.interactive).toMatchObject({ windowMs: 60_000, leaseMs: 40_000, waitingKey: 'gw:limits:{openai}:waiting', releaseChannel: 'gw:limits:{openai}:released' });
    expect(plan?.localConcurrency).toBe(20);
  });

  it('limits only concurrency where nothing else is set, and nothing for an unknown provider', () => {
    const plan = planProviderLimits({ config, prefix: 'gw', provider: 'mock', model: 'echo', routeLimits });
    expect(plan?.sets.interactive.constraints.map((constraint) => constraint.kind)).toEqual(['pause', 'concurrency']);
    expect(planProviderLimits({ config, prefix: 'gw', provider: 'nope', model: 'x', routeLimits })).toBeUndefined();
  });

  it('encodes model names in keys', () => {
    const plan = planProviderLimits({ config, prefix: 'gw', provider: 'openai', model: 'gpt-4o-mini', routeLimits });
    expect(plan?.sets.interactive.constraints.at(-1)?.key).toBe('gw:limits:{openai}:model:gpt-4o-mini:rpm');
    const odd = parseGatewayConfig({ providers: { p: { type: 'openai' } }, models: { m: { routes: [{ provider: 'p', model: 'org/model:v1', rpm: 1 }] } } }, {});
    const oddPlan = planProviderLimits({ config: odd, prefix: 'gw', provider: 'p', model: 'org/model:v1', routeLimits: routeLimitsByModel(odd) });
    expect(oddPlan?.sets.interactive.constraints.at(-1)?.key).toBe('gw:limits:{p}:model:org%2Fmodel%3Av1:rpm');
  });
});
