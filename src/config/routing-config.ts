import { z } from 'zod';
import { integer } from './provider-config.ts';
import { configErrorMap } from './unknown-key-hints.ts';
import { complexityScorerNamed, complexityScorerNames } from '../tokens/complexity-score.ts';

/**
 * How a model orders its routes (the README's "Routing and failover" explains each):
 * - `priority`: by `rank`, lowest first; routes sharing a rank are load-balanced by `weight`;
 * - `weighted`: the first route drawn by `weight` among all routes, the rest in priority order;
 * - `cheapest`: by the route's resolved price (input and output blended 3:1);
 * - `fastest`: by recent latency (an EWMA per provider and model), unmeasured routes first.
 */
export const routingStrategies = ['priority', 'weighted', 'cheapest', 'fastest'] as const;
export type RoutingStrategy = (typeof routingStrategies)[number];

/** A number that may also arrive as a numeric string (interpolated values are strings). */
function number(options: { min: number; max?: number; exclusiveMin?: boolean; message: string }) {
  let base = z.number({ error: options.message });
  base = options.exclusiveMin ? base.gt(options.min, options.message) : base.min(options.min, options.message);
  if (options.max !== undefined) base = base.max(options.max, options.message);
  return z.preprocess((value) => (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value), base);
}

/** Where a route stands in its model's order, and its share of traffic among routes of its rank. */
export const routeBalancing = {
  /** Lower ranks are tried first; routes of one rank share traffic by weight. @defaultValue the route's position */
  rank: integer({ min: 0, max: 1_000_000 }).optional(),
  /** Relative share of traffic (90 and 10 → 90 %/10 %); 0 = only as a fallback. @defaultValue 1 */
  weight: number({ min: 0, message: 'weight must be a non-negative number' }).optional(),
};

/** A route that stands for another configured model: that model's whole chain, in its own order. */
export const aliasRouteSchema = z.strictObject({
  /** A configured model name (not `provider/model`). */
  alias: z.string().min(1),
  ...routeBalancing,
});
export type AliasRouteConfig = z.infer<typeof aliasRouteSchema>;

/**
 * A route entry is a provider route (`{provider, model}`) or an alias (`{alias}`), told apart by the
 * `alias` key so errors name the right fields (a plain union would only say "Invalid input").
 */
export function routeOrAlias<Route extends z.ZodType<object>>(routeSchema: Route) {
  return z.unknown().transform((value, context): z.output<Route> | AliasRouteConfig => {
    const isAlias = typeof value === 'object' && value !== null && 'alias' in value;
    const parsed = isAlias ? aliasRouteSchema.safeParse(value, { error: configErrorMap }) : routeSchema.safeParse(value, { error: configErrorMap });
    if (parsed.success) return parsed.data as z.output<Route> | AliasRouteConfig;
    for (const issue of parsed.error.issues) context.addIssue({ code: 'custom', message: issue.message, path: [...issue.path] });
    return z.NEVER;
  });
}

export function isAliasRoute<Route extends object>(route: Route | AliasRouteConfig): route is AliasRouteConfig {
  return 'alias' in route;
}

/** One breaker setting each, without defaults (a provider's override names only what it changes). */
const breakerFields = {
  /** Off: calls are neither counted nor ever refused. @defaultValue true */
  enabled: z.boolean(),
  /** Share of failed calls in the window that opens the breaker. @defaultValue 0.5 */
  failureRate: number({ min: 0, max: 1, exclusiveMin: true, message: 'failureRate must be a number in (0, 1]' }),
  /** Calls needed in the window before the rate is judged. @defaultValue 20 */
  minRequests: integer({ min: 1, max: 1_000_000 }),
  /** Rolling window the rate is measured over (in ten buckets). @defaultValue 60000 */
  windowMs: integer({ min: 100, max: 86_400_000 }),
  /** How long an open breaker refuses every call before letting probes through. @defaultValue 30000 */
  cooldownMs: integer({ min: 1, max: 86_400_000 }),
  /** Calls let through at once while half-open; the first success closes, a failure re-opens. @defaultValue 1 */
  halfOpenProbes: integer({ min: 1, max: 1000 }),
};

/** The settings of one provider's breakers (its own and its models'). */
export const breakerSettingsSchema = z.strictObject({
  enabled: breakerFields.enabled.default(true),
  failureRate: breakerFields.failureRate.default(0.5),
  minRequests: breakerFields.minRequests.default(20),
  windowMs: breakerFields.windowMs.default(60_000),
  cooldownMs: breakerFields.cooldownMs.default(30_000),
  halfOpenProbes: breakerFields.halfOpenProbes.default(1),
});
export type BreakerSettings = z.infer<typeof breakerSettingsSchema>;

const breakerOverrideSchema = z.strictObject({
  enabled: breakerFields.enabled.optional(),
  failureRate: breakerFields.failureRate.optional(),
  minRequests: breakerFields.minRequests.optional(),
  windowMs: breakerFields.windowMs.optional(),
  cooldownMs: breakerFields.cooldownMs.optional(),
  halfOpenProbes: breakerFields.halfOpenProbes.optional(),
});

export const breakersSchema = breakerSettingsSchema.extend({
  /** Per provider name: the settings that differ from the global ones, for that provider and its models. @defaultValue {} */
  providers: z.record(z.string(), breakerOverrideSchema).default({}),
});
export type BreakersConfig = z.infer<typeof breakersSchema>;

/** Retries and the signals the planner reads. */
export const routingSchema = z.strictObject({
  /** Cap of a retry's exponential backoff, before full jitter. @defaultValue 30000 */
  maxBackoffMs: integer({ min: 0, max: 3_600_000 }).default(30_000),
  /** A longer Retry-After is not waited out: the next route is tried at once (or the error returned). @defaultValue 60000 */
  maxRetryAfterMs: integer({ min: 0, max: 86_400_000 }).default(60_000),
  /**
   * How long a sync or async call waits for a slot under its provider's limits (full, or paused after
   * a 429) before moving on to its next route; the last route waits as long as the request may.
   * @defaultValue 5000
   */
  maxSlotWaitMs: integer({ min: 0, max: 3_600_000 }).default(5_000),
  /** Weight of the newest call in the latency average `fastest` orders by. @defaultValue 0.2 */
  latencySmoothing: number({ min: 0, max: 1, exclusiveMin: true, message: 'latencySmoothing must be a number in (0, 1]' }).default(0.2),
  /** A latency average not updated for this long is forgotten (the route is measured afresh). @defaultValue 3600000 */
  latencyMaxAgeMs: integer({ min: 1000, max: 7 * 86_400_000 }).default(3_600_000),
  /**
   * Refuse (400 `context_length_exceeded`) a request no route's context window fits, and try the routes
   * that fit first; a model's `contextCheck` overrides it. @defaultValue true
   */
  contextCheck: z.boolean().default(true),
  /** The complexity scorer routing rules read (`when.complexity`), by registered name. @defaultValue default */
  complexityScorer: z
    .string()
    .default('default')
    .refine((name) => complexityScorerNamed(name) !== undefined, { error: (issue) => `unknown complexity scorer "${String(issue.input)}" (registered: ${complexityScorerNames().join(', ')})` }),
});
export type RoutingConfig = z.infer<typeof routingSchema>;

/** The settings of one provider's breakers: the global ones with the provider's overrides. */
export function breakerSettingsFor(breakers: BreakersConfig, provider: string): BreakerSettings {
  const { providers, ...global } = breakers;
  const override = Object.hasOwn(providers, provider) ? providers[provider] : undefined;
  return override ? { ...global, ...Object.fromEntries(Object.entries(override).filter(([, value]) => value !== undefined)) } : global;
}
