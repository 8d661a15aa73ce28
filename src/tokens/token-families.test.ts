import { describe, expect, it } from 'vitest';
import { tokenCountingFor } from './token-families.ts';

describe('tokenCountingFor', () => {
  it.each([
    ['gpt-4o-mini', 'openai-o200k', 'o200k_base', 1],
    ['gpt-4.1', 'openai-o200k', 'o200k_base', 1],
    ['gpt-5-nano', 'openai-o200k', 'o200k_base', 1],
    ['o3-mini', 'openai-o200k', 'o200k_base', 1],
    ['o1', 'openai-o200k', 'o200k_base', 1],
    ['gpt-4', 'openai-cl100k', 'cl100k_base', 1],
    ['gpt-4-turbo', 'openai-cl100k', 'cl100k_base', 1],
    ['gpt-3.5-turbo', 'openai-cl100k', 'cl100k_base', 1],
    ['text-embedding-3-small', 'openai-cl100k', 'cl100k_base', 1],
    ['claude-sonnet-4-5', 'anthropic', 'o200k_base', 1.3],
    ['anthropic.claude-3-5-haiku-20241022-v1:0', 'anthropic', 'o200k_base', 1.3],
    ['gemini-2.5-flash', 'gemini', 'o200k_base', 1.1],
    ['mistral-large-latest', 'mistral', 'o200k_base', 1.15],
    ['meta-llama/Llama-3.3-70B-Instruct', 'llama', 'o200k_base', 1.1],
    ['Qwen/Qwen2.5-72B-Instruct', 'qwen', 'o200k_base', 1.1],
    ['command-r-plus', 'cohere', 'o200k_base', 1.15],
    ['deepseek-chat', 'deepseek', 'o200k_base', 1.1],
    ['my-fine-tune', 'other', 'o200k_base', 1.1],
  ])('%s counts as %s', (model, family, encoding, factor) => {
    expect(tokenCountingFor(model)).toEqual({ family, encoding, factor });
  });
});
