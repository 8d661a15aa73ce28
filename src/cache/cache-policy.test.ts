import { describe, expect, it } from 'vitest';
import { parseGatewayConfig, type GatewayConfig } from '../config/gateway-config.ts';
import type { HeaderValues } from '../routing/routing-controls.ts';
import { resolveCachePolicy } from './cache-policy.ts';

interface ModelCache {
  enabled?: boolean;
  ttlSeconds?: number;
}

/** The mock provider with two models, `plain` (no cache settings of its own) and `tuned`. */
function config(options: { cache?: { enabled?: boolean; ttlSeconds?: number }; tuned?: ModelCache } = {}): GatewayConfig {
  return parseGatewayConfig(
    {
      providers: { mock: { type: 'mock', latencyMs: 0 } },
      models: {
        plain: { routes: [{ provider: 'mock', model: 'echo' }] },
        tuned: { routes: [{ provider: 'mock', model: 'echo' }], ...(options.tuned ? { cache: options.tuned } : {}) },
      },
      ...(options.cache ? { cache: options.cache } : {}),
    },
    {},
  );
}

const enabled = config({ cache: { enabled: true, ttlSeconds: 600 } });

function policyOf(headers: HeaderValues, gateway: GatewayConfig = enabled, model = 'plain') {
  return resolveCachePolicy({ config: gateway, model, headers });
}

describe('resolveCachePolicy: config', () => {
  it('does nothing when the cache is off (the default)', () => {
    expect(policyOf({}, config())).toEqual({ ok: true, policy: { lookup: false, storeTtlSeconds: undefined } });
    expect(policyOf({}, config({ cache: { enabled: false } }))).toEqual({ ok: true, policy: { lookup: false, storeTtlSeconds: undefined } });
  });

  it('looks up and stores for the global TTL when the cache is on', () => {
    expect(policyOf({})).toEqual({ ok: true, policy: { lookup: true, storeTtlSeconds: 600 } });
  });

  it('uses the default TTL of 3600 s when the config gives none', () => {
    expect(policyOf({}, config({ cache: { enabled: true } }))).toEqual({ ok: true, policy: { lookup: true, storeTtlSeconds: 3600 } });
  });

  it('turns the cache on for one model while it is off globally', () => {
    const gateway = config({ tuned: { enabled: true } });
    expect(policyOf({}, gateway, 'tuned')).toEqual({ ok: true, policy: { lookup: true, storeTtlSeconds: 3600 } });
    expect(policyOf({}, gateway, 'plain')).toEqual({ ok: true, policy: { lookup: false, storeTtlSeconds: undefined } });
  });

  it('turns the cache off for one model while it is on globally', () => {
    const gateway = config({ cache: { enabled: true, ttlSeconds: 600 }, tuned: { enabled: false } });
    expect(policyOf({}, gateway, 'tuned')).toEqual({ ok: true, policy: { lookup: false, storeTtlSeconds: undefined } });
    expect(policyOf({}, gateway, 'plain')).toEqual({ ok: true, policy: { lookup: true, storeTtlSeconds: 600 } });
  });

  it("takes the model's TTL over the global one", () => {
    const gateway = config({ cache: { enabled: true, ttlSeconds: 600 }, tuned: { ttlSeconds: 30 } });
    expect(policyOf({}, gateway, 'tuned')).toEqual({ ok: true, policy: { lookup: true, storeTtlSeconds: 30 } });
    expect(policyOf({}, gateway, 'plain')).toEqual({ ok: true, policy: { lookup: true, storeTtlSeconds: 600 } });
  });

  it("takes the model's TTL when only the model turns the cache on", () => {
    const gateway = config({ cache: { ttlSeconds: 600 }, tuned: { enabled: true, ttlSeconds: 45 } });
    expect(policyOf({}, gateway, 'tuned')).toEqual({ ok: true, policy: { lookup: true, storeTtlSeconds: 45 } });
  });

  it('follows the global setting for a model not in the config, even one named like an Object property', () => {
    expect(policyOf({}, enabled, 'unknown-model')).toEqual({ ok: true, policy: { lookup: true, storeTtlSeconds: 600 } });
    expect(policyOf({}, enabled, 'toString')).toEqual({ ok: true, policy: { lookup: true, storeTtlSeconds: 600 } });
    expect(policyOf({}, enabled, '__proto__')).toEqual({ ok: true, policy: { lookup: true, storeTtlSeconds: 600 } });
  });
});

describe('resolveCachePolicy: Cache-Control', () => {
  it.each(['no-cache', 'No-Cache', 'NO-CACHE', 'max-age=0, no-cache', 'no-cache,max-age=0', '  no-cache  '])('skips the lookup but stores with %j', (value) => {
    expect(policyOf({ 'cache-control': value })).toEqual({ ok: true, policy: { lookup: false, storeTtlSeconds: 600 } });
  });

  it.each(['no-store', 'No-Store', 'private, no-store'])('looks up but does not store with %j', (value) => {
    expect(policyOf({ 'cache-control': value })).toEqual({ ok: true, policy: { lookup: true, storeTtlSeconds: undefined } });
  });

  it('does neither with no-cache and no-store together', () => {
    expect(policyOf({ 'cache-control': 'no-cache, no-store' })).toEqual({ ok: true, policy: { lookup: false, storeTtlSeconds: undefined } });
  });

  it.each(['max-age=0', 'no-transform', 'no-cache-please', 'x-no-store', ''])('ignores %j', (value) => {
    expect(policyOf({ 'cache-control': value })).toEqual({ ok: true, policy: { lookup: true, storeTtlSeconds: 600 } });
  });

  it('reads every value of a repeated header', () => {
    expect(policyOf({ 'cache-control': ['max-age=0', 'no-cache'] })).toEqual({ ok: true, policy: { lookup: false, storeTtlSeconds: 600 } });
    expect(policyOf({ 'cache-control': ['no-store', 'no-cache'] })).toEqual({ ok: true, policy: { lookup: false, storeTtlSeconds: undefined } });
  });

  it('cannot turn on a cache the config leaves off', () => {
    expect(policyOf({ 'cache-control': 'max-age=60' }, config())).toEqual({ ok: true, policy: { lookup: false, storeTtlSeconds: undefined } });
  });
});

describe('resolveCachePolicy: x-gateway-cache', () => {
  it.each(['bypass', 'BYPASS', ' Bypass '])('neither looks up nor stores with %j', (value) => {
    expect(policyOf({ 'x-gateway-cache': value })).toEqual({ ok: true, policy: { lookup: false, storeTtlSeconds: undefined } });
  });

  it.each(['refresh', 'Refresh'])('skips the lookup but stores with %j', (value) => {
    expect(policyOf({ 'x-gateway-cache': value })).toEqual({ ok: true, policy: { lookup: false, storeTtlSeconds: 600 } });
  });

  it.each(['no-store', 'NO-STORE'])('looks up but does not store with %j', (value) => {
    expect(policyOf({ 'x-gateway-cache': value })).toEqual({ ok: true, policy: { lookup: true, storeTtlSeconds: undefined } });
  });

  it('treats an empty value as absent', () => {
    expect(policyOf({ 'x-gateway-cache': '' })).toEqual({ ok: true, policy: { lookup: true, storeTtlSeconds: 600 } });
    expect(policyOf({ 'x-gateway-cache': '   ' })).toEqual({ ok: true, policy: { lookup: true, storeTtlSeconds: 600 } });
  });

  it('combines with Cache-Control', () => {
    expect(policyOf({ 'x-gateway-cache': 'refresh', 'cache-control': 'no-store' })).toEqual({ ok: true, policy: { lookup: false, storeTtlSeconds: undefined } });
    expect(policyOf({ 'x-gateway-cache': 'no-store', 'cache-control': 'no-cache' })).toEqual({ ok: true, policy: { lookup: false, storeTtlSeconds: undefined } });
  });

  it.each([
    ['skip', 'skip'],
    ['Off', 'off'],
    ['bypass, refresh', 'bypass, refresh'],
  ])('refuses %j, naming the header', (value, shown) => {
    expect(policyOf({ 'x-gateway-cache': value })).toEqual({
      ok: false,
      message: `x-gateway-cache must be bypass, refresh or no-store, not "${shown}"`,
      param: 'x-gateway-cache',
    });
  });

  it('reads a repeated header as one list, which is not a mode', () => {
    expect(policyOf({ 'x-gateway-cache': ['bypass'] })).toEqual({ ok: true, policy: { lookup: false, storeTtlSeconds: undefined } });
    expect(policyOf({ 'x-gateway-cache': ['bypass', 'refresh'] })).toEqual({
      ok: false,
      message: 'x-gateway-cache must be bypass, refresh or no-store, not "bypass,refresh"',
      param: 'x-gateway-cache',
    });
  });
});

describe('resolveCachePolicy: x-gateway-cache-ttl', () => {
  it('sets the TTL of this answer over the config', () => {
    expect(policyOf({ 'x-gateway-cache-ttl': '60' })).toEqual({ ok: true, policy: { lookup: true, storeTtlSeconds: 60 } });
    expect(policyOf({ 'x-gateway-cache-ttl': ' 7200 ' })).toEqual({ ok: true, policy: { lookup: true, storeTtlSeconds: 7200 } });
  });

  it("sets it over the model's TTL too", () => {
    const gateway = config({ cache: { enabled: true }, tuned: { ttlSeconds: 30 } });
    expect(policyOf({ 'x-gateway-cache-ttl': '90' }, gateway, 'tuned')).toEqual({ ok: true, policy: { lookup: true, storeTtlSeconds: 90 } });
  });

  it('does not store with a TTL of 0, but still looks up', () => {
    expect(policyOf({ 'x-gateway-cache-ttl': '0' })).toEqual({ ok: true, policy: { lookup: true, storeTtlSeconds: undefined } });
  });

  it('stores with the header TTL after a refresh', () => {
    expect(policyOf({ 'x-gateway-cache': 'refresh', 'x-gateway-cache-ttl': '60' })).toEqual({ ok: true, policy: { lookup: false, storeTtlSeconds: 60 } });
  });

  it('does not store with a TTL when no-store says not to', () => {
    expect(policyOf({ 'cache-control': 'no-store', 'x-gateway-cache-ttl': '60' })).toEqual({ ok: true, policy: { lookup: true, storeTtlSeconds: undefined } });
  });

  it('accepts the longest TTL the config allows (365 days)', () => {
    expect(policyOf({ 'x-gateway-cache-ttl': '31536000' })).toEqual({ ok: true, policy: { lookup: true, storeTtlSeconds: 31_536_000 } });
  });

  it('reads a header given as a one-item array', () => {
    expect(policyOf({ 'x-gateway-cache-ttl': ['60'] })).toEqual({ ok: true, policy: { lookup: true, storeTtlSeconds: 60 } });
  });

  it.each(['-1', 'abc', '1.5', '1e3', '+60', '60s', '1000000000', '31536001'])('refuses %j, naming the header', (value) => {
    expect(policyOf({ 'x-gateway-cache-ttl': value })).toEqual({
      ok: false,
      message: `x-gateway-cache-ttl must be a whole number of seconds up to 31536000 (365 days), not "${value}"`,
      param: 'x-gateway-cache-ttl',
    });
  });

  it('refuses a repeated header', () => {
    expect(policyOf({ 'x-gateway-cache-ttl': ['60', '120'] })).toMatchObject({ ok: false, param: 'x-gateway-cache-ttl' });
  });

  it('refuses an invalid TTL even with bypass', () => {
    expect(policyOf({ 'x-gateway-cache': 'bypass', 'x-gateway-cache-ttl': 'abc' })).toMatchObject({ ok: false, param: 'x-gateway-cache-ttl' });
  });

  it('reports an invalid mode before an invalid TTL', () => {
    expect(policyOf({ 'x-gateway-cache': 'nope', 'x-gateway-cache-ttl': 'abc' })).toMatchObject({ ok: false, param: 'x-gateway-cache' });
  });
});
