import { describe, expect, it } from 'vitest';
import { chatCompletionSchema } from '../chat-completion-schemas.ts';
import { assemble, chunk, fallback, tokenLogprob } from './stream-test-helpers.ts';
import { CompletionAssembler } from './assemble-completion.ts';

describe('CompletionAssembler', () => {
  it('joins text deltas into the message', () => {
    const assembler = assemble([
      chunk({ delta: { role: 'assistant', content: '' } }),
      chunk({ delta: { content: 'Hel' } }),
      chunk({ delta: { content: 'lo, ' } }),
      chunk({ delta: { content: 'world' } }),
      chunk({ delta: {}, finish_reason: 'stop' }),
    ]);
    expect(assembler.completion(fallback)).toStrictEqual({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'gpt-4o-mini-2024-07-18',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello, world' }, finish_reason: 'stop' }],
    });
  });

  it('keeps an empty answer as empty content', () => {
    const assembler = assemble([chunk({ delta: { role: 'assistant', content: '' } }), chunk({ delta: {}, finish_reason: 'length' })]);
    expect(assembler.completion(fallback).choices).toStrictEqual([{ index: 0, message: { role: 'assistant', content: '' }, finish_reason: 'length' }]);
  });

  it('leaves content null when no delta carried any', () => {
    const assembler = assemble([chunk({ delta: { role: 'assistant', content: null } }), chunk({ delta: {}, finish_reason: 'stop' })]);
    expect(assembler.completion(fallback).choices[0]?.message).toStrictEqual({ role: 'assistant', content: null });
  });

  it('assembles two parallel tool calls interleaved by index, keeping extensions of the first delta', () => {
    const assembler = assemble([
      chunk({ delta: { role: 'assistant', content: '' } }),
      chunk({
        delta: {
          tool_calls: [
            {
              index: 0,
              id: 'call_a',
              type: 'function',
              function: { name: 'get_weather', arguments: '' },
              extra_content: { google: { thought_signature: 'sig-a' } },
            },
          ],
        },
      }),
      chunk({ delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] } }),
      chunk({ delta: { tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"tz"' } }] } }),
      chunk({ delta: { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] } }),
      chunk({ delta: { tool_calls: [{ index: 1, function: { arguments: ':"CET"}' } }] } }),
      chunk({ delta: {}, finish_reason: 'tool_calls' }),
    ]);
    expect(assembler.completion(fallback).choices).toStrictEqual([
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              extra_content: { google: { thought_signature: 'sig-a' } },
              id: 'call_a',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
            { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"tz":"CET"}' } },
          ],
        },
        finish_reason: 'tool_calls',
      },
    ]);
  });

  it('orders tool calls by index whatever order they started in', () => {
    const assembler = assemble([
      chunk({ delta: { tool_calls: [{ index: 1, id: 'call_second', function: { name: 'b', arguments: '{}' } }] } }),
      chunk({ delta: { tool_calls: [{ index: 0, id: 'call_first', function: { name: 'a', arguments: '{}' } }] } }),
      chunk({ delta: {}, finish_reason: 'tool_calls' }),
    ]);
    expect(assembler.completion(fallback).choices[0]?.message.tool_calls?.map((call) => call.id)).toEqual(['call_first', 'call_second']);
  });

  it('defaults a tool call without id or type to an empty id and function', () => {
    const assembler = assemble([chunk({ delta: { tool_calls: [{ index: 0, function: { name: 'a', arguments: '{}' } }] }, finish_reason: 'tool_calls' })]);
    expect(assembler.completion(fallback).choices[0]?.message.tool_calls).toStrictEqual([{ id: '', type: 'function', function: { name: 'a', arguments: '{}' } }]);
  });

  it('keeps text that came with tool calls', () => {
    const assembler = assemble([
      chunk({ delta: { role: 'assistant', content: 'Let me check.' } }),
      chunk({ delta: { tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'a', arguments: '{}' } }] } }),
      chunk({ delta: {}, finish_reason: 'tool_calls' }),
    ]);
    expect(assembler.completion(fallback).choices[0]?.message).toStrictEqual({
      role: 'assistant',
      content: 'Let me check.',
      tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'a', arguments: '{}' } }],
    });
  });

  it('joins refusal deltas, with content null', () => {
    const assembler = assemble([
      chunk({ delta: { role: 'assistant', content: '' } }),
      chunk({ delta: { refusal: "I can't " } }),
      chunk({ delta: { refusal: 'help with that.' } }),
      chunk({ delta: {}, finish_reason: 'stop' }),
    ]);
    expect(assembler.completion(fallback).choices).toStrictEqual([{ index: 0, message: { role: 'assistant', content: null, refusal: "I can't help with that." }, finish_reason: 'stop' }]);
  });

  it('keeps each choice apart and in index order', () => {
    const assembler = assemble([
      chunk({ index: 1, delta: { role: 'assistant', content: 'B' } }),
      chunk({ index: 0, delta: { role: 'assistant', content: 'A' } }),
      chunk({ index: 1, delta: { content: 'b' }, finish_reason: 'length' }),
      chunk({ index: 0, delta: { content: 'a' } }),
      chunk({ index: 0, delta: {}, finish_reason: 'stop' }),
    ]);
    expect(assembler.completion(fallback).choices).toStrictEqual([
      { index: 0, message: { role: 'assistant', content: 'Aa' }, finish_reason: 'stop' },
      { index: 1, message: { role: 'assistant', content: 'Bb' }, finish_reason: 'length' },
    ]);
  });

  it.each(['stop', 'length', 'tool_calls', 'content_filter', 'function_call'])('keeps the finish reason %s', (reason) => {
    const assembler = assemble([chunk({ delta: { role: 'assistant', content: 'x' } }), chunk({ delta: {}, finish_reason: reason })]);
    expect(assembler.completion(fallback).choices[0]?.finish_reason).toBe(reason);
  });

  it('keeps a finish reason that came with the last content delta', () => {
    const assembler = assemble([chunk({ delta: { role: 'assistant', content: 'done' }, finish_reason: 'stop' })]);
    expect(assembler.completion(fallback).choices).toStrictEqual([{ index: 0, message: { role: 'assistant', content: 'done' }, finish_reason: 'stop' }]);
  });

  it('keeps finish_reason null for a cut stream, with what arrived', () => {
    const assembler = assemble([chunk({ delta: { role: 'assistant', content: '' } }), chunk({ delta: { content: 'Once upon' } })]);
    expect(assembler.finished).toBe(false);
    expect(assembler.completion(fallback).choices).toStrictEqual([{ index: 0, message: { role: 'assistant', content: 'Once upon' }, finish_reason: null }]);
  });

  describe('finished', () => {
    it('is false before any chunk', () => {
      expect(new CompletionAssembler().finished).toBe(false);
    });

    it('is false after chunks without choices', () => {
      expect(assemble([{ ...chunk({ delta: {} }), choices: [] }]).finished).toBe(false);
    });

    it('is true once the only choice finished', () => {
      const assembler = assemble([chunk({ delta: { content: 'x' } })]);
      expect(assembler.finished).toBe(false);
      assembler.push([chunk({ delta: {}, finish_reason: 'stop' })]);
      expect(assembler.finished).toBe(true);
    });

    it('waits for every choice that started', () => {
      const assembler = assemble([chunk({ index: 0, delta: { content: 'a' }, finish_reason: 'stop' }), chunk({ index: 1, delta: { content: 'b' } })]);
      expect(assembler.finished).toBe(false);
      assembler.push([chunk({ index: 1, delta: {}, finish_reason: 'stop' })]);
      expect(assembler.finished).toBe(true);
    });
  });

  it('counts every chunk pushed, across pushes, including chunks without choices', () => {
    const assembler = new CompletionAssembler();
    expect(assembler.chunkCount).toBe(0);
    assembler.push([chunk({ delta: { content: 'a' } }), chunk({ delta: { content: 'b' } })]);
    expect(assembler.chunkCount).toBe(2);
    assembler.push([]);
    assembler.push([{ ...chunk({ delta: {} }), choices: [] }]);
    expect(assembler.chunkCount).toBe(3);
  });

  it('gives usage in the OpenAI shape', () => {
    const assembler = assemble([chunk({ delta: { content: 'x' }, finish_reason: 'stop' })]);
    expect(assembler.completion(fallback, { promptTokens: 12, completionTokens: 3, totalTokens: 15, cachedPromptTokens: 4 }).usage).toStrictEqual({
      prompt_tokens: 12,
      completion_tokens: 3,
      total_tokens: 15,
    });
  });

  it('leaves out estimated usage and absent usage', () => {
    const assembler = assemble([chunk({ delta: { content: 'x' }, finish_reason: 'stop' })]);
    expect('usage' in assembler.completion(fallback, { promptTokens: 12, completionTokens: 3, totalTokens: 15, estimated: true })).toBe(false);
    expect('usage' in assembler.completion(fallback)).toBe(false);
    expect(assembler.completion(fallback, { promptTokens: 1, completionTokens: 1, totalTokens: 2, estimated: false }).usage).toStrictEqual({
      prompt_tokens: 1,
      completion_tokens: 1,
      total_tokens: 2,
    });
  });

  it('uses the fallback id, model and created when no chunk arrived', () => {
    expect(new CompletionAssembler().completion(fallback)).toStrictEqual({
      id: 'chatcmpl-fallback',
      object: 'chat.completion',
      created: 1,
      model: 'fallback-model',
      choices: [],
    });
  });

  it('takes id, model and created from the first chunk, not the fallback or later chunks', () => {
    const assembler = assemble([chunk({ delta: { content: 'a' } }), chunk({ delta: { content: 'b' }, finish_reason: 'stop' }, { id: 'chatcmpl-other', model: 'other', created: 2 })]);
    const completion = assembler.completion(fallback);
    expect([completion.id, completion.model, completion.created]).toEqual(['chatcmpl-1', 'gpt-4o-mini-2024-07-18', 1_700_000_000]);
  });

  it('keeps the last system_fingerprint, null included, and leaves it out when none came', () => {
    const withFingerprint = assemble([chunk({ delta: { content: 'a' } }, { system_fingerprint: 'fp_1' }), chunk({ delta: {}, finish_reason: 'stop' }, { system_fingerprint: 'fp_2' })]);
    expect(withFingerprint.completion(fallback).system_fingerprint).toBe('fp_2');
    expect(assemble([chunk({ delta: { content: 'a' } }, { system_fingerprint: null })]).completion(fallback).system_fingerprint).toBeNull();
    expect('system_fingerprint' in assemble([chunk({ delta: { content: 'a' } })]).completion(fallback)).toBe(false);
  });

  it('concatenates the logprobs content of every delta, in OpenAI’s shape', () => {
    const assembler = assemble([
      chunk({ delta: { role: 'assistant', content: '' }, logprobs: null }),
      chunk({ delta: { content: 'Hi' }, logprobs: { content: [tokenLogprob('Hi', -0.1)], refusal: null } }),
      chunk({ delta: { content: ' there' }, logprobs: { content: [tokenLogprob(' there', -0.5)], refusal: null } }),
      chunk({ delta: {}, finish_reason: 'stop', logprobs: null }),
    ]);
    expect(assembler.completion(fallback).choices[0]?.logprobs).toStrictEqual({
      content: [tokenLogprob('Hi', -0.1), tokenLogprob(' there', -0.5)],
      refusal: null,
    });
  });

  it('concatenates refusal logprobs apart from content logprobs', () => {
    const assembler = assemble([
      chunk({ delta: { refusal: 'No' }, logprobs: { content: null, refusal: [tokenLogprob('No', -0.2)] } }),
      chunk({ delta: { refusal: '.' }, logprobs: { content: null, refusal: [tokenLogprob('.', -0.3)] }, finish_reason: 'stop' }),
    ]);
    expect(assembler.completion(fallback).choices[0]?.logprobs).toStrictEqual({
      content: null,
      refusal: [tokenLogprob('No', -0.2), tokenLogprob('.', -0.3)],
    });
  });

  it('leaves out logprobs when no chunk carried any', () => {
    const assembler = assemble([chunk({ delta: { content: 'a' }, logprobs: null }), chunk({ delta: {}, finish_reason: 'stop' })]);
    expect('logprobs' in (assembler.completion(fallback).choices[0] ?? {})).toBe(false);
  });

  it('gives a completion that passes the chat.completion schema', () => {
    const assembler = assemble([
      chunk({ delta: { role: 'assistant', content: '' } }),
      chunk({ delta: { tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'a', arguments: '{}' } }] } }),
      chunk({ delta: {}, finish_reason: 'tool_calls' }),
    ]);
    expect(chatCompletionSchema.safeParse(assembler.completion(fallback, { promptTokens: 1, completionTokens: 2, totalTokens: 3 })).success).toBe(true);
  });
});
