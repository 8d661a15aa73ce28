import { describe, expect, it } from 'vitest';
import { assistant, buildAnthropicRequest, builtBody, providerErrorThrownBy, text, user } from './__fixtures__/build-anthropic-request.ts';

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Get the current weather in a given location',
    parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
  },
};
const anthropicWeatherTool = {
  name: 'get_weather',
  description: 'Get the current weather in a given location',
  input_schema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
};
const toolCall = (id: string, args: string) => ({ id, type: 'function', function: { name: 'get_weather', arguments: args } });

describe('convertToAnthropicRequest: tools', () => {
  it('sends function tools as name, description and input_schema', () => {
    const wire = buildAnthropicRequest({ messages: [user('Weather in Paris?')], tools: [weatherTool] });
    expect(wire.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      messages: [{ role: 'user', content: [text('Weather in Paris?')] }],
      tools: [anthropicWeatherTool],
    });
    expect(wire.warnings).toBeUndefined();
  });

  it('gives a tool without parameters an empty object schema and keeps a cache_control breakpoint', () => {
    const body = builtBody({
      messages: [user('x')],
      tools: [{ type: 'function', function: { name: 'now' }, cache_control: { type: 'ephemeral' } }],
    });
    expect(body['tools']).toEqual([{ name: 'now', input_schema: { type: 'object', properties: {} }, cache_control: { type: 'ephemeral' } }]);
  });

  it.each([
    ['auto', undefined, { type: 'auto' }],
    ['required', undefined, { type: 'any' }],
    ['none', undefined, { type: 'none' }],
    [{ type: 'function', function: { name: 'get_weather' } }, undefined, { type: 'tool', name: 'get_weather' }],
    ['auto', false, { type: 'auto', disable_parallel_tool_use: true }],
    ['required', false, { type: 'any', disable_parallel_tool_use: true }],
    [{ type: 'function', function: { name: 'get_weather' } }, false, { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true }],
    [undefined, false, { type: 'auto', disable_parallel_tool_use: true }],
    ['none', false, { type: 'none' }],
    [undefined, true, undefined],
  ])('maps tool_choice %j with parallel_tool_calls %j onto %j', (toolChoice, parallel, expected) => {
    const body = builtBody({ messages: [user('x')], tools: [weatherTool], tool_choice: toolChoice, parallel_tool_calls: parallel });
    expect(body['tool_choice']).toEqual(expected);
    expect(body['tools']).toEqual([anthropicWeatherTool]);
  });

  it('drops non-function tools, and a tool_choice with nothing to choose from, with warnings', () => {
    const wire = buildAnthropicRequest({ messages: [user('x')], tools: [{ type: 'custom', custom: { name: 'grep' } }], tool_choice: 'required' });
    expect(wire.body).not.toHaveProperty('tools');
    expect(wire.body).not.toHaveProperty('tool_choice');
    expect(wire.warnings).toEqual(['tools[0]: tools of type "custom" are not supported by Anthropic and were dropped', 'tool_choice was ignored: the request has no function tools']);
  });

  it('warns that strict is not enforced and that an allowed_tools choice falls back to auto', () => {
    const strictTool = { ...weatherTool, function: { ...weatherTool.function, strict: true } };
    const wire = buildAnthropicRequest({ messages: [user('x')], tools: [strictTool], tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [] } } });
    expect(wire.body).not.toHaveProperty('tool_choice');
    expect(wire.warnings).toEqual([
      "tools[0].function.strict: strict schema adherence is not enforced on Anthropic; the schema is sent as the tool's input_schema",
      'tool_choice of type "allowed_tools" is not supported by Anthropic; the model chooses (auto)',
    ]);
  });

  it('refuses parameters that are not an object schema', () => {
    const error = providerErrorThrownBy(() => buildAnthropicRequest({ messages: [user('x')], tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'string' } } }] }));
    expect(error).toMatchObject({ status: 400, code: 'invalid_value', param: 'tools[0].function.parameters.type', retryable: false });
  });
});

describe('convertToAnthropicRequest: tool call and tool result round trip', () => {
  it('sends assistant tool_calls as tool_use blocks and tool messages as tool_result blocks of one user turn', () => {
    const wire = buildAnthropicRequest({
      messages: [
        user('Weather in Paris and London?'),
        assistant('Let me check.', { tool_calls: [toolCall('toolu_01', '{"location":"Paris"}'), toolCall('toolu_02', '{"location": "London"}')] }),
        { role: 'tool', tool_call_id: 'toolu_01', content: '15°C, sunny' },
        { role: 'tool', tool_call_id: 'toolu_02', content: [text('11°C, rain')] },
        user('And tomorrow?'),
      ],
      tools: [weatherTool],
    });
    expect(wire.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      tools: [anthropicWeatherTool],
      messages: [
        { role: 'user', content: [text('Weather in Paris and London?')] },
        {
          role: 'assistant',
          content: [
            text('Let me check.'),
            { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { location: 'Paris' } },
            { type: 'tool_use', id: 'toolu_02', name: 'get_weather', input: { location: 'London' } },
          ],
        },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: '15°C, sunny' }, { type: 'tool_result', tool_use_id: 'toolu_02', content: [text('11°C, rain')] }, text('And tomorrow?')],
        },
      ],
    });
    expect(wire.warnings).toBeUndefined();
  });

  it('puts tool results before other content of the merged user turn, and reads empty arguments as none', () => {
    const body = builtBody({
      messages: [user('x'), assistant(null, { tool_calls: [toolCall('toolu_9', '')] }), user('(note)'), { role: 'tool', tool_call_id: 'toolu_9', content: '' }],
    });
    expect(body['messages']).toEqual([
      { role: 'user', content: [text('x')] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_9', name: 'get_weather', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9' }, text('(note)')] },
    ]);
  });

  it.each(['{"location":', '["Paris"]', '"Paris"'])('refuses tool call arguments %j that are not a JSON object', (args) => {
    const error = providerErrorThrownBy(() => buildAnthropicRequest({ messages: [user('x'), assistant(null, { tool_calls: [toolCall('t', args)] })] }));
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', code: 'invalid_value', param: 'messages[1].tool_calls[0].function.arguments' });
  });
});
