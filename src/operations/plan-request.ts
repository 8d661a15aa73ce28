import type { GatewayConfig } from '../config/gateway-config.ts';
import { checkContextWindows, describeContextRefusal, type ContextNeed } from '../routing/context-window-check.ts';
import { planRoutes, type PlanRoutesOptions } from '../routing/plan-routes.ts';
import { describeRoute, resolveRoutes, type ResolvedRoute } from '../routing/resolve-route.ts';
import type { HeaderValues } from '../routing/routing-controls.ts';
import { chooseRoutingRule, defaultRuleName, hasRoutingRules, withRuleModels, type RuleChoice } from '../routing/routing-rules.ts';
import { complexityScorerNamed, defaultComplexityScorer } from '../tokens/complexity-score.ts';
import { describeRoutePlanRefusal, type RoutePlanRefusal } from './route-plan-refusal.ts';
import type { BoundRequest } from './registry.ts';
import { routeProblemOf } from './route-problem.ts';

export type RequestPlan =
  | {
      ok: true;
      routes: ResolvedRoute[];
      /** Passed over: their breaker is open. */
      skipped: ResolvedRoute[];
      /** The routing rule that chose the routes (`default`: the model's own). */
      routingRule: string;
      /** Routes moved after the others because the request does not fit their context window. */
      moved: ContextNeed[];
    }
  | ({ ok: false } & RoutePlanRefusal);

/**
 * The routing rule a request falls under (`chooseRoutingRule`) and the model whose routes then serve
 * it; a model without rules routes by its own routes, and nothing of the request is read.
 */
export function chooseRequestRule(options: { config: GatewayConfig; request: BoundRequest; headers?: HeaderValues | undefined }): RuleChoice {
  const { config, request } = options;
  if (!hasRoutingRules(config, request.model)) return { rule: defaultRuleName, target: request.model };
  const traits = request.ruleTraits();
  // Counted for the model's first route, in config order.
  const inputTokens = request.estimateInputTokens(resolveRoutes({ model: request.model, config })?.[0]?.upstreamModel);
  const scorer = complexityScorerNamed(config.routing.complexityScorer) ?? defaultComplexityScorer;
  let complexity: number | undefined;
  return chooseRoutingRule({
    config,
    model: request.model,
    facts: {
      inputTokens,
      images: traits.images,
      tools: traits.tools,
      jsonSchema: traits.jsonSchema,
      metadata: traits.metadata,
      headers: options.headers ?? {},
      complexity: () => (complexity ??= scorer({ system: traits.system, conversation: traits.conversation, inputTokens })),
    },
  });
}

/**
 * A request's attempt order, or why nothing can serve it, in the one wording every planner answers
 * with (a sync call, an async job, a batch line at submit and when it runs): the routing rule picks the
 * routes (`chooseRequestRule`); routes whose provider or model cannot take the request's operation and
 * features are left out (`routeProblemOf`), then `planRoutes` orders the rest; then routes whose
 * context window cannot hold the request go last, or the request is refused when none can
 * (`checkContextWindows`). A refusal is `describeRoutePlanRefusal`'s.
 */
export function planRequest(
  options: { config: GatewayConfig; request: BoundRequest; headers?: HeaderValues | undefined; rule?: RuleChoice | undefined } & Pick<
    PlanRoutesOptions,
    'random' | 'latencies' | 'breakerAllows' | 'pin' | 'noFallback'
  >,
): RequestPlan {
  const { request } = options;
  const rule = options.rule ?? chooseRequestRule(options);
  const config = rule.rule === defaultRuleName ? options.config : withRuleModels(options.config);
  const problemOf = (route: ResolvedRoute) => routeProblemOf({ config, request, route });
  const plan = planRoutes({ ...options, config, model: rule.target, canServe: (route) => problemOf(route) === undefined });
  if (plan.ok && plan.routes.length > 0) {
    const configured = Object.hasOwn(config.models, request.model) ? config.models[request.model] : undefined;
    // An embeddings model's window bounds each input, not their sum: not checked here.
    if (request.operation === 'embeddings' || !(configured?.contextCheck ?? config.routing.contextCheck))
      return { ok: true, routes: plan.routes, skipped: plan.skipped, routingRule: rule.rule, moved: [] };
    const checked = checkContextWindows({ routes: plan.routes, needOf: (route) => contextNeedOf(config, request, route) });
    if (checked.ok) return { ok: true, routes: checked.routes, skipped: plan.skipped, routingRule: rule.rule, moved: checked.moved };
    return { ok: false, code: 'context_length_exceeded', message: describeContextRefusal(checked.longest), param: 'messages' };
  }
  const refusal = describeRoutePlanRefusal({ plan: plan.ok ? { ok: false, reason: 'model_not_found' } : plan, model: request.model, pin: options.pin, problemOf });
  return { ok: false, ...refusal };
}

/**
 * A route's need: the request's input tokens for the route's model family plus the output it asks for
 * (`max_completion_tokens` / `max_tokens`; none when unset, as the provider then answers within what
 * is left). A model the catalogue does not know is not checked, and a request that fits even at its
 * upper bound (`request.maxInputTokens`) is not counted.
 */
function contextNeedOf(config: GatewayConfig, request: BoundRequest, route: ResolvedRoute): ContextNeed {
  const contextWindow = describeRoute({ config, provider: route.provider, upstreamModel: route.upstreamModel }).definition?.contextWindow;
  if (contextWindow === undefined) return { route, neededTokens: 0, contextWindow };
  const output = request.maxOutputTokens() ?? 0;
  const upperBound = request.maxInputTokens(route.upstreamModel) + output;
  if (upperBound <= contextWindow) return { route, neededTokens: upperBound, contextWindow };
  return { route, neededTokens: request.estimateInputTokens(route.upstreamModel) + output, contextWindow };
}
