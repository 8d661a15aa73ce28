import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chatCompletionRequestSchema } from '../../chat-completion-schemas.ts';
import { convertOpenAIResponse } from './convert-openai-response.ts';
import { convertToOpenAIRequest } from './convert-to-openai-request.ts';

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../__fixtures__/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

/** Every OpenAI setting the gateway promises to pass through untouched, as a client would send them. */
const clientBody = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'developer', content: 'Answer as JSON.' },
    { role: 'user', content: [{ type: 'text', text: 'Weather in SF and Tokyo?' }], name: 'alice' },
    {
      role: 'assistant',
      content: null,
      refusal: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
    },
    { role: 'tool', tool_call_id: 'call_1', content: '{"celsius":21}' },
  ],
  max_completion_tokens: 256,
  response_format: {
    type: 'json_schema',
    json_schema: {
      name: 'weather',
      strict: true,
      schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
    },
  },
  tools: [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'Current weather',
        strict: true,
        parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city', 'unit'], additionalProperties: false },
      },
    },
  ],
  tool_choice: { type: 'function', function: { name: 'get_weather' } },
  parallel_tool_calls: false,
  n: 2,
  seed: 42,
  logprobs: true,
  top_logprobs: 3,
  user: 'user-1234',
  stop: ['\n\n', 'END'],
  temperature: 0,
  top_p: 1,
  presence_penalty: 0.5,
  frequency_penalty: -0.5,
  logit_bias: { '50256': -100 },
  metadata: { team: 'search' },
};

describe('convertToOpenAIRequest passes OpenAI settings through exactly', () => {
  const wire = convertToOpenAIRequest({
    request: chatCompletionRequestSchema.parse(clientBody),
    upstreamModel: 'gpt-4o-mini-2024-07-18',
    config: { apiKey: 'sk-x', headers: {} },
    requestId: 'req_1',
  });

  it('sends the exact body, only the model replaced', () => {
    expect(wire.body).toEqual({ ...clientBody, model: 'gpt-4o-mini-2024-07-18' });
    expect(wire.warnings).toBeUndefined();
  });

  it('adds, coerces or defaults nothing (object key order may differ, which JSON does not mind)', () => {
    const sent = JSON.parse(JSON.stringify(wire.body)) as Record<string, unknown>;
    expect(Object.keys(sent).sort()).toEqual(Object.keys(clientBody).sort());
    expect(sent).toStrictEqual({ ...clientBody, model: 'gpt-4o-mini-2024-07-18' });
  });

  it.each([
    ['a string stop', { stop: 'END' }],
    ['json_object', { response_format: { type: 'json_object' } }],
    ['tool_choice "required"', { tool_choice: 'required' }],
    ['tool_choice "none"', { tool_choice: 'none' }],
    ['explicit nulls', { seed: null, n: null, logprobs: null, top_logprobs: null, stop: null, logit_bias: null }],
    ['max_tokens alongside max_completion_tokens', { max_tokens: 100, max_completion_tokens: 200 }],
  ])('passes %s through', (_what, fields) => {
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...fields };
    const sent = convertToOpenAIRequest({ request: chatCompletionRequestSchema.parse(body), upstreamModel: 'gpt-4o-mini', config: { headers: {} }, requestId: 'r' });
    expect(sent.body).toEqual(body);
  });
});

describe('convertOpenAIResponse returns OpenAI answers intact', () => {
  it('keeps parallel tool calls, null content and cached-token usage', () => {
    const body = fixture('chat-completion-parallel-tool-calls');
    const result = convertOpenAIResponse({ provider: 'openai', body });
    expect(result.completion).toEqual(body);
    expect(result.completion.choices[0]?.message.tool_calls?.map((call) => call.id)).toEqual(['call_weather_sf', 'call_weather_tokyo']);
    expect(result.usage).toEqual({ promptTokens: 80, completionTokens: 52, totalTokens: 132, cachedPromptTokens: 64 });
  });

  it('keeps a refusal', () => {
    const body = fixture('chat-completion-refusal');
    const result = convertOpenAIResponse({ provider: 'openai', body });
    expect(result.completion).toEqual(body);
    expect(result.completion.choices[0]?.message.content).toBeNull();
    expect(result.completion.choices[0]?.message.refusal).toBe("I'm sorry, I cannot assist with that request.");
  });

  it('keeps logprobs (with top_logprobs and bytes) on every choice of an n > 1 answer', () => {
    const body = fixture('chat-completion-logprobs');
    const result = convertOpenAIResponse({ provider: 'openai', body });
    expect(result.completion).toEqual(body);
    expect(result.completion.choices).toHaveLength(2);
    expect(result.completion.choices[0]?.logprobs).toEqual((body['choices'] as Array<{ logprobs: unknown }>)[0]?.logprobs);
    expect(result.completion.choices[1]?.finish_reason).toBe('length');
    expect(result.usage).toEqual({ promptTokens: 9, completionTokens: 19, totalTokens: 28 });
  });
});
