import { describe, expect, it } from 'vitest';
import { chatCompletionRequestSchema, type ChatCompletionRequest } from '../../chat-completion-schemas.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import { convertToGeminiRequest, convertToGeminiStreamRequest } from './convert-to-gemini-request.ts';
import { thrownBy } from '../../../../test/support/thrown-by.ts';

function request(body: Record<string, unknown>): ChatCompletionRequest {
  return chatCompletionRequestSchema.parse({ model: 'gemini', ...body });
}

const config = { apiKey: 'AIza-secret', headers: {} };

function build(body: Record<string, unknown>, upstreamModel = 'gemini-2.5-flash') {
  return convertToGeminiRequest({ request: request(body), upstreamModel, config, requestId: 'req_1' });
}

describe('convertToGeminiRequest', () => {
  it('posts a plain user message to models/{model}:generateContent with the key in x-goog-api-key', () => {
    const wire = convertToGeminiRequest({
      request: request({ messages: [{ role: 'user', content: 'Explain how AI works in a few words' }] }),
      upstreamModel: 'gemini-2.5-flash',
      config: { apiKey: 'AIza-secret', headers: { 'x-goog-user-project': 'my-project' } },
      requestId: 'req_1',
    });
    expect(wire).toEqual({
      path: '/models/gemini-2.5-flash:generateContent',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-goog-user-project': 'my-project', 'x-goog-api-key': 'AIza-secret' },
      body: { contents: [{ role: 'user', parts: [{ text: 'Explain how AI works in a few words' }] }] },
    });
  });

  it('streams the same body through models/{model}:streamGenerateContent?alt=sse, key header kept', () => {
    const input = {
      request: request({ messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true }, temperature: 0.2 }),
      upstreamModel: 'gemini-2.5-flash',
      config: { apiKey: 'AIza-secret', headers: { 'x-goog-user-project': 'my-project' } },
      requestId: 'req_1',
    };
    const wire = convertToGeminiStreamRequest(input);
    expect(wire).toEqual({
      path: '/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-goog-user-project': 'my-project', 'x-goog-api-key': 'AIza-secret' },
      body: { contents: [{ role: 'user', parts: [{ text: 'Hi' }] }], generationConfig: { temperature: 0.2 } },
    });
    expect(wire.body).toEqual(convertToGeminiRequest(input).body);
    expect(convertToGeminiStreamRequest({ ...input, upstreamModel: 'tunedModels/my-model-7' }).path).toBe('/tunedModels/my-model-7:streamGenerateContent?alt=sse');
  });

  it('sends no key header without an apiKey, and keeps full resource names in the path', () => {
    const wire = convertToGeminiRequest({
      request: request({ messages: [{ role: 'user', content: 'x' }] }),
      upstreamModel: 'tunedModels/my-model-7',
      config: { headers: {} },
      requestId: 'r',
    });
    expect(wire.path).toBe('/tunedModels/my-model-7:generateContent');
    expect(wire.headers).not.toHaveProperty('x-goog-api-key');
  });

  it('moves system and developer messages into systemInstruction', () => {
    const wire = build({
      messages: [
        { role: 'system', content: 'You are a cat.' },
        { role: 'developer', content: [{ type: 'text', text: 'Your name is Neko.' }] },
        { role: 'user', content: 'Hello there' },
      ],
    });
    expect(wire.body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'Hello there' }] }],
      systemInstruction: { parts: [{ text: 'You are a cat.' }, { text: 'Your name is Neko.' }] },
    });
  });

  it('turns a multi-turn chat into alternating user/model contents, merging consecutive turns of one role', () => {
    const wire = build({
      messages: [
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Great to meet you. What would you like to know?' },
        { role: 'user', content: 'I have two dogs in my house.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'How many paws ' },
            { type: 'text', text: 'are in my house?' },
          ],
        },
      ],
    });
    expect(wire.body).toEqual({
      contents: [
        { role: 'user', parts: [{ text: 'Hello' }] },
        { role: 'model', parts: [{ text: 'Great to meet you. What would you like to know?' }] },
        { role: 'user', parts: [{ text: 'I have two dogs in my house.' }, { text: 'How many paws ' }, { text: 'are in my house?' }] },
      ],
    });
    expect(wire.warnings).toBeUndefined();
  });

  it('maps the sampling settings onto generationConfig', () => {
    const wire = build({
      messages: [{ role: 'user', content: 'x' }],
      temperature: 0.7,
      top_p: 0.9,
      n: 2,
      max_tokens: 100,
      max_completion_tokens: 200,
      stop: 'END',
      seed: 42,
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      logprobs: true,
      top_logprobs: 3,
      stream: false,
    });
    expect(wire.body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'x' }] }],
      generationConfig: {
        stopSequences: ['END'],
        candidateCount: 2,
        maxOutputTokens: 200,
        temperature: 0.7,
        topP: 0.9,
        seed: 42,
        presencePenalty: 0.5,
        frequencyPenalty: -0.5,
        responseLogprobs: true,
        logprobs: 3,
      },
    });
    expect(wire.warnings).toBeUndefined();
  });

  it('uses max_tokens when max_completion_tokens is absent, and sends stop lists as they are', () => {
    const wire = build({ messages: [{ role: 'user', content: 'x' }], max_tokens: 64, stop: ['a', 'b'], top_logprobs: 2 });
    expect(wire.body).toMatchObject({ generationConfig: { maxOutputTokens: 64, stopSequences: ['a', 'b'] } });
    expect(wire.body).not.toHaveProperty('generationConfig.logprobs');
  });

  it('asks for JSON with response_format json_object', () => {
    const wire = build({ messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_object' } });
    expect(wire.body).toMatchObject({ generationConfig: { responseMimeType: 'application/json' } });
  });

  it('sends a json_schema as responseJsonSchema, dropping the keywords Gemini does not support', () => {
    const wire = build({
      messages: [{ role: 'user', content: 'List a few cookie recipes.' }],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'recipes',
          strict: true,
          schema: {
            $schema: 'https://json-schema.org/draft/2020-12/schema',
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              properties: {
                recipeName: { type: 'string', minLength: 1 },
                ingredients: { type: 'array', items: { type: 'string', pattern: '^[a-z]' } },
                rating: { anyOf: [{ type: 'integer', minimum: 1, maximum: 5 }, { type: 'null' }] },
              },
              required: ['recipeName', 'ingredients', 'rating'],
              additionalProperties: false,
            },
          },
        },
      },
    });
    expect(wire.body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'List a few cookie recipes.' }] }],
      generationConfig: {
        responseMimeType: 'application/json',
        responseJsonSchema: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            properties: {
              recipeName: { type: 'string' },
              ingredients: { type: 'array', items: { type: 'string' } },
              rating: { anyOf: [{ type: 'integer', minimum: 1, maximum: 5 }, { type: 'null' }] },
            },
            required: ['recipeName', 'ingredients', 'rating'],
            additionalProperties: false,
          },
        },
      },
    });
    expect(wire.warnings).toEqual([
      'response_format.json_schema.schema: JSON Schema keywords Gemini does not support were dropped: items.properties.recipeName.minLength, items.properties.ingredients.items.pattern',
    ]);
  });

  it('sends data: images inline and http(s) images as fileData', () => {
    const wire = build({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these.' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/photos/cat.JPG?size=large', detail: 'auto' } },
            { type: 'image_url', image_url: { url: 'https://example.com/render?id=7' } },
          ],
        },
      ],
    });
    expect(wire.body).toEqual({
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'Compare these.' },
            { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
            { fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/photos/cat.JPG?size=large' } },
            { fileData: { fileUri: 'https://example.com/render?id=7' } },
          ],
        },
      ],
    });
    expect(wire.warnings).toBeUndefined();
  });

  it('sends audio and inline files as inlineData, re-encoding non-base64 data URLs', () => {
    const wire = build({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
            { type: 'file', file: { filename: 'notes.txt', file_data: 'data:text/plain,hello%20world' } },
          ],
        },
      ],
    });
    expect(wire.body).toMatchObject({
      contents: [{ parts: [{ inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } }, { inlineData: { mimeType: 'text/plain', data: 'aGVsbG8gd29ybGQ=' } }] }],
    });
  });

  it.each([
    ['an image it cannot fetch', { type: 'image_url', image_url: { url: 'ftp://example.com/cat.png' } }, 'messages[0].content[0].image_url.url'],
    ['a malformed data: URL', { type: 'image_url', image_url: { url: 'data:image/png' } }, 'messages[0].content[0].image_url.url'],
    ['a malformed http URL', { type: 'image_url', image_url: { url: 'https://' } }, 'messages[0].content[0].image_url.url'],
    ['bad percent-encoding', { type: 'file', file: { file_data: 'data:text/plain,%E0%A4%A' } }, 'messages[0].content[0].file.file_data'],
    ['an OpenAI file id', { type: 'file', file: { file_id: 'file-abc' } }, 'messages[0].content[0].file'],
    ['an unknown part type', { type: 'video_url', video_url: { url: 'https://x' } }, 'messages[0].content[0].type'],
  ])('refuses %s with a 400 naming the part', (_what, part, param) => {
    const error = thrownBy(() => build({ messages: [{ role: 'user', content: [part] }] }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 400, code: 'invalid_request', param, retryable: false });
  });

  it('drops settings Gemini cannot honour and names each in a warning', () => {
    const wire = build({
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } }], name: 'alice' }],
      logit_bias: { '50256': -100 },
      user: 'user-1234',
      parallel_tool_calls: false,
      store: true,
      metadata: null,
      response_format: { type: 'json_schema', json_schema: { name: 'x', description: 'An x.', schema: { type: 'object' } } },
    });
    expect(wire.warnings).toEqual([
      'messages[0].name: Gemini has no participant names; message names were dropped',
      'messages[0].content[0].image_url.detail: not supported by Gemini; dropped',
      'parallel_tool_calls: Gemini cannot disable parallel function calls; dropped',
      'response_format.json_schema.description: Gemini has no schema description; dropped',
      'logit_bias: not supported by Gemini; dropped',
      'user: not supported by Gemini; dropped',
      'store: not supported by Gemini; dropped',
    ]);
    expect(wire.body).toEqual({
      contents: [{ role: 'user', parts: [{ fileData: { mimeType: 'image/png', fileUri: 'https://example.com/a.png' } }] }],
      generationConfig: { responseMimeType: 'application/json', responseJsonSchema: { type: 'object' } },
    });
  });

  it('does not modify the client request', () => {
    const body = request({
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'user', content: 'again' },
      ],
      stop: ['x'],
    });
    const before = structuredClone(body);
    convertToGeminiRequest({ request: body, upstreamModel: 'm', config, requestId: 'r' });
    expect(body).toEqual(before);
  });
});
