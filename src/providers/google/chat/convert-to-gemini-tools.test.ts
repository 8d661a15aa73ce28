import { describe, expect, it } from 'vitest';
import { chatCompletionRequestSchema } from '../../chat-completion-schemas.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import { convertToGeminiRequest } from './convert-to-gemini-request.ts';

function build(body: Record<string, unknown>) {
  const request = chatCompletionRequestSchema.parse({ model: 'gemini', ...body });
  return convertToGeminiRequest({ request, upstreamModel: 'gemini-2.5-flash', config: { apiKey: 'k', headers: {} }, requestId: 'req_1' });
}

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_current_weather',
    description: 'Get the current weather in a given location',
    parameters: {
      type: 'object',
      properties: {
        location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'], default: 'celsius' },
      },
      required: ['location'],
    },
  },
};

const geminiWeatherDeclaration = {
  name: 'get_current_weather',
  description: 'Get the current weather in a given location',
  parametersJsonSchema: {
    type: 'object',
    properties: {
      location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' },
      unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
    },
    required: ['location'],
  },
};

describe('convertToGeminiRequest with tools', () => {
  it('declares functions with their JSON Schema parameters', () => {
    const wire = build({
      messages: [{ role: 'user', content: 'What is the weather like in Boston?' }],
      tools: [weatherTool, { type: 'function', function: { name: 'get_time' } }],
    });
    expect(wire.body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'What is the weather like in Boston?' }] }],
      tools: [{ functionDeclarations: [geminiWeatherDeclaration, { name: 'get_time' }] }],
    });
    expect(wire.warnings).toEqual(['tools[0].function.parameters: JSON Schema keywords Gemini does not support were dropped: properties.unit.default']);
  });

  it.each([
    ['auto', { mode: 'AUTO' }],
    ['none', { mode: 'NONE' }],
    ['required', { mode: 'ANY' }],
    [
      { type: 'function', function: { name: 'get_current_weather' } },
      { mode: 'ANY', allowedFunctionNames: ['get_current_weather'] },
    ],
  ])('maps tool_choice %j onto functionCallingConfig %j', (toolChoice, functionCallingConfig) => {
    const wire = build({ messages: [{ role: 'user', content: 'x' }], tools: [weatherTool], tool_choice: toolChoice });
    expect(wire.body).toMatchObject({ toolConfig: { functionCallingConfig } });
    expect(wire.warnings).toHaveLength(1); // the dropped `default` only
  });

  it('drops tools and tool choices Gemini has no equivalent for, with warnings', () => {
    const wire = build({
      messages: [{ role: 'user', content: 'x' }],
      tools: [
        { type: 'custom', custom: { name: 'grammar' } },
        { type: 'function', function: { name: 'f', strict: true, parameters: { type: 'object' } } },
      ],
      tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [] } },
    });
    expect(wire.body).toMatchObject({ tools: [{ functionDeclarations: [{ name: 'f', parametersJsonSchema: { type: 'object' } }] }] });
    expect(wire.body).not.toHaveProperty('toolConfig');
    expect(wire.warnings).toEqual([
      'tools[0]: tools of type "custom" are not supported by Gemini; dropped',
      'tools[1].function.strict: Gemini has no strict function schemas; dropped',
      'tool_choice: type "allowed_tools" is not supported by Gemini; dropped',
    ]);
  });

  it('sends a tool-call round trip as functionCall and functionResponse parts, named from the call id', () => {
    const wire = build({
      messages: [
        { role: 'system', content: 'You report the weather.' },
        { role: 'user', content: 'Weather in Boston and Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_resp1_0',
              type: 'function',
              function: { name: 'get_current_weather', arguments: '{"location":"Boston, MA"}' },
              extra_content: { google: { thought_signature: 'c2lnbmF0dXJl' } },
            },
            { id: 'call_resp1_1', type: 'function', function: { name: 'get_time', arguments: '{"city":"Paris"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_resp1_0', content: '{"temperature": 22, "unit": "celsius"}' },
        { role: 'tool', tool_call_id: 'call_resp1_1', content: [{ type: 'text', text: '14:05' }] },
        { role: 'assistant', content: 'It is 22°C in Boston; in Paris it is 14:05.' },
        { role: 'user', content: 'Thanks!' },
      ],
    });
    expect(wire.body).toEqual({
      systemInstruction: { parts: [{ text: 'You report the weather.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'Weather in Boston and Paris?' }] },
        {
          role: 'model',
          parts: [
            { functionCall: { name: 'get_current_weather', args: { location: 'Boston, MA' } }, thoughtSignature: 'c2lnbmF0dXJl' },
            { functionCall: { name: 'get_time', args: { city: 'Paris' } } },
          ],
        },
        {
          role: 'user',
          parts: [{ functionResponse: { name: 'get_current_weather', response: { temperature: 22, unit: 'celsius' } } }, { functionResponse: { name: 'get_time', response: { content: '14:05' } } }],
        },
        { role: 'model', parts: [{ text: 'It is 22°C in Boston; in Paris it is 14:05.' }] },
        { role: 'user', parts: [{ text: 'Thanks!' }] },
      ],
    });
    expect(wire.warnings).toBeUndefined();
  });

  it('wraps JSON tool results that are not objects, and keeps assistant text beside its calls', () => {
    const wire = build({
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: 'Let me check.', tool_calls: [{ id: 'a', type: 'function', function: { name: 'list', arguments: '' } }] },
        { role: 'tool', tool_call_id: 'a', content: '[1, 2]' },
      ],
    });
    expect(wire.body).toMatchObject({
      contents: [
        { role: 'user' },
        { role: 'model', parts: [{ text: 'Let me check.' }, { functionCall: { name: 'list', args: {} } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'list', response: { content: [1, 2] } } }] },
      ],
    });
  });

  it('sends unparsable arguments as {} with a warning', () => {
    const wire = build({
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{"broken"' } }] },
        { role: 'tool', tool_call_id: 'a', content: 'ok' },
      ],
    });
    expect(wire.body).toMatchObject({ contents: [{}, { parts: [{ functionCall: { name: 'f', args: {} } }] }, {}] });
    expect(wire.warnings).toEqual(['messages[1].tool_calls[0].function.arguments: not valid JSON; sent to Gemini as {}']);
  });

  it('refuses a tool result whose tool_call_id answers no earlier call', () => {
    let thrown: unknown;
    try {
      build({
        messages: [
          { role: 'user', content: 'x' },
          { role: 'tool', tool_call_id: 'call_nowhere', content: 'ok' },
        ],
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProviderError);
    expect(thrown).toMatchObject({ status: 400, param: 'messages[1].tool_call_id', retryable: false });
  });
});
