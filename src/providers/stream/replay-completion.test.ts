import { describe, expect, it } from 'vitest';
import { chatCompletionSchema, type ChatCompletion } from '../chat-completion-schemas.ts';
import { chatCompletionChunkSchema, type ChatCompletionChunk } from '../chat-stream.ts';
import { assemble, chunk, fallback, tokenLogprob } from './stream-test-helpers.ts';
import { CompletionAssembler } from './assemble-completion.ts';
import { replayCompletionAsChunks } from './replay-completion.ts';

describe('replayCompletionAsChunks', () => {
  const text: ChatCompletion = {
    id: 'chatcmpl-text',
    object: 'chat.completion',
    created: 1_700_000_100,
    model: 'gpt-4o-mini-2024-07-18',
    system_fingerprint: 'fp_44709d6fcb',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there.' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 },
  };

  it('replays a text answer as a role chunk, one content chunk and a finish chunk', () => {
    const base = { id: 'chatcmpl-text', object: 'chat.completion.chunk', created: 1_700_000_100, model: 'gpt-4o-mini-2024-07-18', system_fingerprint: 'fp_44709d6fcb' };
    expect(replayCompletionAsChunks(text)).toStrictEqual([
      { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: { content: 'Hello there.' }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
    ]);
  });

  it('replays each tool call as one start delta with its full arguments and its extensions', () => {
    const chunks = replayCompletionAsChunks({
      ...text,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'call_a', type: 'function', function: { name: 'a', arguments: '{"x":1}' }, extra_content: { google: { thought_signature: 'sig' } } },
              { id: 'call_b', type: 'function', function: { name: 'b', arguments: '{}' } },
            ],
          },
          finish_reason: 'tool_calls',
        },
      ],
    });
    expect(chunks.map((replayed) => replayed.choices[0]?.delta)).toStrictEqual([
      { role: 'assistant', content: null },
      { tool_calls: [{ extra_content: { google: { thought_signature: 'sig' } }, index: 0, id: 'call_a', type: 'function', function: { name: 'a', arguments: '{"x":1}' } }] },
      { tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'b', arguments: '{}' } }] },
      {},
    ]);
    expect(chunks.map((replayed) => replayed.choices[0]?.finish_reason)).toEqual([null, null, null, 'tool_calls']);
  });

  it('leaves usage out of the chunks and system_fingerprint out when the completion has none', () => {
    const { system_fingerprint: _fingerprint, ...withoutFingerprint } = text;
    for (const replayed of replayCompletionAsChunks(withoutFingerprint)) {
      expect('usage' in replayed).toBe(false);
      expect('system_fingerprint' in replayed).toBe(false);
    }
  });

  it('finishes with stop a choice that had no finish reason', () => {
    const chunks = replayCompletionAsChunks({ ...text, choices: [{ index: 0, message: { role: 'assistant', content: 'x' }, finish_reason: null }] });
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
  });

  it('puts the logprobs on the content chunk only', () => {
    const logprobs = { content: [tokenLogprob('Hello there.', -0.25)], refusal: null };
    const chunks = replayCompletionAsChunks({ ...text, choices: [{ ...text.choices[0]!, logprobs }] });
    expect(chunks.map((replayed) => replayed.choices[0]?.logprobs)).toStrictEqual([undefined, logprobs, undefined]);
  });

  it('puts the logprobs of a choice without text on its finish chunk', () => {
    const logprobs = { content: [], refusal: null };
    const chunks = replayCompletionAsChunks({
      ...text,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'a', arguments: '{}' } }] },
          finish_reason: 'tool_calls',
          logprobs,
        },
      ],
    });
    expect(chunks.map((replayed) => replayed.choices[0]?.logprobs)).toStrictEqual([undefined, undefined, logprobs]);
    expect(assemble(chunks).completion(fallback).choices[0]?.logprobs).toStrictEqual(logprobs);
  });

  it('replays n choices one after the other', () => {
    const chunks = replayCompletionAsChunks({
      ...text,
      choices: [
        { index: 0, message: { role: 'assistant', content: 'A' }, finish_reason: 'stop' },
        { index: 1, message: { role: 'assistant', content: 'B' }, finish_reason: 'length' },
      ],
    });
    expect(chunks.map((replayed) => [replayed.choices[0]?.index, replayed.choices[0]?.finish_reason])).toEqual([
      [0, null],
      [0, null],
      [0, 'stop'],
      [1, null],
      [1, null],
      [1, 'length'],
    ]);
  });

  it('gives chunks that pass the chat.completion.chunk schema', () => {
    const chunks = replayCompletionAsChunks({
      ...text,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'a', arguments: '{}' } }] },
          finish_reason: 'tool_calls',
        },
      ],
    });
    for (const replayed of chunks) expect(chatCompletionChunkSchema.safeParse(replayed).success).toBe(true);
  });
});

describe('replay then assemble', () => {
  const base = { id: 'chatcmpl-round', object: 'chat.completion' as const, created: 1_700_000_200, model: 'model-x', system_fingerprint: 'fp_round' };
  const usage = { promptTokens: 20, completionTokens: 5, totalTokens: 25 };

  const completions: Array<[string, ChatCompletion]> = [
    ['a text answer', { ...base, choices: [{ index: 0, message: { role: 'assistant', content: 'Paris is the capital of France.' }, finish_reason: 'stop' }] }],
    [
      'tool calls with content null, one with a thought signature',
      {
        ...base,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: null,
              tool_calls: [
                {
                  extra_content: { google: { thought_signature: 'c2lnbmF0dXJl' } },
                  id: 'call_1',
                  type: 'function',
                  function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
                },
                { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{"tz":"Europe/Paris"}' } },
              ],
            },
            finish_reason: 'tool_calls',
          },
        ],
      },
    ],
    [
      'text with a tool call',
      {
        ...base,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{}' } }] },
            finish_reason: 'tool_calls',
          },
        ],
      },
    ],
    ['a refusal', { ...base, choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: "I can't help with that." }, finish_reason: 'stop' }] }],
    ['reasoning before the answer', { ...base, choices: [{ index: 0, message: { role: 'assistant', content: '21', reasoning_content: '1071 = 2 × 462 + 147 …' }, finish_reason: 'stop' }] }],
    [
      'signed and redacted thinking blocks',
      {
        ...base,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: 'Done.',
              reasoning_content: 'First thought.\n\nSecond thought.',
              thinking_blocks: [
                { type: 'thinking', thinking: 'First thought.', signature: 'sig-1' },
                { type: 'redacted_thinking', data: 'opaque' },
                { type: 'thinking', thinking: 'Second thought.', signature: 'sig-2' },
              ],
            },
            finish_reason: 'stop',
          },
        ],
      },
    ],
    ['a length finish', { ...base, choices: [{ index: 0, message: { role: 'assistant', content: 'The list goes: one, two, thr' }, finish_reason: 'length' }] }],
    ['an empty answer', { ...base, choices: [{ index: 0, message: { role: 'assistant', content: '' }, finish_reason: 'stop' }] }],
    [
      'logprobs',
      {
        ...base,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'Hi there' },
            finish_reason: 'stop',
            logprobs: { content: [tokenLogprob('Hi', -0.01), tokenLogprob(' there', -0.2)], refusal: null },
          },
        ],
      },
    ],
    [
      'a refusal with logprobs',
      {
        ...base,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: null, refusal: 'No.' },
            finish_reason: 'stop',
            logprobs: { content: null, refusal: [tokenLogprob('No', -0.1), tokenLogprob('.', -0.01)] },
          },
        ],
      },
    ],
    [
      'two choices',
      {
        ...base,
        choices: [
          { index: 0, message: { role: 'assistant', content: 'One.' }, finish_reason: 'stop' },
          { index: 1, message: { role: 'assistant', content: 'Two, and' }, finish_reason: 'length' },
        ],
      },
    ],
    ['a null system_fingerprint', { ...base, system_fingerprint: null, choices: [{ index: 0, message: { role: 'assistant', content: 'x' }, finish_reason: 'stop' }] }],
  ];

  it.each(completions)('gives back %s', (_name, completion) => {
    const assembler = assemble(replayCompletionAsChunks(completion));
    expect(assembler.finished).toBe(true);
    expect(assembler.completion(fallback)).toStrictEqual(completion);
  });

  it('gives back the usage passed to completion()', () => {
    const completion: ChatCompletion = {
      ...base,
      choices: [{ index: 0, message: { role: 'assistant', content: 'x' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 },
    };
    expect(assemble(replayCompletionAsChunks(completion)).completion(fallback, usage)).toStrictEqual(completion);
  });

  it('drops only what the replay documents: usage, a null refusal or logprobs', () => {
    const completion: ChatCompletion = {
      ...base,
      choices: [{ index: 0, message: { role: 'assistant', content: 'x', refusal: null }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 },
    };
    expect(assemble(replayCompletionAsChunks(completion)).completion(fallback)).toStrictEqual({
      ...base,
      choices: [{ index: 0, message: { role: 'assistant', content: 'x' }, finish_reason: 'stop' }],
    });
  });
});
