import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../errors/configuration-error.ts';
import { presetProviderSchema } from '../../config/provider-config.ts';
import { chatCompletionRequestSchema } from '../chat-completion-schemas.ts';
import { convertOpenAIResponse } from '../openai/chat/convert-openai-response.ts';
import { OpenAIStreamTranslator } from '../openai/chat/convert-openai-stream.ts';
import { parseOpenAIError } from '../openai/openai-error.ts';
import { applyPresetQuirks } from './chat/apply-preset-quirks.ts';
import { createPresetProviderClient, createPresetWireFormat } from './index.ts';
import { openAICompatiblePresetNames, openAICompatiblePresets, type OpenAICompatiblePresetName } from './presets.ts';

const hello = [{ role: 'user', content: 'Hello' }];

function build(preset: OpenAICompatiblePresetName, body: Record<string, unknown>, options: { upstreamModel?: string; apiKey?: string } = {}) {
  return createPresetWireFormat(preset).buildChatRequest({
    request: chatCompletionRequestSchema.parse({ model: 'client-model', messages: hello, ...body }),
    upstreamModel: options.upstreamModel ?? 'vendor-model',
    config: { apiKey: options.apiKey, headers: {} },
    requestId: 'req_1',
  });
}

describe('the preset table', () => {
  it.each(openAICompatiblePresetNames)('%s cites https docs, a base URL with no trailing slash, and no field both dropped and renamed', (name) => {
    const preset: { docs: string; baseUrl: string; unsupportedFields: readonly string[]; renamedFields?: Readonly<Record<string, string>> } = openAICompatiblePresets[name];
    expect(preset.docs).toMatch(/^https:\/\//);
    expect(preset.baseUrl).not.toMatch(/\/$/);
    for (const field of Object.keys(preset.renamedFields ?? {})) expect(preset.unsupportedFields).not.toContain(field);
  });

  it.each([
    ['sambanova', 'https://api.sambanova.ai/v1'],
    ['nebius', 'https://api.tokenfactory.nebius.com/v1'],
    ['novita', 'https://api.novita.ai/openai/v1'],
    ['moonshot', 'https://api.moonshot.ai/v1'],
    ['dashscope', 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1'],
    ['hyperbolic', 'https://api.hyperbolic.xyz/v1'],
  ] as const)('%s defaults to %s', (name, baseUrl) => {
    expect(openAICompatiblePresets[name].baseUrl).toBe(baseUrl);
  });

  it('needs a key for every hosted vendor and none for local servers', () => {
    const keyless = openAICompatiblePresetNames.filter((name) => !openAICompatiblePresets[name].requiresApiKey);
    expect(keyless.sort()).toEqual(['lmstudio', 'ollama', 'vllm']);
  });
});

describe('createPresetWireFormat', () => {
  it('is OpenAI’s wire format for responses and errors', () => {
    const wire = createPresetWireFormat('groq');
    expect(wire.type).toBe('groq');
    expect(wire.parseChatResponse).toBe(convertOpenAIResponse);
    expect(wire.parseError).toBe(parseOpenAIError);
  });

  it('posts to /chat/completions with Bearer auth when a key is set, and no Authorization without one', () => {
    const withKey = build('mistral', {}, { apiKey: 'mk-1' });
    expect(withKey.path).toBe('/chat/completions');
    expect(withKey.headers['authorization']).toBe('Bearer mk-1');
    const withoutKey = build('ollama', {});
    expect(Object.keys(withoutKey.headers).map((header) => header.toLowerCase())).not.toContain('authorization');
    expect(withoutKey.warnings).toBeUndefined();
    expect(withoutKey.body).toEqual({ model: 'vendor-model', messages: hello });
  });

  it('mistral: drops what its strict schema refuses, renames seed and max_completion_tokens, strips messages[].name', () => {
    const wire = build('mistral', {
      messages: [
        { role: 'system', content: 'Be brief.', name: 'ops' },
        { role: 'user', content: 'Hi', name: 'alice' },
      ],
      seed: 7,
      max_completion_tokens: 64,
      logit_bias: { '1': 5 },
      user: 'u-1',
      logprobs: null,
      temperature: 0.3,
      n: 2,
    });
    expect(wire.body).toEqual({
      model: 'vendor-model',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      random_seed: 7,
      max_tokens: 64,
      temperature: 0.3,
      n: 2,
    });
    expect(wire.warnings).toEqual([
      'mistral does not support "logit_bias"; it was not sent',
      'mistral does not support "user"; it was not sent',
      'mistral does not support "messages[].name"; it was removed from 2 message(s)',
    ]);
  });

  it('groq: keeps n = 1, drops a larger n, and refuses logprobs', () => {
    expect(build('groq', { n: 1 }).body).toEqual({ model: 'vendor-model', messages: hello, n: 1 });
    const wire = build('groq', { n: 3, logprobs: true, top_logprobs: 2, max_completion_tokens: 10 });
    expect(wire.body).toEqual({ model: 'vendor-model', messages: hello, max_completion_tokens: 10 });
    expect(wire.warnings).toEqual([
      'groq does not support "logprobs"; it was not sent',
      'groq does not support "top_logprobs"; it was not sent',
      'groq returns at most 1 choice(s); "n": 3 was not sent',
    ]);
  });

  it('deepseek: falls back from json_schema to json_object, and applies deepseek-reasoner’s own quirks to that model only', () => {
    const schema = { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } };
    const chat = build('deepseek', { response_format: schema, temperature: 0.2, logprobs: true }, { upstreamModel: 'deepseek-chat' });
    expect(chat.body).toEqual({ model: 'deepseek-chat', messages: hello, response_format: { type: 'json_object' }, temperature: 0.2, logprobs: true });
    expect(chat.warnings).toEqual(['deepseek does not support response_format "json_schema"; sent "json_object" instead, so the schema is not enforced']);

    const reasoner = build('deepseek', { temperature: 0.2, logprobs: true, seed: 1 }, { upstreamModel: 'deepseek-reasoner' });
    expect(reasoner.body).toEqual({ model: 'deepseek-reasoner', messages: hello });
    expect(reasoner.warnings).toEqual([
      'deepseek does not support "seed"; it was not sent',
      'deepseek model "deepseek-reasoner" does not support "logprobs"; it was not sent',
      'deepseek model "deepseek-reasoner" does not support "temperature"; it was not sent',
    ]);
  });

  it('lmstudio: keeps json_schema, drops json_object (it accepts json_schema only)', () => {
    const schema = { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } };
    expect(build('lmstudio', { response_format: schema }).body).toEqual({ model: 'vendor-model', messages: hello, response_format: schema });
    const wire = build('lmstudio', { response_format: { type: 'json_object' } });
    expect(wire.body).toEqual({ model: 'vendor-model', messages: hello });
    expect(wire.warnings).toEqual(['lmstudio does not support response_format "json_object"; it was not sent']);
  });

  it.each([
    ['grok-4', false],
    ['grok-3-mini-fast', false],
    ['grok-4-fast-non-reasoning', true],
    ['grok-3', true],
  ])('xai: stop reaches %s: %s (reasoning models refuse it)', (model, kept) => {
    const wire = build('xai', { stop: ['END'], presence_penalty: 0.1 }, { upstreamModel: model });
    expect(Object.hasOwn(wire.body as object, 'stop')).toBe(kept);
    expect(wire.warnings?.length ?? 0).toBe(kept ? 0 : 2);
  });

  it('moonshot and sambanova: a temperature above 1 is clamped to 1 with a warning; one inside the range is sent as it is', () => {
    expect(build('moonshot', { temperature: 0.6 }).body).toEqual({ model: 'vendor-model', messages: hello, temperature: 0.6 });
    const moonshot = build('moonshot', { temperature: 1.4, n: 6 });
    expect(moonshot.body).toEqual({ model: 'vendor-model', messages: hello, temperature: 1 });
    expect(moonshot.warnings).toEqual(['moonshot takes "temperature" from 0 to 1; 1.4 was sent as 1', 'moonshot returns at most 5 choice(s); "n": 6 was not sent']);
    const sambanova = build('sambanova', { temperature: 2, logprobs: true, n: 2 });
    expect(sambanova.body).toEqual({ model: 'vendor-model', messages: hello, temperature: 1 });
    expect(sambanova.warnings).toEqual([
      'sambanova does not support "logprobs"; it was not sent',
      'sambanova takes "temperature" from 0 to 1; 2 was sent as 1',
      'sambanova returns at most 1 choice(s); "n": 2 was not sent',
    ]);
  });

  it('moonshot: kimi-k2.5 and later fix their sampling parameters, so none is sent to them', () => {
    const wire = build('moonshot', { temperature: 0.3, top_p: 0.9, max_tokens: 100 }, { upstreamModel: 'kimi-k2.5' });
    expect(wire.body).toEqual({ model: 'kimi-k2.5', messages: hello, max_tokens: 100 });
    expect(wire.warnings).toEqual(['moonshot model "kimi-k2.5" does not support "temperature"; it was not sent', 'moonshot model "kimi-k2.5" does not support "top_p"; it was not sent']);
    expect(build('moonshot', { temperature: 0.3 }, { upstreamModel: 'kimi-k2-0905-preview' }).body).toMatchObject({ temperature: 0.3 });
  });

  it('keeps the vendor-named field when the client sent both names, with a warning', () => {
    const wire = build('ollama', { max_tokens: 50, max_completion_tokens: 80 });
    expect(wire.body).toEqual({ model: 'vendor-model', messages: hello, max_tokens: 50 });
    expect(wire.warnings).toEqual(['ollama takes "max_completion_tokens" as "max_tokens", which is also set; "max_completion_tokens" was not sent']);
  });

  it('passes every other field through, vendor extensions included', () => {
    const wire = build('perplexity', { search_domain_filter: ['wikipedia.org'], temperature: 0.1, stop: ['x'] });
    expect(wire.body).toEqual({ model: 'vendor-model', messages: hello, search_domain_filter: ['wikipedia.org'], temperature: 0.1, stop: ['x'] });
  });
});

describe('createPresetWireFormat, streamed', () => {
  function buildStream(preset: OpenAICompatiblePresetName, body: Record<string, unknown>) {
    return createPresetWireFormat(preset).buildStreamRequest({
      request: chatCompletionRequestSchema.parse({ model: 'client-model', messages: hello, ...body }),
      upstreamModel: 'vendor-model',
      config: { apiKey: 'k', headers: {} },
      requestId: 'req_1',
    });
  }

  it('sends the chat request with the preset’s quirks, stream: true and the usage chunk asked for', () => {
    const chat = build('groq', { n: 3, temperature: 0.5 }, { apiKey: 'k' });
    const wire = buildStream('groq', { n: 3, temperature: 0.5, stream: true, stream_options: { include_usage: false } });
    expect(wire.path).toBe(chat.path);
    expect(wire.headers).toEqual(chat.headers);
    expect(wire.body).toEqual({ ...(chat.body as object), stream: true, stream_options: { include_usage: true } });
    expect(wire.warnings).toEqual(chat.warnings);
  });

  it('sends mistral no stream_options (a 422 there; its usage comes unasked), the client’s neither', () => {
    const wire = buildStream('mistral', { seed: 7, stream: true, stream_options: { include_usage: true } });
    expect(wire.body).toEqual({ model: 'vendor-model', messages: hello, random_seed: 7, stream: true });
    expect(wire.warnings).toBeUndefined();
  });

  it.each(openAICompatiblePresetNames)('%s streams, whatever its quirks drop', (name) => {
    expect(buildStream(name, {}).body).toMatchObject({ stream: true });
  });

  it('reads the stream as OpenAI’s', () => {
    expect(createPresetWireFormat('ollama').createStreamTranslator({ provider: 'local', upstreamModel: 'llama3.2', requestId: 'r', created: 1 })).toBeInstanceOf(OpenAIStreamTranslator);
  });
});

describe('applyPresetQuirks', () => {
  it('does not modify the body it is given', () => {
    const body = Object.freeze({ model: 'm', messages: Object.freeze([Object.freeze({ role: 'user', content: 'x', name: 'a' })]), seed: 1, logit_bias: { '1': 1 } });
    const result = applyPresetQuirks({ body, preset: openAICompatiblePresets.mistral, vendor: 'mistral', upstreamModel: 'm' });
    expect(result.body).toEqual({ model: 'm', messages: [{ role: 'user', content: 'x' }], random_seed: 1 });
    expect(body).toEqual({ model: 'm', messages: [{ role: 'user', content: 'x', name: 'a' }], seed: 1, logit_bias: { '1': 1 } });
  });
});

describe('createPresetProviderClient', () => {
  it('refuses to start a preset that needs a key without one', () => {
    const config = presetProviderSchema.parse({ type: 'mistral', apiKey: '' });
    expect(() => createPresetProviderClient('mistral-eu', config)).toThrow(ConfigurationError);
    expect(() => createPresetProviderClient('mistral-eu', config)).toThrow('providers.mistral-eu.apiKey: the "mistral" preset needs an API key');
  });

  it('starts a local server preset without a key, on the preset’s base URL unless overridden', async () => {
    const client = createPresetProviderClient('local', presetProviderSchema.parse({ type: 'ollama' }));
    expect(client).toMatchObject({ name: 'local', type: 'ollama' });
    await client.close();
  });
});
