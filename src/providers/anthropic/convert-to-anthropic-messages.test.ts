import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assistant, buildAnthropicRequest, builtBody, providerErrorThrownBy, text, user } from './__fixtures__/build-anthropic-request.ts';

const pixel = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
const imagePart = (url: string, detail?: string) => ({ type: 'image_url', image_url: detail ? { url, detail } : { url } });

describe('convertToAnthropicRequest: image input', () => {
  it('sends a data: URL as a base64 image source and an https URL as a url source', () => {
    const wire = buildAnthropicRequest({
      messages: [user([text('What is in these images?'), imagePart(`data:image/png;base64,${pixel}`), imagePart('https://upload.wikimedia.org/a.jpg', 'auto')])],
    });
    expect(wire.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      messages: [
        {
          role: 'user',
          content: [
            text('What is in these images?'),
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: pixel } },
            { type: 'image', source: { type: 'url', url: 'https://upload.wikimedia.org/a.jpg' } },
          ],
        },
      ],
    });
    expect(wire.warnings).toBeUndefined();
  });

  it('warns that a detail level other than auto is ignored', () => {
    const wire = buildAnthropicRequest({ messages: [user([imagePart('https://example.com/a.png', 'low')])] });
    expect(wire.warnings).toEqual(['messages[0].content[0].image_url.detail "low" is not supported by Anthropic and was ignored']);
  });

  it('reads a data: URL with extra parameters', () => {
    const body = builtBody({ messages: [user([imagePart(`data:image/jpeg;name=a.jpg;base64,${pixel}`)])] });
    expect(body['messages']).toEqual([{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: pixel } }] }]);
  });

  it.each([
    ['data:image/png,not-base64', 'messages[0].content[0].image_url.url'],
    ['ftp://example.com/a.png', 'messages[0].content[0].image_url.url'],
  ])('refuses the image URL %s', (url, param) => {
    const error = providerErrorThrownBy(() => buildAnthropicRequest({ messages: [user([imagePart(url)])] }));
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', code: 'invalid_value', param, retryable: false });
  });

  it('refuses an image part without a URL, naming the field', () => {
    const error = providerErrorThrownBy(() => buildAnthropicRequest({ messages: [user([{ type: 'image_url', image_url: {} }])] }));
    expect(error).toMatchObject({ status: 400, param: 'messages[0].content[0].image_url.url' });
  });

  it('sends images inside a tool result', () => {
    const body = builtBody({
      messages: [
        user('x'),
        { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'screenshot', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'toolu_1', content: [imagePart('https://example.com/shot.png')] },
      ],
    });
    expect((body['messages'] as unknown[])[2]).toEqual({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'image', source: { type: 'url', url: 'https://example.com/shot.png' } }] }],
    });
  });
});

describe('convertToAnthropicRequest: other content parts', () => {
  it('sends an inline PDF file part as a document block titled with its filename', () => {
    const body = builtBody({ messages: [user([{ type: 'file', file: { filename: 'report.pdf', file_data: 'data:application/pdf;base64,JVBERi0xLjQK' } }, text('Summarise.')])] });
    expect(body['messages']).toEqual([
      {
        role: 'user',
        content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQK' }, title: 'report.pdf' }, text('Summarise.')],
      },
    ]);
  });

  it.each([
    [{ type: 'file', file: { file_id: 'file-abc' } }, 'messages[0].content[0].file'],
    [{ type: 'input_audio', input_audio: { data: 'UklGR', format: 'wav' } }, 'messages[0].content[0].type'],
  ])('refuses %j, which Anthropic cannot take', (part, param) => {
    const error = providerErrorThrownBy(() => buildAnthropicRequest({ messages: [user([part])] }));
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', code: 'unsupported_value', param, retryable: false });
  });
});

describe('convertToAnthropicRequest: thinking history', () => {
  /** The follow-up request of Anthropic's extended-thinking-with-tools example: thinking, tool_use, then the tool_result. */
  const followUp = JSON.parse(readFileSync(new URL('./__fixtures__/request-thinking-tool-result.json', import.meta.url), 'utf8')) as {
    messages: Array<{ role: string; content: Array<Record<string, unknown>> }>;
  };
  const [thinking, toolUse] = followUp.messages[1]?.content ?? [];

  it('sends an assistant message’s thinking_blocks first in its turn, verbatim, before its text and tool_use', () => {
    const call = { id: toolUse?.['id'], type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } };
    const redacted = { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' };
    const body = builtBody({
      messages: [
        user("What's the weather in Paris?"),
        assistant('Let me check.', { tool_calls: [call], thinking_blocks: [thinking, redacted] }),
        { role: 'tool', tool_call_id: toolUse?.['id'], content: 'Current temperature: 88°F' },
      ],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
    });
    expect((body['messages'] as unknown[])[1]).toEqual({ role: 'assistant', content: [thinking, redacted, text('Let me check.'), toolUse] });
  });

  it('sends a block’s own fields only, which are what its signature covers', () => {
    const body = builtBody({ messages: [user('Hi'), assistant('Hello.', { thinking_blocks: [{ ...thinking, cache_control: { type: 'ephemeral' } }] }), user('Again')] });
    expect((body['messages'] as Array<{ content: unknown[] }>)[1]?.content[0]).toEqual(thinking);
  });

  it.each([
    [{ type: 'thinking', thinking: 'No signature.' }],
    [{ type: 'thinking', thinking: 'A null one.', signature: null }],
    [{ type: 'redacted_thinking' }],
    [{ type: 'reasoning', text: 'Not Anthropic’s.' }],
  ])('refuses %j, which Anthropic would not take back', (block) => {
    const error = providerErrorThrownBy(() => buildAnthropicRequest({ messages: [user('Hi'), assistant('Hello.', { thinking_blocks: [thinking, block] }), user('Again')] }));
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', code: 'invalid_value', param: 'messages[1].thinking_blocks[1]', retryable: false });
  });
});
