import { signedThinkingBlocks, type ThinkingBlock, type TokenUsage } from '../../providers/chat-completion-schemas.ts';
import type { ChatCompletionChunk } from '../../providers/chat-stream.ts';
import { convertToMessageUsage } from './convert-to-message-usage.ts';
import { mapFinishReason } from './map-finish-reason.ts';
import type { MessageBlockDelta, MessageBlockStart, MessageStreamEvent } from './message-response-schemas.ts';

/** The content block being written: Anthropic streams one block at a time, each opened and closed. */
interface OpenBlock {
  kind: 'text' | 'thinking' | 'redacted_thinking' | 'tool';
  index: number;
  /** A thinking block's text so far, which a signature must match to be written to it. */
  thinking?: string;
}

/**
 * What the internal format puts between the texts of two thinking blocks in `reasoning_content` (the
 * Anthropic adapter joins them so, streamed or not); not part of either block.
 */
const thinkingSeparator = '\n\n';

/**
 * OpenAI chunks → the events of a streamed Anthropic Message. Stateful (one per stream) and pure: no
 * I/O, no clock. `start` gives `message_start`; each chunk's `delta.reasoning_content`, `delta.content`
 * (and `delta.refusal`) and `delta.tool_calls` go into a `thinking`, `text` or `tool_use` block,
 * opened by `content_block_start` when the kind changes (the previous one closed by
 * `content_block_stop`), filled by `thinking_delta`, `text_delta` and `input_json_delta`; `finish`
 * closes the last block and gives `message_delta` (stop reason and usage) and `message_stop`.
 *
 * Claude's thinking (`delta.thinking_blocks`, from an Anthropic provider: each block whole once signed)
 * closes the thinking block it signs with a `signature_delta`, as Anthropic streams it; a
 * redacted_thinking block is one `content_block_start` carrying its data, then its stop. A signature is
 * only ever written to the exact text it signs: a block whose text was not streamed as such is written
 * whole. Reasoning of other providers has no signature, and its thinking block closes without one. Tool
 * calls are expected one after another, as every provider streams them; an argument fragment for a
 * tool call whose block was already closed still goes to that block's index, where the SDKs'
 * accumulators (which work by index) put it.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */
export class MessagesStreamEventTranslator {
  private open: OpenBlock | undefined;
  private nextIndex = 0;
  private readonly toolBlocks = new Map<number, number>();
  private finishReason: string | null = null;
  private nativeFinishReason: unknown;
  /** A signed thinking block was closed: the next reasoning starts with the separator of the two texts. */
  private separatorDue = false;

  constructor(private readonly message: { id: string; model: string }) {}

  /** `message_start`: the Message with no content yet; its usage is known only at the end (`message_delta`). */
  start(): MessageStreamEvent[] {
    return [
      {
        type: 'message_start',
        message: {
          id: this.message.id,
          type: 'message',
          role: 'assistant',
          model: this.message.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
        },
      },
    ];
  }

  push(chunk: ChatCompletionChunk): MessageStreamEvent[] {
    // Anthropic has one answer per message; a stream carries the first choice only.
    const choice = chunk.choices.find((candidate) => candidate.index === 0);
    if (!choice) return [];
    const events: MessageStreamEvent[] = [];
    const { delta } = choice;
    const reasoning = delta['reasoning_content'];
    if (typeof reasoning === 'string' && reasoning !== '') events.push(...this.reasoning(reasoning));
    for (const block of signedThinkingBlocks(delta.thinking_blocks) ?? []) events.push(...this.thinkingBlock(block));
    for (const text of [delta.content, delta.refusal]) {
      if (typeof text === 'string' && text !== '') events.push(...this.write('text', { type: 'text_delta', text }));
    }
    for (const call of delta.tool_calls ?? []) events.push(...this.toolCall(call));
    if (choice.finish_reason !== null) {
      this.finishReason = choice.finish_reason;
      this.nativeFinishReason = choice['native_finish_reason'];
      events.push(...this.close());
    }
    return events;
  }

  /**
   * The end of a complete answer: the last block closed, the stop reason and usage, `message_stop`.
   * The cost (USD), when known, rides in the usage as `cost`, the extension the gateway's OpenAI answers carry too.
   */
  finish(usage: TokenUsage, cost?: string): MessageStreamEvent[] {
    const stopReason = mapFinishReason({ finishReason: this.finishReason, nativeFinishReason: this.nativeFinishReason, hasToolCalls: this.toolBlocks.size > 0 });
    return [
      ...this.close(),
      // Which stop sequence matched is not carried by the internal format.
      { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { ...convertToMessageUsage(usage), ...(cost === undefined ? {} : { cost: Number(cost) }) } },
      { type: 'message_stop' },
    ];
  }

  private reasoning(text: string): MessageStreamEvent[] {
    const own = this.separatorDue && text.startsWith(thinkingSeparator) ? text.slice(thinkingSeparator.length) : text;
    this.separatorDue = false;
    if (own === '') return [];
    const events = this.write('thinking', { type: 'thinking_delta', thinking: own });
    if (this.open?.kind === 'thinking') this.open.thinking = (this.open.thinking ?? '') + own;
    return events;
  }

  /** A signed block: the signature closes the thinking block streamed with its exact text, else the block is written whole. */
  private thinkingBlock(block: ThinkingBlock): MessageStreamEvent[] {
    if (block.type === 'redacted_thinking') {
      const index = this.nextIndex++;
      return [...this.close(), this.openBlock({ kind: 'redacted_thinking', index }, { type: 'redacted_thinking', data: block.data }), ...this.close()];
    }
    this.separatorDue = true;
    const signature: MessageBlockDelta = { type: 'signature_delta', signature: block.signature };
    if (this.open?.kind === 'thinking' && this.open.thinking === block.thinking) {
      return [{ type: 'content_block_delta', index: this.open.index, delta: signature }, ...this.close()];
    }
    const index = this.nextIndex++;
    const events = [...this.close(), this.openBlock({ kind: 'thinking', index }, { type: 'thinking', thinking: '', signature: '' })];
    if (block.thinking !== '') events.push({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: block.thinking } });
    return [...events, { type: 'content_block_delta', index, delta: signature }, ...this.close()];
  }

  private write(kind: 'text' | 'thinking', delta: MessageBlockDelta): MessageStreamEvent[] {
    if (this.open?.kind === kind) return [{ type: 'content_block_delta', index: this.open.index, delta }];
    const index = this.nextIndex++;
    const block: MessageBlockStart = kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' };
    return [...this.close(), this.openBlock({ kind, index }, block), { type: 'content_block_delta', index, delta }];
  }

  private toolCall(call: NonNullable<ChatCompletionChunk['choices'][number]['delta']['tool_calls']>[number]): MessageStreamEvent[] {
    const events: MessageStreamEvent[] = [];
    let index = this.toolBlocks.get(call.index);
    if (index === undefined) {
      events.push(...this.close());
      index = this.nextIndex++;
      this.toolBlocks.set(call.index, index);
      const id = call.id ?? `toolu_${this.message.id.replace(/^msg_/, '')}_${call.index}`;
      events.push(this.openBlock({ kind: 'tool', index }, { type: 'tool_use', id, name: call.function?.name ?? '', input: {} }));
    }
    const fragment = call.function?.arguments;
    if (fragment) events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: fragment } });
    return events;
  }

  private openBlock(block: OpenBlock, start: MessageBlockStart): MessageStreamEvent {
    this.open = block;
    return { type: 'content_block_start', index: block.index, content_block: start };
  }

  private close(): MessageStreamEvent[] {
    if (!this.open) return [];
    const { index } = this.open;
    this.open = undefined;
    return [{ type: 'content_block_stop', index }];
  }
}
