import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../errors/configuration-error.ts';
import { loadGatewayConfigFile, parseGatewayConfig } from './gateway-config.ts';

const providers = { openai: { type: 'openai' }, backup: { type: 'openai', baseUrl: 'https://backup.test/v1' } };
const route = { provider: 'openai', model: 'gpt-4o-mini' };

function errorOf(raw: Record<string, unknown>): string {
  try {
    parseGatewayConfig({ providers, ...raw }, {});
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected the config to be refused');
}

describe('route config validation, at start, with the exact path', () => {
  it('refuses an alias to a model that is not configured', () => {
    expect(errorOf({ models: { a: { routes: [route, { alias: 'nope' }] } } })).toContain('models.a.routes.1.alias: unknown model "nope" (configured: a)');
  });

  it('refuses a model aliasing itself', () => {
    expect(errorOf({ models: { a: { routes: [route, { alias: 'a' }] } } })).toContain('models.a.routes.1.alias: alias cycle: a → a');
  });

  it('refuses an alias cycle once, spelling out the loop where it closes', () => {
    const message = errorOf({
      models: {
        a: { routes: [{ alias: 'b' }] },
        b: { routes: [route, { alias: 'c' }] },
        c: { routes: [{ alias: 'a' }, route] },
        d: { routes: [{ alias: 'a' }] },
      },
    });
    expect(message).toContain('models.c.routes.0.alias: alias cycle: a → b → c → a');
    expect(message.match(/alias cycle/g)).toHaveLength(1);
  });

  it('accepts aliases that share a model without a cycle', () => {
    const config = parseGatewayConfig({ providers, models: { base: { routes: [route] }, x: { routes: [{ alias: 'base' }] }, y: { routes: [{ alias: 'x' }, { alias: 'base' }] } } }, {});
    expect(config.models['y']?.routes).toEqual([{ alias: 'x' }, { alias: 'base' }]);
  });

  it.each([-1, '-2', 'heavy', null])('refuses the weight %j', (weight) => {
    expect(errorOf({ models: { m: { routes: [{ ...route, weight }] } } })).toContain('models.m.routes.0.weight: weight must be a non-negative number');
  });

  it('reads a weight from a numeric string (interpolated values are strings)', () => {
    const config = parseGatewayConfig({ providers, models: { m: { routes: [{ ...route, weight: '2.5', rank: '1' }] } } }, {});
    expect(config.models['m']?.routes[0]).toMatchObject({ weight: 2.5, rank: 1 });
  });

  it('refuses a negative rank and a weight on an alias that is not a number', () => {
    expect(errorOf({ models: { m: { routes: [{ ...route, rank: -1 }] } } })).toContain('models.m.routes.0.rank');
    expect(errorOf({ models: { base: { routes: [route] }, m: { routes: [{ alias: 'base', weight: 'x' }] } } })).toContain('models.m.routes.0.weight');
  });

  it('refuses an unknown strategy, naming the known ones', () => {
    const message = errorOf({ models: { m: { strategy: 'random', routes: [route] } } });
    expect(message).toContain('models.m.strategy');
    expect(message).toContain('priority');
    expect(message).toContain('fastest');
  });

  it('refuses a route that mixes an alias with a provider', () => {
    expect(errorOf({ models: { base: { routes: [route] }, m: { routes: [{ alias: 'base', provider: 'openai' }] } } })).toContain('models.m.routes.0: Unrecognized key: "provider"');
  });

  it('names the missing field of a provider route', () => {
    expect(errorOf({ models: { m: { routes: [{ provider: 'openai' }] } } })).toContain('models.m.routes.0.model');
  });

  it('refuses breaker settings for an unknown provider and out-of-range values', () => {
    expect(errorOf({ breakers: { providers: { nope: { minRequests: 5 } } } })).toContain('breakers.providers.nope: unknown provider "nope"');
    expect(errorOf({ breakers: { failureRate: 0 } })).toContain('breakers.failureRate: failureRate must be a number in (0, 1]');
    expect(errorOf({ breakers: { providers: { openai: { failureRate: 1.5 } } } })).toContain('breakers.providers.openai.failureRate');
    expect(errorOf({ breakers: { cooldownMs: -5 } })).toContain('breakers.cooldownMs');
  });

  it('applies the documented defaults', () => {
    const config = parseGatewayConfig({ providers }, {});
    expect(config.breakers).toEqual({ enabled: true, failureRate: 0.5, minRequests: 20, windowMs: 60_000, cooldownMs: 30_000, halfOpenProbes: 1, providers: {} });
    expect(config.routing).toEqual({
      maxBackoffMs: 30_000,
      maxRetryAfterMs: 60_000,
      maxSlotWaitMs: 5_000,
      latencySmoothing: 0.2,
      latencyMaxAgeMs: 3_600_000,
      contextCheck: true,
      complexityScorer: 'default',
    });
  });

  it('keeps a provider override to the settings it names', () => {
    const config = parseGatewayConfig({ providers, breakers: { minRequests: 10, providers: { backup: { cooldownMs: 5000 } } } }, {});
    expect(config.breakers.providers).toEqual({ backup: { cooldownMs: 5000 } });
  });

  it('accepts the routing examples of config/gateway.example.yaml', async () => {
    const config = await loadGatewayConfigFile(new URL('../../config/gateway.example.yaml', import.meta.url).pathname, {});
    expect(config.models['echo-experiment']).toMatchObject({
      strategy: 'weighted',
      routes: [
        { alias: 'mock-echo', weight: 90 },
        { alias: 'mock-classifier', weight: 10 },
      ],
    });
    expect(config.breakers.providers).toEqual({ mock: { enabled: false } });
  });
});
