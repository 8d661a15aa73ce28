import { describe, expect, it } from 'vitest';
import { parseGatewayConfig, type GatewayConfig } from '../config/gateway-config.ts';
import { planRoutes, type PlanRoutesOptions } from './plan-routes.ts';
import { routeKey, type ResolvedRoute } from './resolve-route.ts';
import { seededRandom } from './seeded-random.ts';

const price = (input: string, output: string) => ({ inputPerMillion: input, outputPerMillion: output });

const config: GatewayConfig = parseGatewayConfig(
  {
    providers: {
      openai: { type: 'openai' },
      backup: { type: 'openai', baseUrl: 'https://backup.test/v1' },
      anthropic: { type: 'anthropic' },
      mock: { type: 'mock' },
    },
    models: {
      chain: {
        routes: [
          { provider: 'openai', model: 'gpt-4o-mini' },
          { provider: 'backup', model: 'gpt-4o-mini' },
          { provider: 'anthropic', model: 'claude-haiku-4-5' },
        ],
      },
      balanced: {
        routes: [
          { provider: 'openai', model: 'gpt-4o-mini', rank: 0, weight: 3 },
          { provider: 'backup', model: 'gpt-4o-mini', rank: 0, weight: 1 },
          { provider: 'anthropic', model: 'claude-haiku-4-5', rank: 1 },
        ],
      },
      stable: {
        routes: [
          { provider: 'openai', model: 'gpt-4o-mini' },
          { provider: 'backup', model: 'gpt-4o-mini' },
        ],
      },
      candidate: { routes: [{ provider: 'anthropic', model: 'claude-haiku-4-5' }] },
      experiment: {
        strategy: 'weighted',
        routes: [
          { alias: 'stable', weight: 90 },
          { alias: 'candidate', weight: 10 },
        ],
      },
      cheap: {
        strategy: 'cheapest',
        routes: [
          { provider: 'openai', model: 'big', pricing: price('2.50', '10') },
          { provider: 'backup', model: 'mystery' },
          { provider: 'anthropic', model: 'small', pricing: price('0.15', '0.60') },
          { provider: 'mock', model: 'medium', pricing: price('0.5', '1') },
        ],
      },
      fast: {
        strategy: 'fastest',
        routes: [
          { provider: 'openai', model: 'gpt-4o-mini' },
          { provider: 'backup', model: 'gpt-4o-mini' },
          { provider: 'anthropic', model: 'claude-haiku-4-5' },
        ],
      },
      nested: { routes: [{ alias: 'chain' }, { provider: 'openai', model: 'gpt-4o-mini' }, { provider: 'mock', model: 'echo' }] },
      standby: {
        strategy: 'weighted',
        routes: [
          { provider: 'openai', model: 'a', weight: 1 },
          { provider: 'backup', model: 'b', weight: 0 },
        ],
      },
    },
  },
  {},
);

const keys = (routes: readonly ResolvedRoute[]) => routes.map(routeKey);

function plan(options: Partial<PlanRoutesOptions> & { model: string }) {
  const result = planRoutes({ config, random: seededRandom(1), ...options });
  if (!result.ok) throw new Error(`expected a plan, got ${result.reason}`);
  return result;
}

/** How often each route comes first over `draws` plans with one seeded generator. */
function firstRouteCounts(options: Partial<PlanRoutesOptions> & { model: string }, draws = 1000): Map<string, number> {
  const random = seededRandom(42);
  const counts = new Map<string, number>();
  for (let draw = 0; draw < draws; draw += 1) {
    const first = routeKey(plan({ ...options, random }).routes[0]!);
    counts.set(first, (counts.get(first) ?? 0) + 1);
  }
  return counts;
}

describe('planRoutes: priority (the default)', () => {
  it('keeps the configured order as the fallback chain', () => {
    expect(keys(plan({ model: 'chain' }).routes)).toEqual(['openai/gpt-4o-mini', 'backup/gpt-4o-mini', 'anthropic/claude-haiku-4-5']);
  });

  it('shares traffic by weight among routes of one rank, the next rank after them', () => {
    const counts = firstRouteCounts({ model: 'balanced' });
    // 3:1 over 1,000 seeded draws: 750 expected, ±4 standard deviations (≈ 55).
    expect(counts.get('openai/gpt-4o-mini')).toBeGreaterThan(695);
    expect(counts.get('openai/gpt-4o-mini')).toBeLessThan(805);
    expect((counts.get('openai/gpt-4o-mini') ?? 0) + (counts.get('backup/gpt-4o-mini') ?? 0)).toBe(1000);
    for (let seed = 0; seed < 20; seed += 1) {
      expect(keys(plan({ model: 'balanced', random: seededRandom(seed) }).routes)[2]).toBe('anthropic/claude-haiku-4-5');
    }
  });

  it('replays the same order for the same seed', () => {
    expect(keys(plan({ model: 'balanced', random: seededRandom(7) }).routes)).toEqual(keys(plan({ model: 'balanced', random: seededRandom(7) }).routes));
  });

  it('parses a model without strategy as priority', () => {
    expect(config.models['chain']?.strategy).toBe('priority');
  });
});

describe('planRoutes: weighted and A/B splits through aliases', () => {
  it('splits 90/10 between two aliased chains within tolerance over 1,000 draws', () => {
    const counts = firstRouteCounts({ model: 'experiment' });
    const candidate = counts.get('anthropic/claude-haiku-4-5') ?? 0;
    // 100 expected; the binomial standard deviation is 9.5.
    expect(candidate).toBeGreaterThan(62);
    expect(candidate).toBeLessThan(138);
    expect(candidate + (counts.get('openai/gpt-4o-mini') ?? 0)).toBe(1000);
  });

  it('falls back from the drawn arm to the other arm, each chain in its own order', () => {
    const orders = new Set<string>();
    const random = seededRandom(3);
    for (let draw = 0; draw < 200; draw += 1) orders.add(keys(plan({ model: 'experiment', random }).routes).join(' > '));
    expect([...orders].sort()).toEqual(['anthropic/claude-haiku-4-5 > openai/gpt-4o-mini > backup/gpt-4o-mini', 'openai/gpt-4o-mini > backup/gpt-4o-mini > anthropic/claude-haiku-4-5']);
  });

  it('never draws a weight-0 route first, but keeps it as a fallback', () => {
    const counts = firstRouteCounts({ model: 'standby' }, 200);
    expect(counts.get('openai/a')).toBe(200);
    expect(keys(plan({ model: 'standby' }).routes)).toEqual(['openai/a', 'backup/b']);
  });
});

describe('planRoutes: cheapest and fastest', () => {
  it('orders by blended price, an unpriced route last', () => {
    expect(keys(plan({ model: 'cheap' }).routes)).toEqual(['anthropic/small', 'mock/medium', 'openai/big', 'backup/mystery']);
  });

  it('orders by recent latency, unmeasured routes first, ties in config order', () => {
    const latencies = new Map([
      ['openai/gpt-4o-mini', 900],
      ['backup/gpt-4o-mini', 250],
    ]);
    expect(keys(plan({ model: 'fast', latencies }).routes)).toEqual(['anthropic/claude-haiku-4-5', 'backup/gpt-4o-mini', 'openai/gpt-4o-mini']);
    latencies.set('anthropic/claude-haiku-4-5', 400);
    expect(keys(plan({ model: 'fast', latencies }).routes)).toEqual(['backup/gpt-4o-mini', 'anthropic/claude-haiku-4-5', 'openai/gpt-4o-mini']);
    expect(keys(plan({ model: 'fast' }).routes)).toEqual(['openai/gpt-4o-mini', 'backup/gpt-4o-mini', 'anthropic/claude-haiku-4-5']);
  });
});

describe('planRoutes: aliases, pins, breakers and fallback control', () => {
  it('expands an alias where it stands and tries a route reached twice once', () => {
    expect(keys(plan({ model: 'nested' }).routes)).toEqual(['openai/gpt-4o-mini', 'backup/gpt-4o-mini', 'anthropic/claude-haiku-4-5', 'mock/echo']);
  });

  it('addresses provider/model directly as one route', () => {
    expect(keys(plan({ model: 'backup/gpt-4.1' }).routes)).toEqual(['backup/gpt-4.1']);
  });

  it('answers model_not_found for a name nothing serves', () => {
    expect(planRoutes({ config, random: Math.random, model: 'nope' })).toEqual({ ok: false, reason: 'model_not_found' });
  });

  it('keeps only the pinned provider’s routes', () => {
    expect(keys(plan({ model: 'nested', pin: 'backup' }).routes)).toEqual(['backup/gpt-4o-mini']);
  });

  it('refuses a pin no route of the model uses, naming the providers that are', () => {
    expect(planRoutes({ config, random: Math.random, model: 'chain', pin: 'mock' })).toEqual({
      ok: false,
      reason: 'provider_not_routable',
      providers: ['openai', 'backup', 'anthropic'],
    });
  });

  it('plans only the first route when fallback is off', () => {
    expect(keys(plan({ model: 'chain', noFallback: true }).routes)).toEqual(['openai/gpt-4o-mini']);
  });

  it('skips a route whose breaker is open and reports it', () => {
    const result = plan({ model: 'chain', breakerAllows: (route) => route.provider !== 'openai' });
    expect(keys(result.routes)).toEqual(['backup/gpt-4o-mini', 'anthropic/claude-haiku-4-5']);
    expect(keys(result.skipped)).toEqual(['openai/gpt-4o-mini']);
  });

  it('shares the weights among the routes left when one is open', () => {
    const counts = firstRouteCounts({ model: 'experiment', breakerAllows: (route) => route.provider !== 'anthropic' }, 100);
    expect(counts.get('openai/gpt-4o-mini')).toBe(100);
  });

  it('answers no_route_available when every route is open', () => {
    const result = planRoutes({ config, random: Math.random, model: 'stable', breakerAllows: () => false });
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.reason).toBe('no_route_available');
  });

  it('leaves out routes that cannot serve the request, and says which when none can', () => {
    const canServe = (route: ResolvedRoute) => route.provider === 'anthropic';
    expect(keys(plan({ model: 'chain', canServe }).routes)).toEqual(['anthropic/claude-haiku-4-5']);
    const none = planRoutes({ config, random: Math.random, model: 'stable', canServe });
    expect(none.ok === false && none.reason === 'unsupported' && routeKey(none.route)).toBe('openai/gpt-4o-mini');
  });

  it('carries each route’s price: its own, its model’s, or the catalogue’s', () => {
    const routes = plan({ model: 'cheap' }).routes;
    expect(routes[0]?.pricing).toEqual(price('0.15', '0.60'));
    expect(routes[3]).toMatchObject({ upstreamModel: 'mystery', unpriced: true });
  });
});
