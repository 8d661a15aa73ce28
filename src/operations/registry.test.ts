import { describe, expect, it } from 'vitest';
import type { ProviderClient } from '../providers/provider-client.ts';
import { toEmbeddingsAnswer } from './embeddings/embeddings-answer.ts';
import { estimateEmbeddingTokens } from '../providers/estimate-usage.ts';
import { bindRequest, operationForPath, operationNameOf, operationPaths, parseOperationRequest } from './registry.ts';

const chatOnly = { name: 'c', type: 'anthropic' } as ProviderClient;
const embedding = { name: 'e', type: 'openai', embeddings: { embed: async () => Promise.reject(new Error('not here')) } } as unknown as ProviderClient;

describe('operation registry', () => {
  it('maps each OpenAI path to its operation, and nothing else', () => {
    expect(operationPaths).toEqual(['/v1/chat/completions', '/v1/embeddings']);
    expect(operationForPath('/v1/chat/completions')).toBe('chat');
    expect(operationForPath('/v1/embeddings')).toBe('embeddings');
    expect(operationForPath('/v1/completions')).toBeUndefined();
  });

  it('reads a job without an operation (queued by an older build) as chat', () => {
    expect(operationNameOf({})).toBe('chat');
    expect(operationNameOf({ operation: 'embeddings' })).toBe('embeddings');
  });

  it('parses a body with its operation’s schema', () => {
    expect(parseOperationRequest('embeddings', { model: 'm', input: ['a'] })).toMatchObject({ ok: true, payload: { operation: 'embeddings' } });
    expect(parseOperationRequest('embeddings', { model: 'm', messages: [{ role: 'user', content: 'x' }] })).toMatchObject({ ok: false, issue: { message: 'input is missing' } });
    expect(parseOperationRequest('chat', { model: 'm', input: 'x' })).toMatchObject({ ok: false });
    expect(parseOperationRequest('embeddings', { model: 'm', input: Array.from({ length: 2049 }, () => 'x') })).toMatchObject({ ok: false, issue: { message: 'input holds more than 2048 items' } });
  });

  it('binds a request: who serves it, what it needs, what it costs in tokens, whether it streams', () => {
    const chat = bindRequest({ operation: 'chat', request: { model: 'm', messages: [{ role: 'user', content: 'hello there' }], stream: true } });
    expect(chat).toMatchObject({ operation: 'chat', model: 'm' });
    expect(chat.servedBy(chatOnly)).toBe(true);
    expect(chat.streams()).toBe(true);
    const embeddings = bindRequest({ operation: 'embeddings', request: { model: 'e', input: ['abcdefgh', 'abcd'] } });
    expect(embeddings.servedBy(chatOnly)).toBe(false);
    expect(embeddings.servedBy(embedding)).toBe(true);
    expect(embeddings.streams()).toBe(false);
    // Texts by the tokenizer of the upstream model's family; token arrays count exactly.
    const hello = bindRequest({ operation: 'embeddings', request: { model: 'e', input: ['hello world', 'hello'] } });
    expect(hello.estimateInputTokens('text-embedding-3-small')).toBe(2 + 1);
    expect(hello.estimateInputTokens('gpt-4o')).toBe(2 + 1);
    // A name no family matches counts o200k × 1.1.
    expect(hello.estimateInputTokens()).toBe(Math.ceil(2 * 1.1) + Math.ceil(1 * 1.1));
    expect(bindRequest({ operation: 'embeddings', request: { model: 'e', input: [[1, 2, 3], [4]] } }).estimateInputTokens()).toBe(4);
    expect(estimateEmbeddingTokens({ model: 'text-embedding-3-small', input: 'hello world' })).toBe(2);
    expect(embeddings.maxOutputTokens()).toBeUndefined();
    expect(bindRequest({ operation: 'chat', request: { model: 'm', messages: [{ role: 'user', content: 'x' }], max_tokens: 5, max_completion_tokens: 7 } }).maxOutputTokens()).toBe(7);
  });

  it('refuses the wrong kind of model for each operation, with param model', () => {
    const chatModel = {
      providerType: 'openai',
      id: 'gpt-4o-mini',
      contextWindow: 1,
      maxOutputTokens: 1,
      capabilities: { tools: true, vision: true, jsonMode: true },
      prices: { input: '1', output: '1' },
      source: 'catalogue-package',
    } as const;
    const embeddingsModel = { ...chatModel, id: 'text-embedding-3-small', kind: 'embeddings', maxOutputTokens: 0, dimensions: 1536 } as const;
    const embed = bindRequest({ operation: 'embeddings', request: { model: 'small', input: 'x' } });
    expect(embed.checkModel(embeddingsModel)).toBeUndefined();
    expect(embed.checkModel(undefined)).toBeUndefined();
    expect(embed.checkModel(chatModel)).toMatchObject({ capability: 'embeddings', param: 'model' });
    const chat = bindRequest({ request: { model: 'small', messages: [{ role: 'user', content: 'x' }] } });
    expect(chat.checkModel(embeddingsModel)).toMatchObject({ capability: 'chat', param: 'model' });
    expect(chat.checkModel(chatModel)).toBeUndefined();
  });

  it('caches complete answers only', () => {
    const embed = bindRequest({ operation: 'embeddings', request: { model: 'e', input: 'x' } });
    expect(embed.isCacheable({ object: 'list', data: [], model: 'e', usage: { prompt_tokens: 0, total_tokens: 0 } })).toBe(false);
    expect(embed.isCacheable({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: [1] }], model: 'e', usage: { prompt_tokens: 1, total_tokens: 1 } })).toBe(true);
  });
});

describe('toEmbeddingsAnswer', () => {
  const vectors = { object: 'list' as const, data: [{ object: 'embedding' as const, index: 0, embedding: [0.5, -1.25, 3] }], model: 'e', usage: { prompt_tokens: 3, total_tokens: 3 } };

  it('keeps floats unless base64 is asked for, then sends little-endian float32 bytes', () => {
    expect(toEmbeddingsAnswer(vectors, {})).toEqual(vectors);
    const encoded = toEmbeddingsAnswer(vectors, { encoding_format: 'base64' });
    const bytes = Buffer.from(encoded.data[0]!.embedding as string, 'base64');
    expect([0, 1, 2].map((index) => bytes.readFloatLE(index * 4))).toEqual([0.5, -1.25, 3]);
  });

  it('adds the cost to usage as a number when there is one', () => {
    expect(toEmbeddingsAnswer(vectors, {}, '0.0000600000').usage).toEqual({ prompt_tokens: 3, total_tokens: 3, cost: 0.00006 });
  });
});
