import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readWireEvents } from '../../../../test/support/openai-wire-server.ts';
import { thrownBy } from '../../../../test/support/thrown-by.ts';
import type { ChatCompletionChunk, StreamTranslatorInput } from '../../chat-stream.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import { createAzureStreamTranslator } from './convert-azure-stream.ts';
import { azureWireFormat } from '../index.ts';

const input: StreamTranslatorInput = { provider: 'azure', upstreamModel: 'gpt-4o-prod', requestId: 'req_1', created: 1750000000 };

/** SSE bodies in the shape Azure's content streaming docs and recorded streams show, in `__fixtures__/`. */
function fixture(name: string): string {
  return readFileSync(new URL(`../__fixtures__/${name}.sse`, import.meta.url), 'utf8');
}

function dataLines(text: string): Array<Record<string, unknown>> {
  return readWireEvents(text)
    .filter((event) => event.data !== '[DONE]')
    .map((event) => JSON.parse(event.data) as Record<string, unknown>);
}

function textOf(chunks: ChatCompletionChunk[]): string {
  return chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
}

function fixtureError(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../__fixtures__/${name}.json`, import.meta.url), 'utf8')) as unknown;
}

describe('createAzureStreamTranslator', () => {
  it('is the wire format’s stream translator', () => {
    expect(azureWireFormat.createStreamTranslator(input).push({ data: '[DONE]' })).toEqual([]);
  });

  it('passes content filter results through, puts the prompt’s verdict on the first chunk, and keeps the usage chunk back', () => {
    const text = fixture('stream-content-filter-results');
    const translator = createAzureStreamTranslator(input);
    const chunks = readWireEvents(text).flatMap((event) => translator.push(event));
    const [promptChunk, ...sent] = dataLines(text);
    const answer = sent.slice(0, -1).map(({ usage: _usage, ...chunk }) => chunk);
    expect(chunks).toEqual([{ ...answer[0], prompt_filter_results: promptChunk?.['prompt_filter_results'] }, ...answer.slice(1)]);
    expect(chunks[0]).toMatchObject({ id: 'chatcmpl-BYcvCkaKJjQIM7e2j6vg08RIcY8qq', created: 1747592466, model: 'gpt-4o-2024-11-20' });
    expect(chunks[1]?.choices[0]?.['content_filter_results']).toEqual({
      hate: { filtered: false, severity: 'safe' },
      self_harm: { filtered: false, severity: 'safe' },
      sexual: { filtered: false, severity: 'safe' },
      violence: { filtered: false, severity: 'safe' },
    });
    expect(textOf(chunks)).toBe('Ahoy matey! Feed yer parrot well.');
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    expect(translator.usage()).toEqual({ promptTokens: 33, completionTokens: 9, totalTokens: 42 });
    expect(translator.done).toBe(true);
  });

  it('gives the asynchronous filter’s annotations the stream’s id and an empty delta, and ends a blocked answer with content_filter', () => {
    const translator = createAzureStreamTranslator(input);
    const chunks = readWireEvents(fixture('stream-async-filter-blocked')).flatMap((event) => translator.push(event));
    const envelope = { id: 'chatcmpl-8JCbt5d4luUIhYCI7YH4dQK7hnHx3', object: 'chat.completion.chunk', created: 1699587397, model: 'gpt-4o-2024-08-06' };
    const offsets = { check_offset: 65, start_offset: 65, end_offset: 1056 };
    expect(chunks.map((chunk) => chunk.id)).toEqual(Array.from({ length: chunks.length }, () => envelope.id));
    expect(chunks[5]).toEqual({
      ...envelope,
      choices: [
        {
          content_filter_offsets: offsets,
          content_filter_results: {
            hate: { filtered: false, severity: 'safe' },
            self_harm: { filtered: false, severity: 'safe' },
            sexual: { filtered: false, severity: 'safe' },
            violence: { filtered: false, severity: 'safe' },
          },
          finish_reason: null,
          index: 0,
          delta: {},
        },
      ],
    });
    expect(chunks.at(-1)).toEqual({
      ...envelope,
      choices: [
        {
          content_filter_offsets: offsets,
          content_filter_results: { protected_material_text: { detected: true, filtered: true } },
          finish_reason: 'content_filter',
          index: 0,
          delta: {},
        },
      ],
    });
    expect(textOf(chunks)).toBe("Hey Jude, don't make");
    // A block sends no usage chunk: the gateway estimates.
    expect(translator.usage()).toBeUndefined();
    expect(translator.done).toBe(true);
  });

  it('carries prompt_annotations, the older api-versions’ name, the same way', () => {
    const translator = createAzureStreamTranslator(input);
    const annotations = [{ prompt_index: 0, content_filter_results: { hate: { filtered: false, severity: 'safe' } } }];
    translator.push({ data: JSON.stringify({ id: '', object: '', created: 0, model: '', prompt_annotations: annotations, choices: [], usage: null }) });
    const [first] = translator.push({
      data: JSON.stringify({
        id: 'chatcmpl-7rCNsVeZy0PGnX3H6jK8STps5nZUY',
        object: 'chat.completion.chunk',
        created: 1692913344,
        model: 'gpt-35-turbo',
        choices: [{ index: 0, finish_reason: null, delta: { role: 'assistant' } }],
        usage: null,
      }),
    });
    expect(first).toEqual({
      id: 'chatcmpl-7rCNsVeZy0PGnX3H6jK8STps5nZUY',
      object: 'chat.completion.chunk',
      created: 1692913344,
      model: 'gpt-35-turbo',
      prompt_annotations: annotations,
      choices: [{ index: 0, finish_reason: null, delta: { role: 'assistant' } }],
    });
  });

  it('throws an in-stream content_filter error as Azure’s non-retryable 400, naming the filtered categories', () => {
    const body = fixtureError('error-400-content-filter');
    const error = thrownBy(() => createAzureStreamTranslator(input).push({ data: JSON.stringify(body) }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'azure', status: 400, code: 'content_filter', param: 'prompt', retryable: false });
    expect((error as Error).message).toContain('[content filter: hate (medium)]');
  });

  it('throws an in-stream server error as retryable, and malformed data as invalid_provider_response', () => {
    const serverError = thrownBy(() => createAzureStreamTranslator(input).push({ data: JSON.stringify({ error: { message: 'Internal error', type: 'server_error', code: null } }) }));
    expect(serverError).toMatchObject({ name: 'ProviderError', status: 500, retryable: true });
    const malformed = thrownBy(() => createAzureStreamTranslator(input).push({ data: '{"choices":[{"index":0,"delta":' }));
    expect(malformed).toMatchObject({ name: 'ProviderError', status: 502, code: 'invalid_provider_response', retryable: false });
  });
});
