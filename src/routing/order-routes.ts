import type { Pricing } from '../config/gateway-config.ts';
import type { RoutingStrategy } from '../config/routing-config.ts';
import { routeKey, type ResolvedRoute } from './resolve-route.ts';

/**
 * One entry of a model's `routes`, ready to be ordered: a provider route (one route) or an alias
 * (the other model's whole chain, already in its own order). The first route is what `cheapest` and
 * `fastest` judge the entry by.
 */
export interface RouteItem {
  /** Its index in the config list: the last tie-breaker, so orders are stable. */
  position: number;
  rank: number;
  weight: number;
  routes: readonly ResolvedRoute[];
}

/**
 * A weighted random order without replacement: each draw picks among the remaining entries in
 * proportion to their weights. Entries of weight 0 come last, in config order (fallbacks only).
 */
export function weightedOrder<Item extends { weight: number; position: number }>(items: readonly Item[], random: () => number): Item[] {
  const remaining = items.filter((item) => item.weight > 0);
  const ordered: Item[] = [];
  while (remaining.length > 0) {
    const total = remaining.reduce((sum, item) => sum + item.weight, 0);
    let draw = random() * total;
    let index = remaining.findIndex((item) => (draw -= item.weight) < 0);
    // Floating-point sums can leave the draw a hair above zero past the last entry.
    if (index < 0) index = remaining.length - 1;
    ordered.push(...remaining.splice(index, 1));
  }
  const standby = items.filter((item) => item.weight <= 0).sort((left, right) => left.position - right.position);
  return [...ordered, ...standby];
}

/** Ranks ascending; entries sharing a rank in weighted random order. */
function priorityOrder(items: readonly RouteItem[], random: () => number): RouteItem[] {
  const ranks = [...new Set(items.map((item) => item.rank))].sort((left, right) => left - right);
  return ranks.flatMap((rank) => {
    const tier = items.filter((item) => item.rank === rank);
    return tier.length === 1 ? tier : weightedOrder(tier, random);
  });
}

const byRankThenPosition = (left: RouteItem, right: RouteItem) => left.rank - right.rank || left.position - right.position;

/**
 * USD per million tokens with input and output blended 3:1 (a typical chat prompt is several times
 * its answer). Only compared between routes, so a float is fine here; money is never computed with it.
 */
export function blendedPricePerMillion(pricing: Pricing): number {
  return (3 * Number(pricing.inputPerMillion) + Number(pricing.outputPerMillion)) / 4;
}

/** Orders a model's route entries by its strategy. Pure: randomness and latencies come in. */
export function orderRouteItems(options: {
  strategy: RoutingStrategy;
  items: readonly RouteItem[];
  random: () => number;
  /** Recent latency in ms by `provider/model`. */
  latencies?: ReadonlyMap<string, number> | undefined;
}): RouteItem[] {
  const { items, random } = options;
  switch (options.strategy) {
    case 'priority':
      return priorityOrder(items, random);
    case 'weighted': {
      // The first route by weight across ranks (load balancing, A/B splits); the fallbacks in priority order.
      const [first] = weightedOrder(items, random);
      return first
        ? [
            first,
            ...priorityOrder(
              items.filter((item) => item !== first),
              random,
            ),
          ]
        : [];
    }
    case 'cheapest': {
      // An unpriced route's cost is unknown, not zero: it goes after every priced one.
      const price = (item: RouteItem) => {
        const route = item.routes[0];
        return !route || route.unpriced ? Number.POSITIVE_INFINITY : blendedPricePerMillion(route.pricing);
      };
      return [...items].sort((left, right) => price(left) - price(right) || byRankThenPosition(left, right));
    }
    case 'fastest': {
      // Unmeasured routes first, so each gets measured (and re-measured once its average is forgotten).
      const latency = (item: RouteItem) => {
        const route = item.routes[0];
        return (route && options.latencies?.get(routeKey(route))) ?? Number.NEGATIVE_INFINITY;
      };
      return [...items].sort((left, right) => latency(left) - latency(right) || byRankThenPosition(left, right));
    }
  }
}
