import type { Logger } from '../logging/logger.ts';

/** Once per process per route and reason, not per request: a busy model would flood the log. */
const warned = new Set<string>();

function once(key: string): boolean {
  if (warned.has(key)) return false;
  warned.add(key);
  return true;
}

/** Warns, once per process, that a route's calls are recorded with an unknown cost (nothing prices its model). */
export function warnUnknownCostOnce(logger: Logger, route: { provider: string; upstreamModel: string }): void {
  if (!once(`cost:${route.provider}/${route.upstreamModel}`)) return;
  logger.warn(
    { provider: route.provider, model: route.upstreamModel },
    'no price in the config or the catalogue for this model; the cost of its calls is recorded as unknown (set `pricing` in the config)',
  );
}

/** Warns, once per process, that a route's model is deprecated by its provider (and when it goes, where known). */
export function warnDeprecatedOnce(logger: Logger, route: { provider: string; upstreamModel: string; deprecated?: { sunsetDate?: string | undefined } | undefined }): void {
  if (!route.deprecated || !once(`deprecated:${route.provider}/${route.upstreamModel}`)) return;
  logger.warn(
    { provider: route.provider, model: route.upstreamModel, sunsetDate: route.deprecated.sunsetDate ?? null },
    'this model is deprecated by its provider; requests still go to it, and answers carry x-gateway-model-deprecated',
  );
}

/** The once-per-process warnings about the route that served a call: its unknown price, its deprecation. */
export function warnAboutServingRoute(logger: Logger, route: { provider: string; upstreamModel: string; deprecated?: { sunsetDate?: string | undefined } | undefined }, costUnknown: boolean): void {
  if (costUnknown) warnUnknownCostOnce(logger, route);
  warnDeprecatedOnce(logger, route);
}
