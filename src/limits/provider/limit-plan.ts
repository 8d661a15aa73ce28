import type { GatewayConfig } from '../../config/gateway-config.ts';
import type { TrafficClass } from './provider-limits.ts';
import type { LimitConstraint, LimitSet } from './limit-scripts.ts';

/** Limits on one provider, or on one upstream model of it (a route's `rpm`, `tpm`, `concurrency`). */
export interface ScopeLimits {
  concurrency?: number | undefined;
  rpm?: number | undefined;
  tpm?: number | undefined;
}

/** The window of `rpm` and `tpm` unless a provider sets `rateWindowMs` (tests do). */
export const defaultRateWindowMs = 60_000;

/** A slot outlives the provider's timeout by this much before a vanished holder's lease ends. */
export const leaseGraceMs = 10_000;

/**
 * Concurrency slots batch calls may not take, so an interactive call finds one free at once: about
 * 10 %, at least 1 when the limit is above 1 (a limit of 1 keeps none, or batches could never run).
 */
export function interactiveReserve(concurrency: number): number {
  return concurrency > 1 ? Math.max(1, Math.round(concurrency / 10)) : 0;
}

/**
 * Where a provider's limits (or one upstream model's) live in Redis: `<prefix>:limits:{<provider>}…`.
 * The braces are a Redis Cluster hash tag: a call's limits (provider and model, pause, waiting flag)
 * are checked and taken in one script, so they share one slot; each provider has a slot of its own.
 */
export function limitKeyBase(prefix: string, provider: string, model?: string): string {
  const base = `${prefix}:limits:{${provider}}`;
  return model === undefined ? base : `${base}:model:${encodeURIComponent(model)}`;
}

/** The key whose value is the end (epoch ms, Redis clock) of a provider's 429 pause. */
export function pauseKey(prefix: string, provider: string): string {
  return `${limitKeyBase(prefix, provider)}:pause`;
}

/** The channel on which releases are announced while some process waits for one. */
export function releaseChannel(prefix: string, provider: string): string {
  return `${limitKeyBase(prefix, provider)}:released`;
}

/**
 * The limits routes put on upstream models, by provider then model. Several routes (of different
 * client-facing models) may reach one upstream model: the lowest value of each key wins.
 */
export function routeLimitsByModel(config: GatewayConfig): Map<string, Map<string, ScopeLimits>> {
  const byProvider = new Map<string, Map<string, ScopeLimits>>();
  const lowest = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));
  for (const model of Object.values(config.models)) {
    for (const route of model.routes) {
      if ('alias' in route) continue;
      if (route.rpm === undefined && route.tpm === undefined && route.concurrency === undefined) continue;
      const models = byProvider.get(route.provider) ?? new Map<string, ScopeLimits>();
      byProvider.set(route.provider, models);
      const current = models.get(route.model) ?? {};
      models.set(route.model, {
        concurrency: lowest(current.concurrency, route.concurrency),
        rpm: lowest(current.rpm, route.rpm),
        tpm: lowest(current.tpm, route.tpm),
      });
    }
  }
  return byProvider;
}

/** What calls to one provider model are held to, for each traffic class. */
export interface ProviderLimitPlan {
  provider: string;
  model: string;
  /** This process's own cap on in-flight calls to the provider (its socket pool is sized to it). */
  localConcurrency: number;
  pauseKey: string;
  sets: Record<TrafficClass, LimitSet>;
}

function scopeConstraints(base: string, limits: ScopeLimits, trafficClass: TrafficClass): LimitConstraint[] {
  const constraints: LimitConstraint[] = [];
  if (limits.concurrency !== undefined) {
    const limit = trafficClass === 'batch' ? limits.concurrency - interactiveReserve(limits.concurrency) : limits.concurrency;
    constraints.push({ kind: 'concurrency', key: `${base}:concurrency`, limit });
  }
  if (limits.rpm !== undefined) constraints.push({ kind: 'requests', key: `${base}:rpm`, limit: limits.rpm });
  if (limits.tpm !== undefined) constraints.push({ kind: 'tokens', key: `${base}:tpm`, limit: limits.tpm });
  return constraints;
}

/**
 * The constraints a call to `provider`/`model` checks, all in one atomic script: the provider's pause,
 * the provider's concurrency, rpm and tpm, then the model's (from its routes). Undefined for a
 * provider the config does not know (the caller fails such calls anyway).
 */
export function planProviderLimits(options: {
  config: GatewayConfig;
  prefix: string;
  provider: string;
  model: string;
  routeLimits: ReadonlyMap<string, ReadonlyMap<string, ScopeLimits>>;
}): ProviderLimitPlan | undefined {
  const { config, prefix, provider, model } = options;
  const settings = Object.hasOwn(config.providers, provider) ? config.providers[provider] : undefined;
  if (!settings) return undefined;
  const base = limitKeyBase(prefix, provider);
  const modelLimits = options.routeLimits.get(provider)?.get(model);
  const pause = pauseKey(prefix, provider);
  const setFor = (trafficClass: TrafficClass): LimitSet => ({
    constraints: [
      { kind: 'pause', key: pause },
      ...scopeConstraints(base, { concurrency: settings.concurrency, rpm: settings.rpm, tpm: settings.tpm }, trafficClass),
      ...(modelLimits ? scopeConstraints(limitKeyBase(prefix, provider, model), modelLimits, trafficClass) : []),
    ],
    windowMs: settings.rateWindowMs ?? defaultRateWindowMs,
    leaseMs: settings.timeoutMs + leaseGraceMs,
    waitingKey: `${base}:waiting`,
    releaseChannel: releaseChannel(prefix, provider),
  });
  return {
    provider,
    model,
    localConcurrency: settings.concurrency,
    pauseKey: pause,
    sets: { interactive: setFor('interactive'), batch: setFor('batch') },
  };
}

/** A constraint for logs and errors, e.g. `rpm 600 of openai:model:gpt-4o`. */
export function describeConstraint(prefix: string, constraint: LimitConstraint | undefined): string {
  if (!constraint) return 'its limits';
  const scope = constraint.key
    .slice(`${prefix}:limits:`.length)
    .replace(/^\{([^}]*)\}/, '$1')
    .replace(/:(pause|concurrency|rpm|tpm)$/, '');
  switch (constraint.kind) {
    case 'pause':
      return `the 429 pause of ${scope}`;
    case 'concurrency':
      return `concurrency ${constraint.limit} of ${scope}`;
    case 'requests':
      return `rpm ${constraint.limit} of ${scope}`;
    case 'tokens':
      return `tpm ${constraint.limit} of ${scope}`;
  }
}
