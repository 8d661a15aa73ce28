import { describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../config/gateway-config.ts';
import { chooseRoutingRule, ruleMatches, ruleModelName, withRuleModels, type RoutingFacts } from './routing-rules.ts';
import { planRoutes } from './plan-routes.ts';

const facts = (overrides: Partial<RoutingFacts> = {}): RoutingFacts => ({
  inputTokens: 100,
  images: false,
  tools: false,
  jsonSchema: false,
  metadata: {},
  headers: {},
  complexity: () => 0.2,
  ...overrides,
});

describe('ruleMatches, condition by condition', () => {
  it('an empty when matches every request', () => {
    expect(ruleMatches({}, facts())).toBe(true);
  });

  it('inputTokens: inclusive bounds', () => {
    expect(ruleMatches({ inputTokens: { max: 100 } }, facts())).toBe(true);
    expect(ruleMatches({ inputTokens: { max: 99 } }, facts())).toBe(false);
    expect(ruleMatches({ inputTokens: { min: 100, max: 200 } }, facts())).toBe(true);
    expect(ruleMatches({ inputTokens: { min: 101 } }, facts())).toBe(false);
  });

  it('images, tools, jsonSchema: true and false both mean something', () => {
    expect(ruleMatches({ images: true }, facts({ images: true }))).toBe(true);
    expect(ruleMatches({ images: true }, facts())).toBe(false);
    expect(ruleMatches({ images: false }, facts())).toBe(true);
    expect(ruleMatches({ tools: true }, facts({ tools: true }))).toBe(true);
    expect(ruleMatches({ tools: false }, facts({ tools: true }))).toBe(false);
    expect(ruleMatches({ jsonSchema: true }, facts({ jsonSchema: true }))).toBe(true);
    expect(ruleMatches({ jsonSchema: true }, facts())).toBe(false);
  });

  it('metadata: a value or one of values, every key', () => {
    const withTeam = facts({ metadata: { team: 'ml', tier: 'free' } });
    expect(ruleMatches({ metadata: { team: 'ml' } }, withTeam)).toBe(true);
    expect(ruleMatches({ metadata: { team: ['ops', 'ml'] } }, withTeam)).toBe(true);
    expect(ruleMatches({ metadata: { team: 'ml', tier: 'paid' } }, withTeam)).toBe(false);
    expect(ruleMatches({ metadata: { missing: 'x' } }, withTeam)).toBe(false);
    expect(ruleMatches({ metadata: { toString: 'x' } }, facts())).toBe(false);
  });

  it('header: lower-case names, the first of repeated values, trimmed', () => {
    expect(ruleMatches({ header: { 'x-tier': 'free' } }, facts({ headers: { 'x-tier': ' free ' } }))).toBe(true);
    expect(ruleMatches({ header: { 'x-tier': ['free', 'trial'] } }, facts({ headers: { 'x-tier': ['trial', 'free'] } }))).toBe(true);
    expect(ruleMatches({ header: { 'x-tier': 'free' } }, facts())).toBe(false);
  });

  it('complexity: inclusive bounds, scored only when the other conditions hold', () => {
    let scored = 0;
    const counted = facts({ complexity: () => ((scored += 1), 0.7) });
    expect(ruleMatches({ complexity: { min: 0.5 } }, counted)).toBe(true);
    expect(ruleMatches({ complexity: { max: 0.5 } }, counted)).toBe(false);
    expect(ruleMatches({ images: true, complexity: { min: 0 } }, counted)).toBe(false);
    expect(scored).toBe(2);
  });
});

describe('chooseRoutingRule and the rule models', () => {
  const config = parseGatewayConfig(
    {
      providers: { openai: { type: 'openai' }, mock: { type: 'mock' } },
      models: {
        budget: { routes: [{ provider: 'mock', model: 'classifier' }] },
        smart: {
          routes: [{ provider: 'openai', model: 'gpt-4.1' }],
          rules: [
            { name: 'vision', when: { images: true }, routes: [{ provider: 'openai', model: 'gpt-4o' }, { alias: 'budget' }] },
            { name: 'short', when: { inputTokens: { max: 50 } }, use: 'budget' },
          ],
        },
      },
    },
    {},
  );

  it('first match wins; no match is the default', () => {
    expect(chooseRoutingRule({ config, model: 'smart', facts: facts({ images: true, inputTokens: 10 }) })).toEqual({ rule: 'vision', target: ruleModelName('smart', 'vision') });
    expect(chooseRoutingRule({ config, model: 'smart', facts: facts({ inputTokens: 10 }) })).toEqual({ rule: 'short', target: 'budget' });
    expect(chooseRoutingRule({ config, model: 'smart', facts: facts() })).toEqual({ rule: 'default', target: 'smart' });
    expect(chooseRoutingRule({ config, model: 'budget', facts: facts({ images: true }) })).toEqual({ rule: 'default', target: 'budget' });
  });

  it("plans a rule's own routes as a model, once per config", () => {
    const derived = withRuleModels(config);
    expect(withRuleModels(config)).toBe(derived);
    const plan = planRoutes({ model: ruleModelName('smart', 'vision'), config: derived, random: () => 0 });
    expect(plan.ok && plan.routes.map((route) => `${route.provider}/${route.upstreamModel}`)).toEqual(['openai/gpt-4o', 'mock/classifier']);
  });
});
