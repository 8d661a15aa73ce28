import type { GatewayConfig } from '../config/gateway-config.ts';
import type { HeaderValues } from '../routing/routing-controls.ts';

export type CacheStatus = 'HIT' | 'MISS' | 'BYPASS';

/** What the cache does for one request. */
export interface CachePolicy {
  /** Look for a stored answer (false: `BYPASS`). */
  lookup: boolean;
  /** Seconds to keep the answer once computed; undefined: do not store it. */
  storeTtlSeconds: number | undefined;
}

export type CachePolicyResult = { ok: true; policy: CachePolicy } | { ok: false; message: string; param: string };

/** As the config's own bound on TTLs. */
const maxTtlSeconds = 365 * 86_400;

const off: CachePolicy = { lookup: false, storeTtlSeconds: undefined };

/**
 * The cache policy of a request, from the config (global, then the model's own) and its headers:
 * `Cache-Control: no-cache` (or `x-gateway-cache: refresh`) skips the lookup but stores the fresh
 * answer; `Cache-Control: no-store` (or `x-gateway-cache: no-store`) looks up but never stores;
 * `x-gateway-cache: bypass` does neither; `x-gateway-cache-ttl: <seconds>` sets this answer's TTL.
 * Pure.
 */
export function resolveCachePolicy(input: { config: GatewayConfig; model: string; headers: HeaderValues }): CachePolicyResult {
  const { config, model } = input;
  const modelSettings = Object.hasOwn(config.models, model) ? config.models[model]?.cache : undefined;
  const enabled = modelSettings?.enabled ?? config.cache.enabled;
  if (!enabled) return { ok: true, policy: off };

  const directives = new Set(
    headerText(input.headers['cache-control'])
      .split(',')
      .map((directive) => directive.trim().toLowerCase())
      .filter((directive) => directive.length > 0),
  );
  const mode = headerText(input.headers['x-gateway-cache']).trim().toLowerCase();
  if (mode !== '' && !['bypass', 'refresh', 'no-store'].includes(mode)) {
    return { ok: false, message: `x-gateway-cache must be bypass, refresh or no-store, not "${mode}"`, param: 'x-gateway-cache' };
  }
  let ttlSeconds = modelSettings?.ttlSeconds ?? config.cache.ttlSeconds;
  const ttlHeader = headerText(input.headers['x-gateway-cache-ttl']).trim();
  if (ttlHeader !== '') {
    if (!/^\d{1,9}$/.test(ttlHeader) || Number(ttlHeader) > maxTtlSeconds) {
      return { ok: false, message: `x-gateway-cache-ttl must be a whole number of seconds up to ${maxTtlSeconds} (365 days), not "${ttlHeader}"`, param: 'x-gateway-cache-ttl' };
    }
    ttlSeconds = Number(ttlHeader);
  }
  if (mode === 'bypass') return { ok: true, policy: off };
  const lookup = mode !== 'refresh' && !directives.has('no-cache');
  const store = mode !== 'no-store' && !directives.has('no-store') && ttlSeconds > 0;
  return { ok: true, policy: { lookup, storeTtlSeconds: store ? ttlSeconds : undefined } };
}

function headerText(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}
