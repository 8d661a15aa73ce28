import { describe, expect, it } from 'vitest';
import type { ChatCompletionChunk } from '../../providers/chat-stream.ts';
import { MessagesStreamEventTranslator } from './messages-stream-events.ts';

function chunk(delta: Record<string, unknown>): ChatCompletionChunk {
  return { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'claude', choices: [{ index: 0, delta, finish_reason: null }] };
}

/** The content-block events the chunks become (message_start and the closing events left out). */
function blockEvents(chunks: ChatCompletionChunk[]): unknown[] {
  const translator = new MessagesStreamEventTranslator({ id: 'msg_1', model: 'claude-sonnet-4-5' });
  const events = chunks.flatMap((each) => translator.push(each));
  return [...events, ...translator.finish({ promptTokens: 1, completionTokens: 1, totalTokens: 2 })].filter((event) => event.type.startsWith('content_block'));
}

const signed = { type: 'thinking', thinking: 'Two cities.', signature: 'sig-a' };
const start = (index: number, content_block: Record<string, unknown>) => ({ type: 'content_block_start', index, content_block });
const delta = (index: number, value: Record<string, unknown>) => ({ type: 'content_block_delta', index, delta: value });
const stop = (index: number) => ({ type: 'content_block_stop', index });
const thinkingStart = { type: 'thinking', thinking: '', signature: '' };

describe('MessagesStreamEventTranslator: signed thinking', () => {
  it('closes the thinking block streamed with the signed text by its signature_delta, then the text block', () => {
    expect(blockEvents([chunk({ reasoning_content: 'Two ' }), chunk({ reasoning_content: 'cities.' }), chunk({ thinking_blocks: [signed] }), chunk({ content: 'Hi' })])).toEqual([
      start(0, thinkingStart),
      delta(0, { type: 'thinking_delta', thinking: 'Two ' }),
      delta(0, { type: 'thinking_delta', thinking: 'cities.' }),
      delta(0, { type: 'signature_delta', signature: 'sig-a' }),
      stop(0),
      start(1, { type: 'text', text: '' }),
      delta(1, { type: 'text_delta', text: 'Hi' }),
      stop(1),
    ]);
  });

  it('writes a block whose text was not streamed (a replayed answer) whole, and a redacted block as its start and stop', () => {
    expect(blockEvents([chunk({ thinking_blocks: [signed, { type: 'redacted_thinking', data: 'EmwKAhgB' }] })])).toEqual([
      start(0, thinkingStart),
      delta(0, { type: 'thinking_delta', thinking: 'Two cities.' }),
      delta(0, { type: 'signature_delta', signature: 'sig-a' }),
      stop(0),
      start(1, { type: 'redacted_thinking', data: 'EmwKAhgB' }),
      stop(1),
    ]);
  });

  it('never signs other text: reasoning streamed unlike the signed blocks stays unsigned, and the blocks are written whole', () => {
    const events = blockEvents([chunk({ reasoning_content: 'Two cities.\n\nParis.' }), chunk({ thinking_blocks: [signed] })]);
    expect(events.slice(0, 3)).toEqual([start(0, thinkingStart), delta(0, { type: 'thinking_delta', thinking: 'Two cities.\n\nParis.' }), stop(0)]);
    expect(events.slice(3)).toEqual([start(1, thinkingStart), delta(1, { type: 'thinking_delta', thinking: 'Two cities.' }), delta(1, { type: 'signature_delta', signature: 'sig-a' }), stop(1)]);
  });

  it('leaves the separator between two signed blocks out of the second, and keeps reasoning of other providers as it came', () => {
    const second = { type: 'thinking', thinking: 'Paris.', signature: 'sig-b' };
    const events = blockEvents([
      chunk({ reasoning_content: 'Two cities.' }),
      chunk({ thinking_blocks: [signed] }),
      chunk({ reasoning_content: '\n\n' }),
      chunk({ reasoning_content: 'Paris.' }),
      chunk({ thinking_blocks: [second] }),
    ]);
    expect(events.slice(4)).toEqual([start(1, thinkingStart), delta(1, { type: 'thinking_delta', thinking: 'Paris.' }), delta(1, { type: 'signature_delta', signature: 'sig-b' }), stop(1)]);
    expect(blockEvents([chunk({ reasoning_content: 'A' }), chunk({ content: 'x' }), chunk({ reasoning_content: '\n\nB' })])).toContainEqual(delta(2, { type: 'thinking_delta', thinking: '\n\nB' }));
  });

  it('ignores thinking_blocks of another shape (no signature): the reasoning closes without one', () => {
    expect(blockEvents([chunk({ reasoning_content: 'Hm.', thinking_blocks: [{ type: 'thinking', thinking: 'Hm.' }] })])).toEqual([
      start(0, thinkingStart),
      delta(0, { type: 'thinking_delta', thinking: 'Hm.' }),
      stop(0),
    ]);
  });
});
