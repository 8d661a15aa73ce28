import { describe, expect, it } from 'vitest';
import { chatCompletionRequestSchema } from '../../chat-completion-schemas.ts';
import { convertToOpenAIRequest, convertToOpenAIStreamRequest, openAIRequestBody } from './convert-to-openai-request.ts';

const settings = { apiKey: 'sk-test', headers: {} };

/** A Messages API request as the gateway converts it: Claude's signed thinking and the Anthropic-only settings on board. */
const fromMessagesApi = chatCompletionRequestSchema.parse({
  model: 'gpt',
  messages: [
    { role: 'user', content: 'Weather in Paris?' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }],
      thinking_blocks: [
        { type: 'thinking', thinking: 'The user wants the weather.', signature: 'EqQBCgIYAhIM' },
        { type: 'redacted_thinking', data: 'EmwKAhgB' },
      ],
    },
    { role: 'tool', tool_call_id: 'toolu_1', content: 'sunny' },
  ],
  anthropic: { top_k: 5, betas: ['interleaved-thinking-2025-05-14'] },
});

describe('Anthropic-only parts of a request, on an OpenAI-shaped provider', () => {
  it('leaves out assistant messages’ thinking_blocks, keeping the rest of each message as sent', () => {
    const body = openAIRequestBody(fromMessagesApi, 'gpt-6.2-sol');
    expect(body['messages']).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'sunny' },
    ]);
    expect(JSON.stringify(convertToOpenAIStreamRequest({ request: fromMessagesApi, upstreamModel: 'm', config: settings, requestId: 'r' }).body)).not.toContain('thinking_blocks');
    expect(fromMessagesApi.messages[1]).toHaveProperty('thinking_blocks');
  });

  it('says the anthropic-beta header was not forwarded, with the other settings left out, and nothing of the thinking history', () => {
    expect(convertToOpenAIRequest({ request: fromMessagesApi, upstreamModel: 'm', config: settings, requestId: 'r' }).warnings).toEqual([
      'top_k applies to Anthropic models only and was not sent',
      'the anthropic-beta header applies to Anthropic models only and was not forwarded',
    ]);
  });

  it('keeps the messages array as sent when no message has thinking_blocks', () => {
    const request = chatCompletionRequestSchema.parse({ model: 'gpt', messages: [{ role: 'user', content: 'Hi' }] });
    expect(openAIRequestBody(request, 'm')['messages']).toBe(request.messages);
  });
});
