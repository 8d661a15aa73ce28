import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { convertResponsesRequest, type ResponsesRequestConversion } from './convert-responses-request.ts';
import { derivedItemId } from './response-ids.ts';
import { responseItemSchema, responsesRequestSchema, type ResponseItem } from './responses-schemas.ts';

/** A request as a client sends it, validated by the route's schema first. */
function request(body: Record<string, unknown>) {
  return responsesRequestSchema.parse({ model: 'gpt-4.1', ...body });
}

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

function converted(result: ResponsesRequestConversion) {
  if (!result.ok) throw new Error(`refused: ${result.param}: ${result.message}`);
  return result;
}

describe('convertResponsesRequest', () => {
  it('turns string input into one user message, and instructions into a system message before it', () => {
    const result = converted(convertResponsesRequest(request({ instructions: 'Talk like a pirate.', input: 'Are semicolons optional in JavaScript?' }), [], { responseId: 'resp_1' }));
    expect(result.request).toEqual({
      model: 'gpt-4.1',
      messages: [
        { role: 'system', content: 'Talk like a pirate.' },
        { role: 'user', content: 'Are semicolons optional in JavaScript?' },
      ],
    });
    expect(result.warnings).toEqual([]);
    expect(result.inputItems).toEqual([
      { id: derivedItemId('msg', 'resp_1', 'in:0'), type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_text', text: 'Are semicolons optional in JavaScript?' }] },
    ]);
  });

  it('keeps a multi-turn conversation in order, each role as chat has it', () => {
    const result = converted(
      convertResponsesRequest(
        request({
          input: [
            { role: 'developer', content: 'Answer briefly.' },
            { role: 'user', content: 'knock knock.' },
            { role: 'assistant', content: "Who's there?" },
            { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Orange.' }] },
          ],
        }),
      ),
    );
    expect(result.request.messages).toEqual([
      { role: 'developer', content: 'Answer briefly.' },
      { role: 'user', content: 'knock knock.' },
      { role: 'assistant', content: "Who's there?" },
      { role: 'user', content: [{ type: 'text', text: 'Orange.' }] },
    ]);
    expect(result.inputItems.map((item) => [item.type, 'role' in item ? item.role : undefined, item.id.slice(0, 4)])).toEqual([
      ['message', 'developer', 'msg_'],
      ['message', 'user', 'msg_'],
      ['message', 'assistant', 'msg_'],
      ['message', 'user', 'msg_'],
    ]);
    expect(result.inputItems[2]).toMatchObject({ role: 'assistant', content: [{ type: 'output_text', text: "Who's there?", annotations: [] }] });
  });

  it('translates function calling as the docs show it: tools, function_call and function_call_output', () => {
    const result = converted(convertResponsesRequest(request(fixture('function-calling-request')), [], { responseId: 'resp_2' }));
    expect(result.request).toEqual({
      model: 'gpt-4.1',
      messages: [
        { role: 'system', content: 'You are a weather assistant.' },
        { role: 'user', content: 'What is the weather like in Paris today?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_12345xyz', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris, France"}' } }] },
        { role: 'tool', tool_call_id: 'call_12345xyz', content: '14' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Get current temperature for a given location.',
            parameters: {
              type: 'object',
              properties: { location: { type: 'string', description: 'City and country e.g. Bogotá, Colombia' } },
              required: ['location'],
              additionalProperties: false,
            },
            strict: true,
          },
        },
      ],
    });
    expect(result.warnings).toEqual([]);
    // The client's item id is kept; items without one get ids of their kind.
    expect(result.inputItems.map((item) => item.id)).toEqual([derivedItemId('msg', 'resp_2', 'in:0'), 'fc_12345xyz', derivedItemId('fco', 'resp_2', 'in:2')]);
    expect(result.inputItems[2]).toEqual({ type: 'function_call_output', call_id: 'call_12345xyz', output: '14', id: derivedItemId('fco', 'resp_2', 'in:2'), status: 'completed' });
  });

  it('groups consecutive function calls, and the text before them, into one assistant message', () => {
    const result = converted(
      convertResponsesRequest(
        request({
          input: [
            { role: 'user', content: 'Weather in Paris and Bogotá?' },
            { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking both.', annotations: [] }], status: 'completed', id: 'msg_a' },
            { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"location":"Paris"}' },
            { type: 'function_call', call_id: 'call_2', name: 'get_weather', arguments: '{"location":"Bogotá"}' },
            { type: 'function_call_output', call_id: 'call_1', output: [{ type: 'input_text', text: '14' }] },
            { type: 'function_call_output', call_id: 'call_2', output: '21' },
          ],
        }),
      ),
    );
    expect(result.request.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: 'Checking both.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
          { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Bogotá"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: [{ type: 'text', text: '14' }] },
      { role: 'tool', tool_call_id: 'call_2', content: '21' },
    ]);
  });

  it('translates images given by URL, with their detail', () => {
    const result = converted(
      convertResponsesRequest(
        request({
          input: [
            {
              role: 'user',
              content: [
                { type: 'input_text', text: "what's in this image?" },
                { type: 'input_image', image_url: 'https://upload.wikimedia.org/wikipedia/commons/3/3b/LeBron_James_Layup_%28Cleveland_vs_Brooklyn_2018%29.jpg', detail: 'low' },
                { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'original' },
              ],
            },
          ],
        }),
      ),
    );
    expect(result.request.messages[0]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: "what's in this image?" },
        { type: 'image_url', image_url: { url: 'https://upload.wikimedia.org/wikipedia/commons/3/3b/LeBron_James_Layup_%28Cleveland_vs_Brooklyn_2018%29.jpg', detail: 'low' } },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high' } },
      ],
    });
    expect(result.warnings).toEqual(['input[0].content[2].detail: "original" has no chat equivalent; sent as "high"']);
  });

  it('maps text.format json_schema to response_format, and the sampling and reasoning settings', () => {
    const schema = { type: 'object', properties: { name: { type: 'string' }, date: { type: 'string' } }, required: ['name', 'date'], additionalProperties: false };
    const result = converted(
      convertResponsesRequest(
        request({
          model: 'o4-mini',
          input: 'Alice and Bob are going to a science fair on Friday.',
          text: { format: { type: 'json_schema', name: 'calendar_event', schema, strict: true }, verbosity: 'low' },
          reasoning: { effort: 'low' },
          max_output_tokens: 500,
          temperature: 0.2,
          top_p: 0.9,
          parallel_tool_calls: false,
          user: 'user-1234',
          metadata: { team: 'search' },
          store: false,
          stream: true,
        }),
      ),
    );
    expect(result.request).toEqual({
      model: 'o4-mini',
      messages: [{ role: 'user', content: 'Alice and Bob are going to a science fair on Friday.' }],
      stream: true,
      temperature: 0.2,
      top_p: 0.9,
      max_completion_tokens: 500,
      parallel_tool_calls: false,
      user: 'user-1234',
      reasoning_effort: 'low',
      verbosity: 'low',
      response_format: { type: 'json_schema', json_schema: { name: 'calendar_event', schema, strict: true } },
    });
    // metadata and store belong to the Response, not the model call: neither is sent, neither is a drop.
    expect(result.warnings).toEqual([]);
  });

  it('maps json_object, tool_choice and allowed_tools', () => {
    const tools = ['a', 'b', 'c'].map((name) => ({ type: 'function', name, parameters: { type: 'object', properties: {} }, strict: false }));
    const jsonMode = converted(convertResponsesRequest(request({ input: 'JSON please', text: { format: { type: 'json_object' } }, tools, tool_choice: { type: 'function', name: 'b' } })));
    expect(jsonMode.request.response_format).toEqual({ type: 'json_object' });
    expect(jsonMode.request.tool_choice).toEqual({ type: 'function', function: { name: 'b' } });
    expect(jsonMode.request.tools).toHaveLength(3);

    const allowed = converted(
      convertResponsesRequest(
        request({
          input: 'go',
          tools,
          tool_choice: {
            type: 'allowed_tools',
            mode: 'required',
            tools: [
              { type: 'function', name: 'a' },
              { type: 'function', name: 'c' },
            ],
          },
        }),
      ),
    );
    expect(allowed.request.tool_choice).toBe('required');
    expect(allowed.request.tools?.map((tool) => tool.function?.name)).toEqual(['a', 'c']);
    expect(converted(convertResponsesRequest(request({ input: 'go', tools, tool_choice: 'none' }))).request.tool_choice).toBe('none');
  });

  it('puts the previous responses’ items after the instructions and before the new input', () => {
    const history: ResponseItem[] = [
      { id: 'msg_in', type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_text', text: 'tell me a joke' }] },
      { id: 'rs_1', type: 'reasoning', summary: [{ type: 'summary_text', text: 'A pun would do.' }] },
      { id: 'msg_out', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Why did the chicken cross the road?', annotations: [] }] },
    ].map((item) => responseItemSchema.parse(item));
    const result = converted(
      convertResponsesRequest(request({ instructions: 'Be funny.', previous_response_id: 'resp_prev', input: [{ role: 'user', content: 'explain why this is funny.' }] }), history, {
        responseId: 'resp_3',
      }),
    );
    expect(result.request.messages).toEqual([
      { role: 'system', content: 'Be funny.' },
      { role: 'user', content: [{ type: 'text', text: 'tell me a joke' }] },
      { role: 'assistant', content: 'Why did the chicken cross the road?' },
      { role: 'user', content: 'explain why this is funny.' },
    ]);
    // The stored items are the earlier responses' own: only this request's input is its input.
    expect(result.inputItems).toHaveLength(1);
    expect(result.warnings).toEqual(['previous_response_id: reasoning items are not passed to the model (chat completions have no input for them); dropped']);
  });

  it.each([
    [{ input: [{ type: 'file_search_call', id: 'fs_1', queries: ['x'], status: 'completed' }] }, 'input[0].type', 'file_search_call'],
    [{ input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'file-abc' }] }] }, 'input[0].content[0].type', 'input_file'],
    [{ input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-abc', detail: 'auto' }] }] }, 'input[0].content[0].file_id', 'file_id'],
    [{ input: [{ type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'gAAAA…' }] }, 'input[0].encrypted_content', 'encrypted_content'],
    [{ input: [{ role: 'system', content: [{ type: 'input_image', image_url: 'https://example.com/a.png' }] }] }, 'input[0].content[0].type', 'input_image'],
    [{ input: [{ type: 'item_reference', id: 'msg_1' }] }, 'input[0].type', 'item_reference'],
    [{ input: 'hi', tools: [{ type: 'web_search_preview' }] }, 'tools[0].type', 'web_search_preview'],
    [{ input: 'hi', tool_choice: { type: 'file_search' } }, 'tool_choice.type', 'file_search'],
    [{ input: 'hi', conversation: 'conv_123' }, 'conversation', 'Conversations'],
    [{ input: 'hi', prompt: { id: 'pmpt_123' } }, 'prompt', 'Prompt templates'],
    [{}, 'input', 'input is required'],
  ])('refuses what it cannot translate, naming it (%j)', (body, param, named) => {
    const result = convertResponsesRequest(request(body));
    expect(result).toMatchObject({ ok: false, param });
    expect(result.ok === false && result.message).toContain(named);
  });

  it('warns of every setting it does not carry', () => {
    const result = converted(
      convertResponsesRequest(
        request({
          input: 'hi',
          tools: [{ type: 'function', name: 'f', parameters: { type: 'object', properties: {} } }],
          reasoning: { effort: 'high', summary: 'auto' },
          truncation: 'auto',
          include: ['reasoning.encrypted_content'],
          top_logprobs: 2,
          service_tier: 'flex',
          some_future_field: { x: 1 },
        }),
      ),
    );
    expect(result.request['service_tier']).toBe('flex');
    expect(result.request['reasoning_effort']).toBe('high');
    expect(result.warnings).toEqual([
      'reasoning.summary: not carried; the reasoning text the provider returns (if any) is given as the summary',
      'truncation: "auto" is not supported; input longer than the context window fails as with "disabled"',
      'include: reasoning.encrypted_content: not supported; dropped',
      'top_logprobs: not supported; dropped',
      'some_future_field: not supported; dropped',
      'tools[].strict: omitted, so the functions are called non-strict as in chat completions (OpenAI\'s Responses API would make them strict); set "strict": true for strict schemas',
    ]);
  });
});
