import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../errors/configuration-error.ts';
import { parseGatewayConfig } from './gateway-config.ts';

const providers = { openai: { type: 'openai' }, mock: { type: 'mock' } };
const route = { provider: 'openai', model: 'gpt-4o-mini' };
const cheap = { routes: [{ provider: 'mock', model: 'echo' }] };

function errorOf(rules: unknown, extra: Record<string, unknown> = {}): string {
  try {
    parseGatewayConfig({ providers, models: { cheap, smart: { routes: [route], rules } }, ...extra }, {});
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected the config to be refused');
}

describe('routing rules config, validated at start', () => {
  it('takes ordered rules with routes or use, and lower-cases header names', () => {
    const config = parseGatewayConfig(
      {
        providers,
        models: {
          cheap,
          smart: {
            routes: [route],
            rules: [
              { name: 'vision', when: { images: true }, routes: [{ provider: 'mock', model: 'echo' }], strategy: 'weighted' },
              { name: 'tenant', when: { header: { 'X-Tier': ['free', 'trial'] }, metadata: { team: 'ml' } }, use: 'cheap' },
              { name: 'short', when: { inputTokens: { max: '500' }, complexity: { max: 0.3 } }, use: 'cheap' },
            ],
          },
        },
      },
      {},
    );
    expect(config.models['smart']?.rules?.map((rule) => rule.name)).toEqual(['vision', 'tenant', 'short']);
    expect(config.models['smart']?.rules?.[1]?.when.header).toEqual({ 'x-tier': ['free', 'trial'] });
    expect(config.models['smart']?.rules?.[2]?.when.inputTokens).toEqual({ max: 500 });
    expect(config.routing).toMatchObject({ contextCheck: true, complexityScorer: 'default' });
  });

  it('names an unknown condition with the nearest known one', () => {
    expect(errorOf([{ name: 'a', when: { image: true }, use: 'cheap' }])).toContain('models.smart.rules.0.when: Unrecognized key: "image" (did you mean "images"?)');
  });

  it('refuses empty routes, both or neither of routes and use, and min above max', () => {
    expect(errorOf([{ name: 'a', when: { tools: true }, routes: [] }])).toContain("models.smart.rules.0.routes: a rule's routes must list at least one route");
    expect(errorOf([{ name: 'a', when: { tools: true }, routes: [route], use: 'cheap' }])).toContain('give either routes or use');
    expect(errorOf([{ name: 'a', when: { tools: true } }])).toContain('give either routes or use');
    expect(errorOf([{ name: 'a', when: { inputTokens: { min: 10, max: 5 } }, use: 'cheap' }])).toContain('models.smart.rules.0.when.inputTokens: min must not be above max');
    expect(errorOf([{ name: 'a', when: { complexity: { min: 1.5 } }, use: 'cheap' }])).toContain('complexity is in [0, 1]');
    expect(errorOf([{ name: 'a', when: { inputTokens: {} }, use: 'cheap' }])).toContain('give min, max or both');
  });

  it('refuses duplicate names, a reserved name, a rule after which nothing can run, credentials as conditions', () => {
    expect(
      errorOf([
        { name: 'a', when: { tools: true }, use: 'cheap' },
        { name: 'a', when: { images: true }, use: 'cheap' },
      ]),
    ).toContain('models.smart.rules.1.name: duplicate rule name "a"');
    expect(errorOf([{ name: 'default', when: { tools: true }, use: 'cheap' }])).toContain('"default" names the model\'s own routes');
    expect(
      errorOf([
        { name: 'all', when: {}, use: 'cheap' },
        { name: 'b', when: { images: true }, use: 'cheap' },
      ]),
    ).toContain('models.smart.rules.0.when: rule "all" has no conditions, so it takes every request: the rules after it ("b") and the model\'s own routes could never run');
    expect(errorOf([{ name: 'a', when: { header: { Authorization: 'x' } }, use: 'cheap' }])).toContain('credentials are not routing input');
  });

  it('refuses a use of an unknown model or of its own, and rule routes to unknown providers', () => {
    expect(errorOf([{ name: 'a', when: { tools: true }, use: 'nope' }])).toContain('models.smart.rules.0.use: unknown model "nope"');
    expect(errorOf([{ name: 'a', when: { tools: true }, use: 'smart' }])).toContain('models.smart.rules.0.use: rule "a" uses its own model');
    expect(errorOf([{ name: 'a', when: { tools: true }, routes: [{ provider: 'nope', model: 'x' }] }])).toContain('models.smart.rules.0.routes.0.provider: unknown provider "nope"');
  });

  it('refuses an unknown complexity scorer', () => {
    expect(errorOf([], { routing: { complexityScorer: 'llm' } })).toContain('routing.complexityScorer: unknown complexity scorer "llm" (registered: default)');
  });
});
