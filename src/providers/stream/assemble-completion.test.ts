import { describe, expect, it } from 'vitest';
import { chatCompletionSchema, type ChatCompletion } from '../chat-completion-schemas.ts';
import { chatCompletionChunkSchema, type ChatCompletionChunk, type ChatCompletionChunkChoice } from '../chat-stream.ts';
import { CompletionAssembler } from './assemble-completion.ts';
import { replayCompletionAsChunks } from './replay-completion.ts';

const fallback = { id: 'chatcmpl-fallback', model: 'fallback-model', created: 1 };

/** One chunk of the stream `chatcmpl-1` with one choice. */
function chunk(choice: Partial<ChatCompletionChunkChoice> & Pick<ChatCompletionChunkChoice, 'delta'>, extra: Partial<ChatCompletionChunk> = {}): ChatCompletionChunk {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, finish_reason: null, ...choice }],
    ...extra,
  };
}

function assemble(chunks: ChatCompletionChunk[]): CompletionAssembler {
  const assembler = new CompletionAssembler();
  assembler.push(chunks);
  return assembler;
}

const tokenLogprob = (token: string, logprob: number) => ({ token, logprob, bytes: [...Buffer.from(token, 'utf8')], top_logprobs: [] });

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
    expect(assembler.completion(fallback).choices).toStrictEqual([
      { index: 0, message: { role: 'assistant', content: null, refusal: "I can't help with that." }, finish_reason: 'stop' },
    ]);
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

  it("takes id, model and created from the first chunk, not the fallback or later chunks", () => {
    const assembler = assemble([
      chunk({ delta: { content: 'a' } }),
      chunk({ delta: { content: 'b' }, finish_reason: 'stop' }, { id: 'chatcmpl-other', model: 'other', created: 2 }),
    ]);
    const completion = assembler.completion(fallback);
    expect([completion.id, completion.model, completion.created]).toEqual(['chatcmpl-1', 'gpt-4o-mini-2024-07-18', 1_700_000_000]);
  });

  it('keeps the last system_fingerprint, null included, and leaves it out when none came', () => {
    const withFingerprint = assemble([
      chunk({ delta: { content: 'a' } }, { system_fingerprint: 'fp_1' }),
      chunk({ delta: {}, finish_reason: 'stop' }, { system_fingerprint: 'fp_2' }),
    ]);
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
