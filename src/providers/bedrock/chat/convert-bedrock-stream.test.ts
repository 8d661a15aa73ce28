import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../../errors/provider-error.ts';
import { chatCompletionChunkSchema, type ChatCompletionChunk, type WireEvent } from '../../chat-stream.ts';
import { thrownBy } from '../../../../test/support/thrown-by.ts';
import { encodeBedrockMessage, type BedrockStreamMessage } from '../../../../test/support/bedrock-wire-server.ts';
import { createAwsEventStreamDecoder } from '../decode-aws-event-stream.ts';
import { BedrockStreamTranslator } from './convert-bedrock-stream.ts';

/** ConverseStream events in the shape of the user guide's examples, recorded in `__fixtures__/`. */
function fixture(name: string): BedrockStreamMessage[] {
  return JSON.parse(readFileSync(new URL(`../__fixtures__/${name}.json`, import.meta.url), 'utf8')) as BedrockStreamMessage[];
}

/** The messages as bytes on the wire, decoded back into events by the gateway's decoder. */
function wireEvents(messages: BedrockStreamMessage[]): WireEvent[] {
  const decoder = createAwsEventStreamDecoder('aws');
  const events = messages.flatMap((message) => decoder.push(encodeBedrockMessage(message)));
  return [...events, ...decoder.end()];
}

function translate(messages: BedrockStreamMessage[]): { chunks: ChatCompletionChunk[]; translator: BedrockStreamTranslator } {
  const translator = new BedrockStreamTranslator({ provider: 'aws', upstreamModel: 'amazon.nova-pro-v1:0', requestId: 'req_1', created: 1 });
  return { chunks: wireEvents(messages).flatMap((event) => translator.push(event)), translator };
}

const content = (chunks: ChatCompletionChunk[]) => chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');

describe('BedrockStreamTranslator', () => {
  it('streams text as OpenAI chunks: the role first, the deltas, a stop finish; usage from metadata after messageStop', () => {
    const { chunks, translator } = translate(fixture('stream-text'));
    for (const chunk of chunks) expect(chatCompletionChunkSchema.safeParse(chunk).success).toBe(true);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    expect(content(chunks)).toBe('Here are three pop songs.');
    expect(chunks.at(-1)?.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop', native_finish_reason: 'end_turn' });
    expect(chunks.every((chunk) => chunk.id === 'chatcmpl-req_1' && chunk.model === 'amazon.nova-pro-v1:0')).toBe(true);
    expect(translator.done).toBe(true);
    expect(translator.usage()).toEqual({ promptTokens: 125, completionTokens: 60, totalTokens: 185 });
  });

  it('streams tool calls at their own index; a tool with no input gets "{}" at its block stop', () => {
    const { chunks } = translate(fixture('stream-tool-use'));
    const calls = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(calls).toEqual([
      { index: 0, id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', type: 'function', function: { name: 'top_song', arguments: '' } },
      { index: 0, function: { arguments: '{"sign": ' } },
      { index: 0, function: { arguments: '"WZPZ"}' } },
      { index: 1, id: 'tooluse_0Rq2B8f3Tg2Kk1xvJ9yM1A', type: 'function', function: { name: 'current_time', arguments: '' } },
      { index: 1, function: { arguments: '{}' } },
    ]);
    expect(content(chunks)).toBe('I will look up the top song.');
    expect(chunks.at(-1)?.choices[0]).toMatchObject({ finish_reason: 'tool_calls', native_finish_reason: 'tool_use' });
  });

  it('streams reasoning as reasoning_content, then the whole signed block as thinking_blocks; cache writes in usage', () => {
    const { chunks, translator } = translate(fixture('stream-reasoning'));
    const deltas = chunks.map((chunk) => chunk.choices[0]?.delta as Record<string, unknown>);
    expect(deltas.map((delta) => delta['reasoning_content'] ?? '').join('')).toBe('27 + 15 = 42.');
    expect(deltas.flatMap((delta) => (delta['thinking_blocks'] as unknown[] | undefined) ?? [])).toEqual([{ type: 'thinking', thinking: '27 + 15 = 42.', signature: 'ErcBCkgIAhABGAIiQKd0Yp3L0Zyq' }]);
    expect(content(chunks)).toBe('42.');
    expect(translator.usage()).toEqual({ promptTokens: 80, completionTokens: 96, totalTokens: 176, cacheCreationTokens: 32 });
  });

  it('throws an exception message as the ProviderError of its HTTP status (throttling: 429, retryable)', () => {
    const messages: BedrockStreamMessage[] = [...fixture('stream-text').slice(0, 2), { exception: 'throttlingException', body: { message: 'Too many tokens, please wait before trying again.' } }];
    const error = thrownBy(() => translate(messages));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 429, code: 'ThrottlingException', retryable: true, message: 'Too many tokens, please wait before trying again.' });
  });

  it('a modelStreamErrorException is not retried; a validationException mid-stream is a 400', () => {
    expect(thrownBy(() => translate([{ exception: 'modelStreamErrorException', body: { message: 'bad output' } }]))).toMatchObject({ status: 424, retryable: false });
    expect(thrownBy(() => translate([{ exception: 'validationException', body: { message: 'bad input' } }]))).toMatchObject({ status: 400, retryable: false });
  });

  it('ignores event types it does not know, and is not done before messageStop', () => {
    const { chunks, translator } = translate([
      { event: 'messageStart', body: { role: 'assistant' } },
      { event: 'somethingNew', body: { x: 1 } },
    ]);
    expect(chunks).toHaveLength(1);
    expect(translator.done).toBe(false);
    expect(translator.usage()).toBeUndefined();
  });

  it('refuses an event that does not parse with a 502', () => {
    const error = thrownBy(() => translate([{ event: 'contentBlockDelta', body: { delta: { text: 'no index' } } }]));
    expect(error).toMatchObject({ status: 502, code: 'invalid_provider_response' });
  });
});
