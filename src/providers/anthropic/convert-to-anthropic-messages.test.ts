import { describe, expect, it } from 'vitest';
import { buildAnthropicRequest, builtBody, providerErrorThrownBy, text, user } from './__fixtures__/build-anthropic-request.ts';

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
