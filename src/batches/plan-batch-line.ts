import type { GatewayConfig } from '../config/gateway-config.ts';
import { gatewayErrorCodes } from '../errors/gateway-error.ts';
import { bindRequest, type OperationPayload } from '../operations/registry.ts';
import { chooseRequestRule, planRequest } from '../operations/plan-request.ts';
import { withRuleModels } from '../routing/routing-rules.ts';
import { usesStrategy } from '../routing/plan-routes.ts';
import { resolveRoutes, type ResolvedRoute } from '../routing/resolve-route.ts';
import type { RoutePlanRefusalCode } from '../operations/route-plan-refusal.ts';
import { readRoutingControls } from '../routing/routing-controls.ts';
import type { RoutingSignalsReader } from '../routing/routing-signals.ts';

export type PlannedLine =
  | ({ ok: true; routes: ResolvedRoute[]; /** The model's routing rule that chose the routes. */ routingRule: string } & OperationPayload)
  | { ok: false; code: RoutePlanRefusalCode; message: string; statusCode: number };

/** How long a model's latencies read for `fastest` serve the lines that follow. */
const latencyReuseMs = 1000;

/**
 * A batch line's attempt order, as a sync request's would be: its model's strategy, a string body
 * `provider` pins it (and is removed). Breakers are not read here but by each call (`allows`), so a
 * line costs no extra Redis round trip; latencies are read once a second per model.
 */
export function createBatchLinePlanner(options: { config: GatewayConfig; signals?: RoutingSignalsReader | undefined; random?: () => number }) {
  const { config } = options;
  const latencies = new Map<string, { readAt: number; value: Promise<Map<string, number>> }>();

  function latenciesOf(model: string): Promise<Map<string, number>> | undefined {
    const reader = options.signals?.latencies;
    const planned = withRuleModels(config);
    if (!reader || !usesStrategy({ config: planned, model, strategy: 'fastest' })) return undefined;
    const cached = latencies.get(model);
    if (cached && Date.now() - cached.readAt < latencyReuseMs) return cached.value;
    const value = reader.read(resolveRoutes({ model, config: planned }) ?? []);
    latencies.set(model, { readAt: Date.now(), value });
    return value;
  }

  return async function planLine(input: OperationPayload): Promise<PlannedLine> {
    const controls = readRoutingControls({ headers: {}, request: input.request });
    if (!controls.ok) return { ok: false, code: 'provider_not_routable', message: controls.message, statusCode: 400 };
    const payload = { ...input, request: controls.request } as OperationPayload;
    const bound = bindRequest(payload);
    const model = bound.model;
    // A line has no headers: its rules match on its body alone.
    const rule = chooseRequestRule({ config, request: bound });
    const plan = planRequest({ config, request: bound, rule, random: options.random ?? Math.random, latencies: await latenciesOf(rule.target), pin: controls.pin });
    if (plan.ok) return { ok: true, ...payload, routes: plan.routes, routingRule: plan.routingRule };
    // The line's checker (batch-line.ts) refuses these first, in the same words; this is its safety net.
    return { ok: false, code: plan.code, statusCode: gatewayErrorCodes[plan.code].status, message: plan.message };
  };
}
