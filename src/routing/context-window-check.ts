import { routeKey, type ResolvedRoute } from './resolve-route.ts';

/** What one route needs of its model's context window for a request. */
export interface ContextNeed {
  route: ResolvedRoute;
  /** Input tokens (counted for the route's model family) plus the output the request asks for. */
  neededTokens: number;
  /** The catalogue's context window of the route's model; undefined: unknown, never checked. */
  contextWindow: number | undefined;
}

export type ContextWindowCheck =
  | {
      ok: true;
      /** The attempt order: routes that fit (or whose window is unknown) first, in plan order, then the rest. */
      routes: ResolvedRoute[];
      /** Routes that cannot fit the request, moved after those that can. */
      moved: ContextNeed[];
    }
  | { ok: false; /** The route with the longest known window (none fits). */ longest: ContextNeed };

function fits(need: ContextNeed): boolean {
  return need.contextWindow === undefined || need.neededTokens <= need.contextWindow;
}

/**
 * Keeps a request away from routes whose model cannot hold it: when some routes fit, they go first and
 * the others are kept after them (the count is an estimate; a provider may still take the request);
 * when none fits, the request is refused with the longest window. Pure.
 */
export function checkContextWindows(options: { routes: readonly ResolvedRoute[]; needOf: (route: ResolvedRoute) => ContextNeed }): ContextWindowCheck {
  const needs = options.routes.map(options.needOf);
  const fitting = needs.filter(fits);
  if (fitting.length === needs.length) return { ok: true, routes: [...options.routes], moved: [] };
  if (fitting.length === 0) {
    const longest = needs.reduce((best, need) => ((need.contextWindow ?? 0) > (best.contextWindow ?? 0) ? need : best));
    return { ok: false, longest };
  }
  const moved = needs.filter((need) => !fits(need));
  return { ok: true, routes: [...fitting, ...moved].map((need) => need.route), moved };
}

/** The refusal's message (OpenAI's code `context_length_exceeded`, param `messages` or `input`). */
export function describeContextRefusal(longest: ContextNeed): string {
  return `This request needs ${longest.neededTokens} tokens but the longest context window among this model's routes is ${longest.contextWindow ?? 0} (route ${routeKey(longest.route)}).`;
}
