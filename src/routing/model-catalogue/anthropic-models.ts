import type { ModelDefinition } from './model-definition.ts';

// Every current Claude model takes text and images and calls tools; structured outputs give JSON.
const full = { tools: true, vision: true, jsonMode: true } as const;
const pricedAt = '2026-11-12';

/**
 * Claude models on the Claude API. `cachedInput` is the cache-hit (read) rate; `cacheWriteInput` the
 * 5-minute cache-write rate (1.25× input; 1-hour writes cost 2× and are billed here at the 5-minute rate).
 * @see https://platform.claude.com/docs/en/about-claude/pricing (read 2026-11-12)
 * @see https://platform.claude.com/docs/en/about-claude/models/overview
 */
export const anthropicModels = [
  {
    providerType: 'anthropic',
    id: 'claude-fable-5-2',
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    capabilities: full,
    prices: { input: '8.00', cacheWriteInput: '10.00', cachedInput: '0.20', output: '40.00' },
    pricedAt,
  },
  {
    providerType: 'anthropic',
    id: 'claude-fable-5-1',
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    capabilities: full,
    prices: { input: '10.00', cacheWriteInput: '12.5', cachedInput: '0.25', output: '50.00' },
    pricedAt,
  },
  {
    providerType: 'anthropic',
    id: 'claude-opus-5-5',
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    capabilities: full,
    prices: { input: '4.00', cacheWriteInput: '5.00', cachedInput: '0.20', output: '20.00' },
    pricedAt,
  },
  {
    providerType: 'anthropic',
    id: 'claude-opus-5',
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    capabilities: full,
    prices: { input: '5.00', cacheWriteInput: '6.25', cachedInput: '0.50', output: '25.00' },
    pricedAt,
  },
  {
    providerType: 'anthropic',
    id: 'claude-sonnet-5-5',
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    capabilities: full,
    prices: { input: '2.00', cacheWriteInput: '2.5', cachedInput: '0.10', output: '10.00' },
    pricedAt,
  },
  {
    providerType: 'anthropic',
    id: 'claude-sonnet-5',
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    capabilities: full,
    prices: { input: '2.00', cacheWriteInput: '2.5', cachedInput: '0.20', output: '10.00' },
    pricedAt,
  },
  // Prompts over 100,000 tokens cost 5× (input 0.50, output 2.50); the catalogue holds one band.
  {
    providerType: 'anthropic',
    id: 'claude-haiku-5-5',
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    capabilities: full,
    prices: { input: '0.10', cacheWriteInput: '0.125', cachedInput: '0.01', output: '0.50' },
    pricedAt,
  },
  {
    providerType: 'anthropic',
    id: 'claude-opus-4-6',
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    capabilities: full,
    prices: { input: '5.00', cacheWriteInput: '6.25', cachedInput: '0.50', output: '25.00' },
    pricedAt,
  },
  {
    providerType: 'anthropic',
    id: 'claude-sonnet-4-6',
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    capabilities: full,
    prices: { input: '3.00', cacheWriteInput: '3.75', cachedInput: '0.30', output: '15.00' },
    pricedAt,
  },
  {
    providerType: 'anthropic',
    id: 'claude-haiku-4-5',
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    capabilities: full,
    prices: { input: '1.00', cacheWriteInput: '1.25', cachedInput: '0.10', output: '5.00' },
    pricedAt,
  },
] as const satisfies readonly ModelDefinition[];
