import { describe, expect, it } from 'vitest';
import { parseGatewayConfig } from './gateway-config.ts';
import { configCountsTokens } from './token-counting.ts';

const providers = { openai: { type: 'openai' }, mock: { type: 'mock' } };
const route = { provider: 'openai', model: 'gpt-4o-mini' };
const countsTokens = (raw: Record<string, unknown>) => configCountsTokens(parseGatewayConfig({ providers, ...raw }, {}));

describe('configCountsTokens: whether the vocabulary loads before the process serves', () => {
  it('no: plain routes, limits by requests only, rules on other conditions', () => {
    expect(countsTokens({ models: { m: { routes: [route] } } })).toBe(false);
    expect(countsTokens({ providers: { ...providers, openai: { type: 'openai', rpm: 100 } }, models: { m: { routes: [{ ...route, rpm: 10 }] } } })).toBe(false);
    expect(countsTokens({ models: { m: { routes: [route], rules: [{ name: 'vision', when: { images: true }, routes: [route] }] } } })).toBe(false);
  });

  it('yes: a provider TPM, a route TPM, a rule route TPM, a rule on input tokens or complexity', () => {
    expect(countsTokens({ providers: { ...providers, openai: { type: 'openai', tpm: 1000 } }, models: { m: { routes: [route] } } })).toBe(true);
    expect(countsTokens({ models: { m: { routes: [{ ...route, tpm: 1000 }] } } })).toBe(true);
    expect(countsTokens({ models: { m: { routes: [route], rules: [{ name: 'v', when: { images: true }, routes: [{ ...route, tpm: 5 }] }] } } })).toBe(true);
    expect(countsTokens({ models: { m: { routes: [route], rules: [{ name: 'long', when: { inputTokens: { min: 1000 } }, routes: [route] }] } } })).toBe(true);
    expect(countsTokens({ models: { m: { routes: [route], rules: [{ name: 'hard', when: { complexity: { min: 0.5 } }, routes: [route] }] } } })).toBe(true);
  });
});
