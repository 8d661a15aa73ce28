import type { TokenUsage } from '../chat-completion-schemas.ts';
import type { ChatCompletionChunk, StreamTranslator, StreamTranslatorInput, WireEvent } from '../chat-stream.ts';
import { deltaChunks, finishChunks, toolCallArgumentsDelta, toolCallStartDelta, type ChunkDelta, type ChunkSource } from '../stream/single-choice-chunk.ts';
import { ProviderError } from '../../errors/provider-error.ts';
import { parseAnthropicStreamError } from './anthropic-error.ts';
import {
  anthropicStreamEventSchemas,
  type AnthropicInputJsonDelta,
  type AnthropicRedactedThinkingBlockStart,
  type AnthropicSignatureDelta,
  type AnthropicStreamEvent,
  type AnthropicStreamEventType,
  type AnthropicStreamUsage,
  type AnthropicTextDelta,
  type AnthropicToolUseBlockStart,
} from './anthropic-stream-schemas.ts';
import { convertAnthropicUsage } from './convert-anthropic-usage.ts';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.ts';

type Delta = ChunkDelta;
type EventOf<Type extends AnthropicStreamEventType> = Extract<AnthropicStreamEvent, { type: Type }>;

/** What one content block of the Anthropic message became on the OpenAI side. */
type BlockState =
  | { kind: 'text' }
  /** A client tool call: its OpenAI `index`, and whether any argument text went out yet. */
  | { kind: 'tool'; toolIndex: number; sentArguments: boolean; startInput: unknown }
  /**
   * Extended thinking: streamed as `delta.reasoning_content`, as non-streamed answers carry
   * `message.reasoning_content`; its text kept for the whole block its signature completes.
   */
  | { kind: 'thinking'; text: string }
  /** Redacted thinking (sent whole at its start), server tools and their results: nothing more in a chunk. */
  | { kind: 'skipped' };

/** The cumulative counts Anthropic reported so far (`message_start`, then each `message_delta`). */
interface UsageCounts {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
  /** Of the cache writes, those to the 1-hour cache (`cache_creation.ephemeral_1h_input_tokens`). */
  cache_creation_1h?: number;
}
const usageFields = ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const;

/**
 * A streamed Anthropic message → OpenAI `chat.completion.chunk`s, one choice. `message_start` gives
 * the `msg_…` id, the model and the role chunk; `text_delta`s become `delta.content`; a `tool_use`
 * block becomes a tool call (its start, then each `input_json_delta` fragment as arguments, at the
 * tool call's own index, which counts tool calls rather than content blocks); the `message_delta`
 * stop reason becomes the finish chunk; `message_stop` ends the answer. Thinking streams as
 * `delta.reasoning_content`, and its `signature_delta` as `delta.thinking_blocks` holding the whole
 * block (text and signature), as does a redacted_thinking block at its start: over the stream they are
 * the `message.thinking_blocks` of a whole answer. Server-tool blocks and `ping`s produce nothing, and
 * event types this adapter does not know are ignored, as Anthropic's versioning policy asks. An `error`
 * event throws the ProviderError of its HTTP status.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */
export class AnthropicStreamTranslator implements StreamTranslator {
  private id: string;
  private model: string;
  private roleSent = false;
  private finishSent = false;
  private finished = false;
  private toolCount = 0;
  private thinkingCount = 0;
  private readonly blocks = new Map<number, BlockState>();
  private readonly counts: UsageCounts = {};

  constructor(private readonly input: StreamTranslatorInput) {
    this.id = `chatcmpl-${input.requestId}`;
    this.model = input.upstreamModel;
  }

  get done(): boolean {
    return this.finished;
  }

  usage(): TokenUsage | undefined {
    if (!usageFields.some((field) => this.counts[field] !== undefined)) return undefined;
    return convertAnthropicUsage({
      input_tokens: this.counts.input_tokens ?? 0,
      output_tokens: this.counts.output_tokens ?? 0,
      cache_creation_input_tokens: this.counts.cache_creation_input_tokens ?? 0,
      cache_read_input_tokens: this.counts.cache_read_input_tokens ?? 0,
      ...(this.counts.cache_creation_1h === undefined ? {} : { cache_creation: { ephemeral_1h_input_tokens: this.counts.cache_creation_1h } }),
    });
  }

  push(event: WireEvent): ChatCompletionChunk[] {
    if (this.finished) return [];
    const parsed = this.parse(event);
    switch (parsed?.type) {
      case 'message_start':
        return this.messageStart(parsed);
      case 'content_block_start':
        return this.blockStart(parsed);
      case 'content_block_delta':
        return this.blockDelta(parsed);
      case 'content_block_stop':
        return this.blockStop(parsed);
      case 'message_delta':
        return this.messageDelta(parsed);
      case 'message_stop':
        this.finished = true;
        // A stream that ended without a stop reason still owes the client a finish chunk.
        return this.finishSent ? [] : this.finish(null);
      case 'error':
        throw parseAnthropicStreamError({ provider: this.input.provider, body: parsed });
      case 'ping':
      case undefined:
        return [];
    }
  }

  private messageStart(event: EventOf<'message_start'>): ChatCompletionChunk[] {
    if (this.roleSent) return [];
    this.id = event.message.id;
    this.model = event.message.model;
    this.recordUsage(event.message.usage);
    return this.emit({ content: '' });
  }

  private blockStart(event: EventOf<'content_block_start'>): ChatCompletionChunk[] {
    const block = event.content_block;
    if (isToolUseStart(block)) {
      const toolIndex = this.toolCount++;
      this.blocks.set(event.index, { kind: 'tool', toolIndex, sentArguments: false, startInput: block.input });
      return this.emit(toolCallStartDelta(toolIndex, block.id, block.name));
    }
    if (isRedactedThinkingStart(block)) {
      this.blocks.set(event.index, { kind: 'skipped' });
      return this.emit({ thinking_blocks: [{ type: 'redacted_thinking', data: block.data }] });
    }
    if (block.type === 'thinking') {
      this.blocks.set(event.index, { kind: 'thinking', text: typeof block['thinking'] === 'string' ? block['thinking'] : '' });
      // Several thinking blocks read as one text, paragraphs apart (as the non-streamed converter joins them).
      return this.thinkingCount++ === 0 ? [] : this.emit({ reasoning_content: '\n\n' });
    }
    if (block.type !== 'text') {
      this.blocks.set(event.index, { kind: 'skipped' });
      return [];
    }
    this.blocks.set(event.index, { kind: 'text' });
    const text = typeof block['text'] === 'string' ? block['text'] : '';
    return text === '' ? [] : this.emit({ content: text });
  }

  private blockDelta(event: EventOf<'content_block_delta'>): ChatCompletionChunk[] {
    const block = this.blocks.get(event.index);
    const { delta } = event;
    if (isTextDelta(delta)) {
      // A text delta with no content_block_start before it is still text; one in another kind of block is not.
      if ((block && block.kind !== 'text') || delta.text === '') return [];
      return this.emit({ content: delta.text });
    }
    if (block?.kind === 'thinking' && delta.type === 'thinking_delta' && typeof delta['thinking'] === 'string' && delta['thinking'] !== '') {
      block.text += delta['thinking'];
      return this.emit({ reasoning_content: delta['thinking'] });
    }
    if (block?.kind === 'thinking' && isSignatureDelta(delta)) {
      return this.emit({ thinking_blocks: [{ type: 'thinking', thinking: block.text, signature: delta.signature }] });
    }
    if (isInputJsonDelta(delta)) {
      // Server tools (web search, …) stream their input too, but they are Anthropic's to run, not the client's.
      if (block?.kind !== 'tool' || delta.partial_json === '') return [];
      block.sentArguments = true;
      return this.emit(toolCallArgumentsDelta(block.toolIndex, delta.partial_json));
    }
    return [];
  }

  /**
   * A tool that takes no input streams no JSON at all (Anthropic's own SDK then reads `{}`); OpenAI
   * clients parse `arguments`, so an empty one is completed here.
   */
  private blockStop(event: EventOf<'content_block_stop'>): ChatCompletionChunk[] {
    const block = this.blocks.get(event.index);
    if (block?.kind !== 'tool' || block.sentArguments) return [];
    block.sentArguments = true;
    const start = block.startInput;
    const argumentsText = typeof start === 'object' && start !== null ? JSON.stringify(start) : '{}';
    return this.emit(toolCallArgumentsDelta(block.toolIndex, argumentsText));
  }

  private messageDelta(event: EventOf<'message_delta'>): ChatCompletionChunk[] {
    this.recordUsage(event.usage);
    const stopReason = event.delta.stop_reason ?? null;
    return stopReason === null || this.finishSent ? [] : this.finish(stopReason);
  }

  /** The finish chunk, with Anthropic's own stop reason beside OpenAI's, as the non-streamed answer has it. */
  private finish(stopReason: string | null): ChatCompletionChunk[] {
    this.finishSent = true;
    const finish = mapAnthropicStopReason(stopReason);
    const chunks = finishChunks(this.source(), this.roleSent, { finish_reason: finish.unified, native_finish_reason: finish.raw });
    this.roleSent = true;
    return chunks;
  }

  /** One chunk for the delta; the first of the stream also carries the role, as OpenAI's does. */
  private emit(delta: Delta): ChatCompletionChunk[] {
    const chunks = deltaChunks(this.source(), delta, this.roleSent);
    this.roleSent = true;
    return chunks;
  }

  private source(): ChunkSource {
    return { id: this.id, created: this.input.created, model: this.model };
  }

  /** Counts are cumulative: the latest value of each wins; a missing or null one keeps the earlier. */
  private recordUsage(usage: AnthropicStreamUsage | null | undefined): void {
    for (const field of usageFields) {
      const value = usage?.[field];
      if (typeof value === 'number') this.counts[field] = value;
    }
    const oneHour = usage?.cache_creation?.ephemeral_1h_input_tokens;
    if (typeof oneHour === 'number') this.counts.cache_creation_1h = oneHour;
  }

  /** The event as its schema reads it; undefined for a type this adapter does not know. */
  private parse(event: WireEvent): AnthropicStreamEvent | undefined {
    let data: unknown;
    try {
      data = JSON.parse(event.data);
    } catch {
      throw this.invalid(`an event${event.event ? ` "${event.event}"` : ''} whose data is not JSON`);
    }
    const type = typeof data === 'object' && data !== null && 'type' in data ? data.type : undefined;
    if (typeof type !== 'string') throw this.invalid('an event without a type');
    if (!Object.hasOwn(anthropicStreamEventSchemas, type)) return undefined;
    const parsed = anthropicStreamEventSchemas[type as AnthropicStreamEventType].safeParse(data);
    if (parsed.success) return parsed.data as AnthropicStreamEvent;
    const issue = parsed.error.issues[0];
    throw this.invalid(`a "${type}" event that does not parse (${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'})`);
  }

  private invalid(what: string): ProviderError {
    return new ProviderError({
      provider: this.input.provider,
      status: 502,
      code: 'invalid_provider_response',
      message: `provider streamed ${what}`,
      retryable: false,
    });
  }
}

/** The translator for one streamed call (the wire format's `createStreamTranslator`). */
export function createAnthropicStreamTranslator(input: StreamTranslatorInput): StreamTranslator {
  return new AnthropicStreamTranslator(input);
}

function isToolUseStart(block: { type: string }): block is AnthropicToolUseBlockStart {
  return block.type === 'tool_use';
}

function isTextDelta(delta: { type: string }): delta is AnthropicTextDelta {
  return delta.type === 'text_delta';
}

function isInputJsonDelta(delta: { type: string }): delta is AnthropicInputJsonDelta {
  return delta.type === 'input_json_delta';
}

function isSignatureDelta(delta: { type: string }): delta is AnthropicSignatureDelta {
  return delta.type === 'signature_delta';
}

function isRedactedThinkingStart(block: { type: string }): block is AnthropicRedactedThinkingBlockStart {
  return block.type === 'redacted_thinking';
}
