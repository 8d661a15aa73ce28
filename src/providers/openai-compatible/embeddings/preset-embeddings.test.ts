import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { embeddingsRequestSchema } from '../../embeddings-schemas.ts';
import { convertOpenAIEmbeddingsResponse } from '../../openai/embeddings/convert-openai-embeddings-response.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import { createPresetWireFormat } from '../index.ts';
import { openAICompatiblePresetNames, openAICompatiblePresets, type OpenAICompatiblePreset, type OpenAICompatiblePresetName, type PresetEmbeddings } from '../presets.ts';
import { thrownBy } from '../../../../test/support/thrown-by.ts';

/** Mistral's answer as its embeddings reference shows it (vectors shortened), in `__fixtures__/`. */
const mistralAnswer = JSON.parse(readFileSync(new URL('../__fixtures__/mistral-embeddings.json', import.meta.url), 'utf8')) as unknown;

function build(preset: OpenAICompatiblePresetName, body: Record<string, unknown>, apiKey?: string) {
  const embeddings = createPresetWireFormat(preset).embeddings;
  if (!embeddings) throw new Error(`${preset} serves no embeddings`);
  return embeddings.buildRequest({
    request: embeddingsRequestSchema.parse({ model: 'client-model', ...body }),
    upstreamModel: 'vendor-embed',
    config: { apiKey, headers: {} },
    requestId: 'req_1',
  });
}

const presetEmbeddings = (name: OpenAICompatiblePresetName): PresetEmbeddings | undefined => {
  const preset: OpenAICompatiblePreset = openAICompatiblePresets[name];
  return preset.embeddings;
};

describe('the preset table’s embeddings', () => {
  it('marks the vendors that serve OpenAI’s POST /embeddings, and no others', () => {
    const serving = openAICompatiblePresetNames.filter((name) => presetEmbeddings(name) !== undefined);
    expect(serving.sort()).toEqual(['dashscope', 'fireworks', 'lmstudio', 'mistral', 'nebius', 'novita', 'ollama', 'openrouter', 'together', 'vllm']);
  });

  it('dashscope embeds at most 10 texts per call (the gateway splits a larger request)', () => {
    expect(createPresetWireFormat('dashscope').embeddings?.maxInputsPerCall).toBe(10);
    expect(createPresetWireFormat('nebius').embeddings?.maxInputsPerCall).toBeUndefined();
  });

  it.each(openAICompatiblePresetNames)('%s: embeddings in the wire format exactly where the preset has them, each citing https docs', (name) => {
    const embeddings = presetEmbeddings(name);
    expect(createPresetWireFormat(name).embeddings !== undefined).toBe(embeddings !== undefined);
    if (embeddings) expect(embeddings.docs).toMatch(/^https:\/\//);
  });
});

describe('createPresetWireFormat(…).embeddings', () => {
  it('posts OpenAI’s body to /embeddings with Bearer auth when a key is set, floats asked for', () => {
    const wire = build('together', { input: ['a', 'b'], dimensions: 64, encoding_format: 'base64', user: 'u' }, 'tk');
    expect(wire.path).toBe('/embeddings');
    expect(wire.headers['authorization']).toBe('Bearer tk');
    expect(wire.body).toEqual({ model: 'vendor-embed', input: ['a', 'b'], dimensions: 64, user: 'u', encoding_format: 'float' });
    expect(wire.warnings).toBeUndefined();
    expect(Object.keys(build('vllm', { input: [1, 2] }).headers)).not.toContain('authorization');
  });

  it('mistral: renames dimensions to output_dimension and drops user, with a warning', () => {
    const wire = build('mistral', { input: ['Embed this sentence.', 'As well as this one.'], dimensions: 256, user: 'u-1' }, 'mk');
    expect(wire.body).toEqual({ model: 'vendor-embed', input: ['Embed this sentence.', 'As well as this one.'], output_dimension: 256, encoding_format: 'float' });
    expect(wire.warnings).toEqual(['mistral does not support "user"; it was not sent']);
  });

  it('ollama: drops user, and a null one silently', () => {
    expect(build('ollama', { input: 'x', user: 'u' }).warnings).toEqual(['ollama does not support "user"; it was not sent']);
    const quiet = build('ollama', { input: 'x', user: null });
    expect(quiet.body).toEqual({ model: 'vendor-embed', input: 'x', encoding_format: 'float' });
    expect(quiet.warnings).toBeUndefined();
  });

  it.each(['mistral', 'ollama', 'together'] as const)('%s: refuses token arrays with a 400 that is not retried', (name) => {
    const error = thrownBy(() => build(name, { input: [[1, 2], [3]] }, 'k'));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: name, status: 400, param: 'input', retryable: false, message: `${name} embeddings take text; token arrays are not supported` });
  });

  it('vllm: sends token arrays on', () => {
    expect(build('vllm', { input: [[1, 2], [3]] }).body).toMatchObject({ input: [[1, 2], [3]] });
  });

  it('reads the answer as OpenAI’s: mistral’s reference answer', () => {
    const embeddings = createPresetWireFormat('mistral').embeddings;
    expect(embeddings?.parseResponse).toBe(convertOpenAIEmbeddingsResponse);
    const request = embeddingsRequestSchema.parse({ model: 'mistral-embed', input: ['Embed this sentence.', 'As well as this one.'] });
    const result = convertOpenAIEmbeddingsResponse({ provider: 'mistral', body: mistralAnswer, request, upstreamModel: 'mistral-embed' });
    expect(result.vectors.data.map((item) => [item.index, item.embedding[0]])).toEqual([
      [0, -0.016632080078125],
      [1, -0.0230560302734375],
    ]);
    expect(result.vectors).toMatchObject({ object: 'list', model: 'mistral-embed', usage: { prompt_tokens: 15, total_tokens: 15 } });
    expect(result.usage).toEqual({ promptTokens: 15, completionTokens: 0, totalTokens: 15 });
  });

  it('has no embeddings for vendors that serve none', () => {
    for (const name of ['groq', 'deepseek', 'xai', 'perplexity', 'cerebras'] as const) expect(createPresetWireFormat(name).embeddings).toBeUndefined();
  });
});
