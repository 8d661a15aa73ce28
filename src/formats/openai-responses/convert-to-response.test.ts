import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chatCompletionSchema, type ChatCompletion } from '../../providers/chat-completion-schemas.ts';
import { convertToResponse, failedResponse, inProgressResponse, queuedResponse, type ResponseContext } from './convert-to-response.ts';
import { outputItemId } from './response-ids.ts';
import { responseObjectSchema, responsesRequestSchema } from './responses-schemas.ts';

function completion(message: Record<string, unknown>, finishReason: string | null = 'stop', usage?: Record<string, unknown>): ChatCompletion {
  return chatCompletionSchema.parse({
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1741476542,
    model: 'gpt-4.1-2025-04-14',
    choices: [{ index: 0, message: { role: 'assistant', content: null, ...message }, logprobs: null, finish_reason: finishReason }],
    ...(usage ? { usage } : {}),
  });
}

const context: ResponseContext = {
  id: 'resp_67ccd2bed1ec8190',
  model: 'gpt-4.1',
  createdAt: 1741476542,
  request: responsesRequestSchema.parse({ model: 'gpt-4.1', input: 'Tell me a three sentence bedtime story about a unicorn.' }),
};
const usage = { promptTokens: 36, completionTokens: 87, totalTokens: 123 };

describe('convertToResponse', () => {
  it('answers text as a completed message item, with the request settings echoed as OpenAI does', () => {
    const response = convertToResponse(completion({ content: 'In a peaceful grove beneath a silver moon…' }), { ...context, usage, completedAt: 1741476543 });
    expect(response).toEqual({
      id: 'resp_67ccd2bed1ec8190',
      object: 'response',
      created_at: 1741476542,
      status: 'completed',
      background: false,
      completed_at: 1741476543,
      error: null,
      incomplete_details: null,
      instructions: null,
      max_output_tokens: null,
      metadata: {},
      model: 'gpt-4.1',
      output: [
        {
          id: outputItemId('msg', context.id, 0),
          type: 'message',
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: 'In a peaceful grove beneath a silver moon…', annotations: [] }],
        },
      ],
      parallel_tool_calls: true,
      previous_response_id: null,
      reasoning: { effort: null, summary: null },
      store: true,
      temperature: null,
      text: { format: { type: 'text' } },
      tool_choice: 'auto',
      tools: [],
      top_p: null,
      truncation: 'disabled',
      usage: { input_tokens: 36, input_tokens_details: { cached_tokens: 0 }, output_tokens: 87, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 123 },
      user: null,
    });
    expect(responseObjectSchema.safeParse(response).success).toBe(true);
    expect(response).not.toHaveProperty('output_text');
  });

  it('answers reasoning, text and tool calls as reasoning, message and function_call items, with usage details', () => {
    const fixture = chatCompletionSchema.parse(JSON.parse(readFileSync(new URL('./__fixtures__/chat-completion-reasoning-tool-call.json', import.meta.url), 'utf8')));
    const request = responsesRequestSchema.parse({
      model: 'claude-sonnet-4-5',
      instructions: 'You are a weather assistant.',
      input: 'Weather in Paris and Bogotá?',
      tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } }],
      tool_choice: 'required',
      metadata: { team: 'search' },
      previous_response_id: 'resp_prev',
      store: false,
      temperature: 0.5,
    });
    const response = convertToResponse(fixture, { ...context, request, usage: { promptTokens: 310, completionTokens: 95, totalTokens: 405, cachedPromptTokens: 256 }, cost: '0.00123' });
    expect(response.output).toEqual([
      { id: outputItemId('rs', context.id, 0), type: 'reasoning', summary: [{ type: 'summary_text', text: 'The user wants the weather in Paris; I should call get_weather.' }] },
      { id: outputItemId('msg', context.id, 1), type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Let me look that up.', annotations: [] }] },
      { id: outputItemId('fc', context.id, 2), type: 'function_call', call_id: 'call_12345xyz', name: 'get_weather', arguments: '{"location":"Paris, France"}', status: 'completed' },
      { id: outputItemId('fc', context.id, 3), type: 'function_call', call_id: 'call_67890abc', name: 'get_weather', arguments: '{"location":"Bogotá, Colombia"}', status: 'completed' },
    ]);
    expect(response.usage).toEqual({
      input_tokens: 310,
      input_tokens_details: { cached_tokens: 256 },
      output_tokens: 95,
      output_tokens_details: { reasoning_tokens: 40 },
      total_tokens: 405,
      cost: 0.00123,
    });
    expect(response).toMatchObject({
      status: 'completed',
      instructions: 'You are a weather assistant.',
      tools: [{ type: 'function', name: 'get_weather', description: null, parameters: { type: 'object', properties: { location: { type: 'string' } } }, strict: false }],
      tool_choice: 'required',
      metadata: { team: 'search' },
      previous_response_id: 'resp_prev',
      store: false,
      temperature: 0.5,
    });
    expect(responseObjectSchema.safeParse(response).success).toBe(true);
  });

  it.each([
    ['length', 'max_output_tokens'],
    ['content_filter', 'content_filter'],
  ])('is incomplete when the answer stopped for %s', (finishReason, reason) => {
    const response = convertToResponse(completion({ content: 'Once upon a' }, finishReason), { ...context, usage });
    expect(response.status).toBe('incomplete');
    expect(response.incomplete_details).toEqual({ reason });
    expect(response.completed_at).toBeNull();
    expect(response.output[0]).toMatchObject({ type: 'message', status: 'incomplete' });
  });

  it('answers a refusal as a refusal part', () => {
    const response = convertToResponse(completion({ refusal: "I'm sorry, I can't help with that." }), { ...context, usage });
    expect(response.output).toEqual([
      { id: outputItemId('msg', context.id, 0), type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'refusal', refusal: "I'm sorry, I can't help with that." }] },
    ]);
  });
});

describe('background and failed responses', () => {
  it('shows a queued and an in-progress response with no output and no usage', () => {
    expect(queuedResponse(context)).toMatchObject({ status: 'queued', output: [], usage: null, error: null, completed_at: null });
    expect(inProgressResponse(context)).toMatchObject({ status: 'in_progress', output: [], usage: null });
    expect(responseObjectSchema.safeParse(queuedResponse(context)).success).toBe(true);
  });

  it.each([
    [{ code: 'provider_error', status: 502, message: 'The provider failed.' }, 'server_error'],
    [{ code: 'provider_rate_limited', status: 429, message: 'Slow down.' }, 'rate_limit_exceeded'],
    [{ code: 'provider_invalid_request', status: 400, message: 'Bad image.' }, 'invalid_prompt'],
    [{ code: 'invalid_image_url', status: 400, message: 'Bad URL.' }, 'invalid_image_url'],
  ])('shows a failure with OpenAI’s code for it (%j)', (failure, code) => {
    expect(failedResponse(context, failure)).toMatchObject({ status: 'failed', output: [], error: { code, message: failure.message } });
  });
});
