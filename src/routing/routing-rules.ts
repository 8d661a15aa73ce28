import type { GatewayConfig } from '../config/gateway-config.ts';
import type { RuleConditions } from '../config/routing-rules-config.ts';
import type { HeaderValues } from './routing-controls.ts';

/** What the rules read of a request. `complexity` is computed only when a rule asks for it. */
export interface RoutingFacts {
  inputTokens: number;
  images: boolean;
  tools: boolean;
  jsonSchema: boolean;
  metadata: Readonly<Record<string, string>>;
  /** Lower-case names, as Node gives them; none for a batch line. */
  headers: HeaderValues;
  complexity: () => number;
}

/** The response header naming the routing rule that chose the routes (`default`: the model's own). */
export const routingRuleHeader = 'x-gateway-routing-rule';

/** The name recorded when no rule matched and the model's own routes served. */
export const defaultRuleName = 'default';

function oneOf(actual: string | undefined, expected: string | readonly string[]): boolean {
  if (actual === undefined) return false;
  return typeof expected === 'string' ? actual === expected : expected.includes(actual);
}

function within(value: number, range: { min?: number | undefined; max?: number | undefined }): boolean {
  return (range.min === undefined || value >= range.min) && (range.max === undefined || value <= range.max);
}

function headerValue(headers: HeaderValues, name: string): string | undefined {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value)?.trim();
}

/** Whether every condition of a rule holds for the request (an empty `when` always does). Pure. */
export function ruleMatches(when: RuleConditions, facts: RoutingFacts): boolean {
  if (when.images !== undefined && when.images !== facts.images) return false;
  if (when.tools !== undefined && when.tools !== facts.tools) return false;
  if (when.jsonSchema !== undefined && when.jsonSchema !== facts.jsonSchema) return false;
  if (when.inputTokens && !within(facts.inputTokens, when.inputTokens)) return false;
  if (when.metadata && !Object.entries(when.metadata).every(([key, expected]) => oneOf(Object.hasOwn(facts.metadata, key) ? facts.metadata[key] : undefined, expected))) return false;
  if (when.header && !Object.entries(when.header).every(([name, expected]) => oneOf(headerValue(facts.headers, name), expected))) return false;
  // Last: the only condition that costs a scan of the prompt.
  if (when.complexity && !within(facts.complexity(), when.complexity)) return false;
  return true;
}

/** The rule that routes a request: its name, and the configured model whose routes serve it. */
export interface RuleChoice {
  rule: string;
  /** A model of `config.models` or, for a rule with routes of its own, a model of `withRuleModels(config)`. */
  target: string;
}

/** The model name a rule's own routes are planned under (`withRuleModels`): never a name a client can send. */
export function ruleModelName(model: string, rule: string): string {
  return `${model}\u0000rule:${rule}`;
}

/**
 * The first rule of the model whose conditions hold, else `default` (the model's own routes). Pure.
 * Rules belong to the model the client names: a model reached through an alias or `use` routes by its
 * own routes.
 */
export function chooseRoutingRule(options: { config: GatewayConfig; model: string; facts: RoutingFacts }): RuleChoice {
  const { config, model } = options;
  const rules = Object.hasOwn(config.models, model) ? config.models[model]?.rules : undefined;
  for (const rule of rules ?? []) {
    if (ruleMatches(rule.when, options.facts)) return { rule: rule.name, target: rule.use ?? ruleModelName(model, rule.name) };
  }
  return { rule: defaultRuleName, target: model };
}

/** Whether the model has rules (so that its requests' facts are worth gathering). */
export function hasRoutingRules(config: GatewayConfig, model: string): boolean {
  return Object.hasOwn(config.models, model) && (config.models[model]?.rules?.length ?? 0) > 0;
}

const withRules = new WeakMap<GatewayConfig, GatewayConfig>();

/**
 * The config with each rule that has routes of its own added as a model (`ruleModelName`), with the
 * strategy the rule names (else its model's) and its model's pricing and cache settings: the planner
 * then orders a rule's routes as it orders any model's. Built once per config object.
 */
export function withRuleModels(config: GatewayConfig): GatewayConfig {
  let derived = withRules.get(config);
  if (derived) return derived;
  const added: GatewayConfig['models'] = {};
  for (const [name, model] of Object.entries(config.models)) {
    for (const rule of model.rules ?? []) {
      if (!rule.routes) continue;
      const { rules: _rules, ...base } = model;
      added[ruleModelName(name, rule.name)] = { ...base, strategy: rule.strategy ?? model.strategy, routes: rule.routes };
    }
  }
  derived = Object.keys(added).length === 0 ? config : { ...config, models: { ...config.models, ...added } };
  withRules.set(config, derived);
  return derived;
}
