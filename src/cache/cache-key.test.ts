import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ChatCompletionRequest } from '../providers/chat-completion-schemas.ts';
import { canonicalJson, responseCacheKey } from './cache-key.ts';

const routes = [
  { provider: 'openai', upstreamModel: 'gpt-4o-mini' },
  { provider: 'anthropic', upstreamModel: 'claude-haiku-4-5' },
];

const request: ChatCompletionRequest = {
  model: 'chat',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Hello' },
  ],
  temperature: 0.2,
};

function keyOf(overrides: Partial<{ projectId: string; operation: 'chat' | 'embeddings' | undefined; request: ChatCompletionRequest; routes: typeof routes }> = {}): string {
  return responseCacheKey({ projectId: 'project-a', request, routes, ...overrides });
}

describe('canonicalJson', () => {
  it('sorts object keys at every depth, including objects inside arrays', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: true, y: null }], c: 'x' } })).toBe('{"a":{"c":"x","d":[{"y":null,"z":true}]},"b":1}');
  });

  it('gives the same text for the same value whatever order its keys were written in', () => {
    const left = { model: 'm', nested: { one: 1, two: [{ a: 1, b: 2 }], three: { x: 'x', y: 'y' } } };
    const right = { nested: { three: { y: 'y', x: 'x' }, two: [{ b: 2, a: 1 }], one: 1 }, model: 'm' };
    expect(canonicalJson(left)).toBe(canonicalJson(right));
  });

  it('keeps the order of arrays', () => {
    expect(canonicalJson([3, 1, 2])).toBe('[3,1,2]');
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });

  it('leaves out undefined object values, and writes undefined array items as null as JSON does', () => {
    expect(canonicalJson({ a: undefined, b: 1, c: { d: undefined } })).toBe('{"b":1,"c":{}}');
    expect(canonicalJson([undefined, 1])).toBe('[null,1]');
  });

  it('writes scalars as JSON', () => {
    expect(canonicalJson('a"b')).toBe('"a\\"b"');
    expect(canonicalJson(1.5)).toBe('1.5');
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson(false)).toBe('false');
  });

  it('escapes keys', () => {
    expect(canonicalJson({ 'a"b': 1 })).toBe('{"a\\"b":1}');
  });
});

describe('responseCacheKey', () => {
  it('is the versioned project prefix and the SHA-256 of the sorted routes and the canonical request', () => {
    const expectedHash = createHash('sha256')
      .update(
        '{"operation":"chat","request":{"messages":[{"content":"Be brief.","role":"system"},{"content":"Hello","role":"user"}],"model":"chat","temperature":0.2},' +
          '"routes":["anthropic/claude-haiku-4-5","openai/gpt-4o-mini"]}',
      )
      .digest('hex');
    expect(keyOf()).toBe(`v2:project-a:${expectedHash}`);
  });

  it('is stable: the same input gives the same key', () => {
    expect(keyOf()).toBe(keyOf());
    expect(keyOf()).toMatch(/^v2:project-a:[0-9a-f]{64}$/);
  });

  it('does not depend on the order of keys, at the top or deeper', () => {
    const reordered: ChatCompletionRequest = {
      temperature: 0.2,
      messages: [
        { content: 'Be brief.', role: 'system' },
        { content: 'Hello', role: 'user' },
      ],
      model: 'chat',
    };
    expect(keyOf({ request: reordered })).toBe(keyOf());

    const withSchema: ChatCompletionRequest = {
      ...request,
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object', properties: { a: { type: 'string' }, b: { type: 'number' } } } } },
    };
    const withSchemaReordered: ChatCompletionRequest = {
      ...request,
      response_format: { json_schema: { schema: { properties: { b: { type: 'number' }, a: { type: 'string' } }, type: 'object' }, name: 'answer' }, type: 'json_schema' },
    };
    expect(keyOf({ request: withSchemaReordered })).toBe(keyOf({ request: withSchema }));
  });

  it.each([
    ['stream', true],
    ['stream_options', { include_usage: true }],
    ['user', 'user-123'],
    ['metadata', { team: 'search' }],
    ['safety_identifier', 'hashed-user'],
    ['store', true],
    ['prompt_cache_key', 'conversation-9'],
    ['service_tier', 'flex'],
  ])('ignores the delivery-only field %s', (field, value) => {
    expect(keyOf({ request: { ...request, [field]: value } })).toBe(keyOf());
  });

  it('ignores every delivery-only field together', () => {
    const delivered: ChatCompletionRequest = {
      ...request,
      stream: true,
      stream_options: { include_usage: true },
      user: 'u',
      metadata: { a: 'b' },
      safety_identifier: 's',
      store: false,
      prompt_cache_key: 'p',
      service_tier: 'priority',
    };
    expect(keyOf({ request: delivered })).toBe(keyOf());
  });

  it.each<[string, Partial<ChatCompletionRequest> & Record<string, unknown>]>([
    [
      'messages (another user text)',
      {
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hello!' },
        ],
      },
    ],
    [
      'messages (another role)',
      {
        messages: [
          { role: 'developer', content: 'Be brief.' },
          { role: 'user', content: 'Hello' },
        ],
      },
    ],
    ['model', { model: 'chat-2' }],
    ['temperature', { temperature: 0.3 }],
    ['seed', { seed: 7 }],
    ['tools', { tools: [{ type: 'function', function: { name: 'lookup' } }] }],
    ['tool_choice', { tool_choice: 'required' }],
    ['response_format', { response_format: { type: 'json_object' } }],
    ['max_tokens', { max_tokens: 16 }],
    ['max_completion_tokens', { max_completion_tokens: 16 }],
    ['n', { n: 2 }],
    ['top_p', { top_p: 0.5 }],
    ['stop', { stop: ['\n'] }],
    ['logprobs', { logprobs: true }],
    ['an unknown pass-through field', { reasoning_effort: 'high' }],
  ])('changes with %s', (_name, change) => {
    expect(keyOf({ request: { ...request, ...change } })).not.toBe(keyOf());
  });

  it('changes with the order of messages (arrays keep their order)', () => {
    const swapped: ChatCompletionRequest = { ...request, messages: [request.messages[1]!, request.messages[0]!] };
    expect(keyOf({ request: swapped })).not.toBe(keyOf());
  });

  it('changes with the order of tools', () => {
    const lookup = { type: 'function', function: { name: 'lookup' } };
    const search = { type: 'function', function: { name: 'search' } };
    expect(keyOf({ request: { ...request, tools: [lookup, search] } })).not.toBe(keyOf({ request: { ...request, tools: [search, lookup] } }));
  });

  it('changes with a value deep inside a tool schema', () => {
    const tool = (type: string) => ({ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type } } } } });
    expect(keyOf({ request: { ...request, tools: [tool('string')] } })).not.toBe(keyOf({ request: { ...request, tools: [tool('number')] } }));
  });

  it('ignores undefined fields, at the top and deeper', () => {
    expect(keyOf({ request: { ...request, seed: undefined, tools: undefined } })).toBe(keyOf());
    const withTool = (parameters: Record<string, unknown>) => ({ ...request, tools: [{ type: 'function', function: { name: 'lookup', ...parameters } }] });
    expect(keyOf({ request: withTool({ description: undefined }) })).toBe(keyOf({ request: withTool({}) }));
  });

  it('scopes the key to the project', () => {
    const keyA = keyOf({ projectId: 'project-a' });
    const keyB = keyOf({ projectId: 'project-b' });
    expect(keyA.startsWith('v2:project-a:')).toBe(true);
    expect(keyB.startsWith('v2:project-b:')).toBe(true);
    expect(keyA).not.toBe(keyB);
  });

  it('keeps operations apart: the same body as chat and as embeddings gives two keys', () => {
    expect(keyOf({ operation: 'embeddings' })).not.toBe(keyOf({ operation: 'chat' }));
    // A job queued before operations existed (no operation) is chat.
    expect(keyOf({ operation: undefined })).toBe(keyOf({ operation: 'chat' }));
  });

  it('does not depend on the order of the routes', () => {
    expect(keyOf({ routes: [...routes].reverse() })).toBe(keyOf());
  });

  it('counts a route listed twice once', () => {
    expect(keyOf({ routes: [...routes, routes[0]!] })).toBe(keyOf());
  });

  it('only reads the provider and upstream model of a route', () => {
    const priced = routes.map((route) => ({ ...route, pricing: { inputPerMillion: '1', outputPerMillion: '2' } }));
    expect(keyOf({ routes: priced })).toBe(keyOf());
  });

  it('changes with the set of routes', () => {
    expect(keyOf({ routes: [routes[0]!] })).not.toBe(keyOf());
    expect(keyOf({ routes: [...routes, { provider: 'google', upstreamModel: 'gemini-2.5-flash' }] })).not.toBe(keyOf());
    expect(keyOf({ routes: [] })).not.toBe(keyOf());
  });

  it('changes when a route points at another upstream model or another provider', () => {
    expect(keyOf({ routes: [{ provider: 'openai', upstreamModel: 'gpt-4o' }, routes[1]!] })).not.toBe(keyOf());
    expect(keyOf({ routes: [{ provider: 'azure', upstreamModel: 'gpt-4o-mini' }, routes[1]!] })).not.toBe(keyOf());
  });
});
