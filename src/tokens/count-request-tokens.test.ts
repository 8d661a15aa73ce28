import { describe, expect, it } from 'vitest';
import type { ChatCompletion, ChatCompletionRequest } from '../providers/chat-completion-schemas.ts';
import { countChatCompletionTokens, countChatRequestTokens, countEmbeddingTokens, imageTokenEstimate, maxChatRequestTokens } from './count-request-tokens.ts';
import { countTextTokens } from './token-encoders.ts';
import { tokenCountingFor } from './token-families.ts';

const gpt4o = tokenCountingFor('gpt-4o');
const claude = tokenCountingFor('claude-sonnet-4-5');

describe('countChatRequestTokens', () => {
  it('frames messages as OpenAI counts them: 3 per message, 1 per name, 3 to prime the answer', () => {
    const request: ChatCompletionRequest = {
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'hello world', name: 'ada' },
      ],
    };
    const text = countTextTokens('system') + countTextTokens('You are terse.') + countTextTokens('user') + countTextTokens('hello world') + countTextTokens('ada');
    expect(countChatRequestTokens(request, gpt4o)).toBe(3 + 3 + 3 + 1 + text);
  });

  it('scales the text, not the framing or images, by the family factor', () => {
    const request: ChatCompletionRequest = { model: 'c', messages: [{ role: 'user', content: 'The quick brown fox jumps over the lazy dog.' }] };
    expect(countChatRequestTokens(request, claude)).toBe(Math.ceil((1 + 10) * 1.3) + 6);
  });

  it('counts images at the fixed estimate of their detail, tools and JSON schemas as their JSON', () => {
    const image = (detail?: string) => ({ type: 'image_url', image_url: { url: 'https://example.com/a.png', ...(detail ? { detail } : {}) } });
    const base: ChatCompletionRequest = { model: 'gpt-4o', messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }] }] };
    const plain = countChatRequestTokens(base, gpt4o);
    const withImages: ChatCompletionRequest = { ...base, messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, image(), image('low'), image('high')] }] };
    expect(countChatRequestTokens(withImages, gpt4o)).toBe(plain + 2 * imageTokenEstimate.high + imageTokenEstimate.low);
    const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    expect(countChatRequestTokens({ ...base, tools }, gpt4o)).toBe(plain + countTextTokens(JSON.stringify(tools)));
    const schema = { name: 'answer', schema: { type: 'object' } };
    expect(countChatRequestTokens({ ...base, response_format: { type: 'json_schema', json_schema: schema } }, gpt4o)).toBe(plain + countTextTokens(JSON.stringify(schema)));
  });
});

describe('countChatCompletionTokens and countEmbeddingTokens', () => {
  it('count an answer’s text and tool calls, and embeddings inputs', () => {
    const completion: ChatCompletion = {
      id: 'c',
      object: 'chat.completion' as const,
      created: 1,
      model: 'gpt-4o',
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant' as const, content: 'hello world' } }],
    };
    expect(countChatCompletionTokens(completion, gpt4o)).toBe(2);
    expect(countEmbeddingTokens({ input: ['hello world', 'hello'] }, gpt4o)).toBe(3);
    expect(countEmbeddingTokens({ input: [[1, 2, 3], [4]] }, gpt4o)).toBe(4);
  });
});

describe('maxChatRequestTokens', () => {
  it('bounds the count from above without encoding, whatever the script', () => {
    for (const content of ['hello world', '東京タワーの高さは？', '🙂🙃'.repeat(50), 'x'.repeat(5000)]) {
      const request: ChatCompletionRequest = { model: 'c', messages: [{ role: 'user', content }] };
      for (const counting of [gpt4o, claude]) expect(maxChatRequestTokens(request, counting)).toBeGreaterThanOrEqual(countChatRequestTokens(request, counting));
    }
  });
});
