import { describe, expect, it } from 'vitest';
import type { ChatCompletionRequest } from '../../chat-completion-schemas.ts';
import { thrownBy } from '../../../../test/support/thrown-by.ts';
import { convertToBedrockRequest, convertToBedrockStreamRequest, type BedrockRequestSettings } from './convert-to-bedrock-request.ts';

const settings: BedrockRequestSettings = { headers: {} };
const build = (request: Partial<ChatCompletionRequest>, upstreamModel = 'amazon.nova-pro-v1:0', config = settings) =>
  convertToBedrockRequest({ request: { model: 'nova', messages: [{ role: 'user', content: 'Hi' }], ...request } as ChatCompletionRequest, upstreamModel, config, requestId: 'req_1' });

const pixel = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

describe('convertToBedrockRequest', () => {
  it('moves system and developer messages to system and merges consecutive same-role messages', () => {
    const wire = build({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
        { role: 'user', content: 'Hello' },
        { role: 'user', content: [{ type: 'text', text: 'Are you there?' }] },
        { role: 'assistant', content: 'Oui.' },
        { role: 'assistant', content: '' },
        { role: 'user', content: 'Bien.' },
      ],
    });
    expect(wire.path).toBe('/model/amazon.nova-pro-v1%3A0/converse');
    expect(wire.headers).toEqual({ 'content-type': 'application/json', accept: 'application/json' });
    expect(wire.body).toEqual({
      system: [{ text: 'Be brief.' }, { text: 'Answer in French.' }],
      messages: [
        { role: 'user', content: [{ text: 'Hello' }, { text: 'Are you there?' }] },
        { role: 'assistant', content: [{ text: 'Oui.' }] },
        { role: 'user', content: [{ text: 'Bien.' }] },
      ],
    });
    expect(wire.warnings).toBeUndefined();
  });

  it('percent-encodes an ARN model id in the path; the stream request goes to converse-stream', () => {
    const arn = 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0';
    expect(build({}, arn).path).toBe('/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse');
    const stream = convertToBedrockStreamRequest({ request: { model: 'x', messages: [{ role: 'user', content: 'Hi' }] }, upstreamModel: 'us.amazon.nova-lite-v1:0', config: settings, requestId: 'r' });
    expect(stream.path).toBe('/model/us.amazon.nova-lite-v1%3A0/converse-stream');
    expect(stream.headers['accept']).toBe('application/vnd.amazon.eventstream');
  });

  it('maps max tokens, temperature, top_p and stop onto inferenceConfig; clamps temperature to 1', () => {
    const wire = build({ max_completion_tokens: 300, max_tokens: 100, temperature: 1.4, top_p: 0.9, stop: 'END' });
    expect(wire.body).toMatchObject({ inferenceConfig: { maxTokens: 300, temperature: 1, topP: 0.9, stopSequences: ['END'] } });
    expect(wire.warnings).toEqual(["temperature 1.4 was clamped to 1, the top of Bedrock Converse's range (0–1)"]);
    expect(build({}, 'm', { headers: {}, defaultMaxTokens: 2048 }).body).toMatchObject({ inferenceConfig: { maxTokens: 2048 } });
  });

  it('sends data: URL images as bytes with their format, and files as documents', () => {
    const wire = build({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${pixel}`, detail: 'high' } },
            { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0xLjQK', filename: 'Q3 report (final).pdf' } },
          ],
        },
      ],
    });
    expect(wire.body).toMatchObject({
      messages: [
        {
          role: 'user',
          content: [{ text: 'What is this?' }, { image: { format: 'png', source: { bytes: pixel } } }, { document: { format: 'pdf', name: 'Q3 report (final)', source: { bytes: 'JVBERi0xLjQK' } } }],
        },
      ],
    });
    expect(wire.warnings).toEqual(['messages[0].content[1].image_url.detail "high" is not supported by Bedrock and was ignored']);
  });

  it('refuses an image by http URL, an unsupported image type and n > 1 with 400s', () => {
    expect(thrownBy(() => build({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }] }))).toMatchObject({
      status: 400,
      param: 'messages[0].content[0].image_url.url',
      retryable: false,
    });
    expect(thrownBy(() => build({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,Qk0=' } }] }] }))).toMatchObject({ status: 400 });
    expect(thrownBy(() => build({ n: 2 }))).toMatchObject({ status: 400, code: 'unsupported_parameter', param: 'n' });
  });

  it('maps tools and tool_choice (required → any, a named function → tool) and tool results first in their user turn', () => {
    const tools = [
      {
        type: 'function',
        function: { name: 'top_song', description: 'The most popular song on a station', parameters: { type: 'object', properties: { sign: { type: 'string' } }, required: ['sign'] } },
      },
    ];
    const wire = build({
      tools,
      tool_choice: { type: 'function', function: { name: 'top_song' } },
      messages: [
        { role: 'user', content: 'Top song on WZPZ?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'tooluse_1', type: 'function', function: { name: 'top_song', arguments: '{"sign":"WZPZ"}' } }] },
        { role: 'tool', tool_call_id: 'tooluse_1', content: 'Elemental Hotel, by 8 Storey Hike' },
      ],
    });
    expect(wire.body).toMatchObject({
      messages: [
        { role: 'user', content: [{ text: 'Top song on WZPZ?' }] },
        { role: 'assistant', content: [{ toolUse: { toolUseId: 'tooluse_1', name: 'top_song', input: { sign: 'WZPZ' } } }] },
        { role: 'user', content: [{ toolResult: { toolUseId: 'tooluse_1', content: [{ text: 'Elemental Hotel, by 8 Storey Hike' }] } }] },
      ],
      toolConfig: {
        tools: [
          {
            toolSpec: {
              name: 'top_song',
              description: 'The most popular song on a station',
              inputSchema: { json: { type: 'object', properties: { sign: { type: 'string' } }, required: ['sign'] } },
            },
          },
        ],
        toolChoice: { tool: { name: 'top_song' } },
      },
    });
    expect(build({ tools, tool_choice: 'required' }).body).toMatchObject({ toolConfig: { toolChoice: { any: {} } } });
    expect(build({ tools, tool_choice: 'auto' }).body).toMatchObject({ toolConfig: { toolChoice: { auto: {} } } });
  });

  it('tool_choice none leaves the tools out, unless the conversation holds tool blocks (then a warning)', () => {
    const tools = [{ type: 'function', function: { name: 'top_song' } }];
    const plain = build({ tools, tool_choice: 'none' });
    expect(plain.body).not.toHaveProperty('toolConfig');
    expect(plain.warnings).toBeUndefined();
    const withHistory = build({
      tools,
      tool_choice: 'none',
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'top_song', arguments: '' } }] },
        { role: 'tool', tool_call_id: 't1', content: 'y' },
      ],
    });
    expect(withHistory.body).toMatchObject({ toolConfig: { tools: [{ toolSpec: { name: 'top_song', inputSchema: { json: { type: 'object', properties: {} } } } }] } });
    expect(withHistory.warnings).toEqual([expect.stringContaining('tool_choice "none" has no Bedrock counterpart')]);
  });

  it('emulates JSON mode with a system instruction and a warning', () => {
    const wire = build({ response_format: { type: 'json_object' } });
    expect(wire.body).toMatchObject({ system: [{ text: expect.stringContaining('Respond with a single valid JSON object.') }] });
    expect(wire.warnings).toEqual(['response_format json_object is emulated on Bedrock with a system instruction; the answer is not guaranteed to be valid JSON']);
  });

  it('drops settings Converse cannot honour with a warning each; passes Claude top_k and thinking as additionalModelRequestFields', () => {
    const wire = build({
      seed: 7,
      presence_penalty: 0.5,
      frequency_penalty: 0,
      logprobs: true,
      top_k: 40,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      user: 'user-42',
    } as Partial<ChatCompletionRequest>);
    expect(wire.body).toMatchObject({ additionalModelRequestFields: { top_k: 40, thinking: { type: 'enabled', budget_tokens: 1024 } }, requestMetadata: { user: 'user-42' } });
    expect(wire.warnings).toEqual([
      'seed is not supported by Bedrock and was dropped',
      'presence_penalty is not supported by Bedrock and was dropped',
      'logprobs is not supported by Bedrock and was dropped',
    ]);
  });

  it('sends signed thinking blocks of an assistant turn back as reasoningContent, first in the turn', () => {
    const wire = build({
      messages: [
        { role: 'user', content: 'Sum?' },
        {
          role: 'assistant',
          content: '42.',
          thinking_blocks: [
            { type: 'thinking', thinking: '27 + 15 = 42.', signature: 'sig' },
            { type: 'redacted_thinking', data: 'cmVk' },
          ],
        },
        { role: 'user', content: 'Thanks' },
      ],
    });
    expect((wire.body as { messages: unknown[] }).messages[1]).toEqual({
      role: 'assistant',
      content: [{ reasoningContent: { reasoningText: { text: '27 + 15 = 42.', signature: 'sig' } } }, { reasoningContent: { redactedContent: 'cmVk' } }, { text: '42.' }],
    });
  });

  it('turns Anthropic cache_control breakpoints (system, messages, tools, tool results) into cache points after them', () => {
    const ephemeral = { type: 'ephemeral' };
    const wire = build({
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'A long manual.', cache_control: ephemeral }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'A long document.', cache_control: ephemeral },
            { type: 'text', text: 'Question?' },
          ],
        },
        { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'lookup', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 't1', content: [{ type: 'text', text: 'A long result.', cache_control: ephemeral }] },
      ],
      tools: [{ type: 'function', function: { name: 'lookup' }, cache_control: ephemeral }],
    } as Partial<ChatCompletionRequest>);
    const cachePoint = { cachePoint: { type: 'default' } };
    expect(wire.body).toMatchObject({
      system: [{ text: 'A long manual.' }, cachePoint],
      messages: [
        { role: 'user', content: [{ text: 'A long document.' }, cachePoint, { text: 'Question?' }] },
        { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'lookup', input: {} } }] },
        { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ text: 'A long result.' }] } }, cachePoint] },
      ],
      toolConfig: { tools: [{ toolSpec: { name: 'lookup' } }, cachePoint] },
    });
  });
});
