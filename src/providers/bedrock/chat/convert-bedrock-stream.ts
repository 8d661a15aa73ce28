import type { TokenUsage } from '../../chat-completion-schemas.ts';
import type { ChatCompletionChunk, StreamTranslator, StreamTranslatorInput, WireEvent } from '../../chat-stream.ts';
import { deltaChunks, finishChunks, toolCallArgumentsDelta, toolCallStartDelta, type ChunkDelta, type ChunkSource } from '../../stream/single-choice-chunk.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import { parseBedrockStreamException } from '../bedrock-error.ts';
import { bedrockStreamEventSchemas, type BedrockStreamEvent, type BedrockStreamEventType, type BedrockUsage } from '../bedrock-wire-schemas.ts';
import { convertBedrockUsage } from './convert-bedrock-usage.ts';
import { mapBedrockStopReason } from './map-bedrock-stop-reason.ts';

type Delta = ChunkDelta;

/** What one content block of the Converse message became on the OpenAI side. */
type BlockState = { kind: 'text' } | { kind: 'tool'; toolIndex: number; sentArguments: boolean } | { kind: 'reasoning'; text: string };

/**
 * ConverseStream's events → OpenAI `chat.completion.chunk`s, one choice. `messageStart` gives the role
 * chunk; text deltas become `delta.content` (Converse opens text blocks without a `contentBlockStart`);
 * a `toolUse` block start becomes a tool call and its input deltas its arguments, at the tool call's own
 * index; reasoning streams as `delta.reasoning_content`, and once its signature arrives as
 * `delta.thinking_blocks` holding the whole signed block; `messageStop` gives the finish chunk, and the
 * `metadata` event after it the usage. Event types this adapter does not know are ignored. An
 * exception message (`:message-type: exception`) throws the ProviderError of its HTTP status.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
 */
export class BedrockStreamTranslator implements StreamTranslator {
  private readonly id: string;
  private roleSent = false;
  private stopped = false;
  private toolCount = 0;
  private reasoningCount = 0;
  private readonly blocks = new Map<number, BlockState>();
  private reported: BedrockUsage | undefined;

  constructor(private readonly input: StreamTranslatorInput) {
    this.id = `chatcmpl-${input.requestId}`;
  }

  get done(): boolean {
    return this.stopped;
  }

  usage(): TokenUsage | undefined {
    return this.reported ? convertBedrockUsage(this.reported) : undefined;
  }

  push(event: WireEvent): ChatCompletionChunk[] {
    if (event.messageType === 'exception' || event.messageType === 'error') {
      throw parseBedrockStreamException({ provider: this.input.provider, exceptionType: event.event, body: this.json(event) });
    }
    const type = event.event;
    if (type === undefined || !Object.hasOwn(bedrockStreamEventSchemas, type)) return [];
    switch (type as BedrockStreamEventType) {
      case 'messageStart':
        return this.roleSent ? [] : this.emit({ content: '' });
      case 'contentBlockStart':
        return this.blockStart(this.parse('contentBlockStart', event));
      case 'contentBlockDelta':
        return this.blockDelta(this.parse('contentBlockDelta', event));
      case 'contentBlockStop':
        return this.blockStop(this.parse('contentBlockStop', event));
      case 'messageStop':
        return this.messageStop(this.parse('messageStop', event));
      case 'metadata':
        this.reported = this.parse('metadata', event).usage ?? this.reported;
        return [];
    }
  }

  private blockStart(event: BedrockStreamEvent<'contentBlockStart'>): ChatCompletionChunk[] {
    const toolUse = event.start.toolUse;
    if (!toolUse) return [];
    const toolIndex = this.toolCount++;
    this.blocks.set(event.contentBlockIndex, { kind: 'tool', toolIndex, sentArguments: false });
    return this.emit(toolCallStartDelta(toolIndex, toolUse.toolUseId, toolUse.name));
  }

  private blockDelta(event: BedrockStreamEvent<'contentBlockDelta'>): ChatCompletionChunk[] {
    const { delta, contentBlockIndex: index } = event;
    const block = this.blocks.get(index);
    if (typeof delta.text === 'string') {
      if (block && block.kind !== 'text') return [];
      this.blocks.set(index, { kind: 'text' });
      return delta.text === '' ? [] : this.emit({ content: delta.text });
    }
    if (delta.toolUse) {
      if (block?.kind !== 'tool' || delta.toolUse.input === '') return [];
      block.sentArguments = true;
      return this.emit(toolCallArgumentsDelta(block.toolIndex, delta.toolUse.input));
    }
    const reasoning = delta.reasoningContent;
    if (!reasoning || (block && block.kind !== 'reasoning')) return [];
    const state = block ? { block, separator: false } : this.startReasoning(index);
    const chunks: ChatCompletionChunk[] = state.separator ? this.emit({ reasoning_content: '\n\n' }) : [];
    const current = state.block;
    if (typeof reasoning.text === 'string' && reasoning.text !== '') {
      current.text += reasoning.text;
      chunks.push(...this.emit({ reasoning_content: reasoning.text }));
    }
    if (reasoning.signature) chunks.push(...this.emit({ thinking_blocks: [{ type: 'thinking', thinking: current.text, signature: reasoning.signature }] }));
    if (reasoning.redactedContent) chunks.push(...this.emit({ thinking_blocks: [{ type: 'redacted_thinking', data: reasoning.redactedContent }] }));
    return chunks;
  }

  /** A new reasoning block; several read as one text, paragraphs apart (as the whole answer joins them). */
  private startReasoning(index: number): { block: Extract<BlockState, { kind: 'reasoning' }>; separator: boolean } {
    const block = { kind: 'reasoning' as const, text: '' };
    this.blocks.set(index, block);
    return { block, separator: this.reasoningCount++ > 0 };
  }

  /** A tool that takes no input streams no JSON at all; OpenAI clients parse `arguments`, so `{}` is sent. */
  private blockStop(event: BedrockStreamEvent<'contentBlockStop'>): ChatCompletionChunk[] {
    const block = this.blocks.get(event.contentBlockIndex);
    if (block?.kind !== 'tool' || block.sentArguments) return [];
    block.sentArguments = true;
    return this.emit(toolCallArgumentsDelta(block.toolIndex, '{}'));
  }

  private messageStop(event: BedrockStreamEvent<'messageStop'>): ChatCompletionChunk[] {
    if (this.stopped) return [];
    this.stopped = true;
    const finish = mapBedrockStopReason(event.stopReason);
    const chunks = finishChunks(this.source(), this.roleSent, { finish_reason: finish.unified, native_finish_reason: finish.raw });
    this.roleSent = true;
    return chunks;
  }

  private emit(delta: Delta): ChatCompletionChunk[] {
    const chunks = deltaChunks(this.source(), delta, this.roleSent);
    this.roleSent = true;
    return chunks;
  }

  private source(): ChunkSource {
    return { id: this.id, created: this.input.created, model: this.input.upstreamModel };
  }

  private json(event: WireEvent): unknown {
    try {
      return JSON.parse(event.data) as unknown;
    } catch {
      return event.data;
    }
  }

  private parse<Type extends BedrockStreamEventType>(type: Type, event: WireEvent): BedrockStreamEvent<Type> {
    const data = this.json(event);
    const parsed = bedrockStreamEventSchemas[type].safeParse(data);
    if (parsed.success) return parsed.data as BedrockStreamEvent<Type>;
    const issue = parsed.error.issues[0];
    throw new ProviderError({
      provider: this.input.provider,
      status: 502,
      code: 'invalid_provider_response',
      message: `provider streamed a "${type}" event that does not parse (${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'})`,
      retryable: false,
    });
  }
}

/** The translator for one streamed call (the wire format's `createStreamTranslator`). */
export function createBedrockStreamTranslator(input: StreamTranslatorInput): StreamTranslator {
  return new BedrockStreamTranslator(input);
}
