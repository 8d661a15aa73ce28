import type { TokenUsage } from '../../chat-completion-schemas.ts';
import type { ChatCompletionChunk, StreamTranslator, StreamTranslatorInput, WireEvent } from '../../chat-stream.ts';
import { deltaChunks, finishChunks, toolCallArgumentsDelta, toolCallStartDelta, type ChunkDelta, type ChunkSource } from '../../stream/single-choice-chunk.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import { cohereStreamContentSchema, cohereStreamEventSchema, cohereStreamToolCallSchema, type CohereStreamEvent } from '../cohere-schemas.ts';
import { convertCohereUsage } from '../convert-cohere-usage.ts';
import { cohereGenerationFailed } from './convert-cohere-response.ts';
import { mapCohereFinishReason } from './map-cohere-finish-reason.ts';

type Delta = ChunkDelta;

/**
 * Cohere's v2 chat stream → OpenAI `chat.completion.chunk`s, one choice: `message-start` gives the id
 * and the role chunk; `content-delta` text becomes `delta.content` (thinking, `reasoning_content`);
 * `tool-call-start` opens a tool call (id, name) and each `tool-call-delta` adds argument text at that
 * call's index; `message-end` gives the finish chunk and the usage, and ends the answer. The tool plan
 * (`tool-plan-delta`), citations and `*-end` events produce nothing; unknown events are ignored.
 * @see https://docs.cohere.com/docs/streaming
 */
export class CohereStreamTranslator implements StreamTranslator {
  private id: string;
  private roleSent = false;
  private finished = false;
  private toolCount = 0;
  private reported: TokenUsage | undefined;
  /** Cohere's tool-call index → the OpenAI tool call's index. */
  private readonly tools = new Map<number, number>();

  constructor(private readonly input: StreamTranslatorInput) {
    this.id = `chatcmpl-${input.requestId}`;
  }

  get done(): boolean {
    return this.finished;
  }

  usage(): TokenUsage | undefined {
    return this.reported;
  }

  push(event: WireEvent): ChatCompletionChunk[] {
    if (this.finished) return [];
    const parsed = this.parse(event);
    const message = parsed.delta?.message;
    switch (parsed.type) {
      case 'message-start':
        if (parsed.id) this.id = parsed.id;
        return this.roleSent ? [] : this.emit({ content: '' });
      case 'content-start':
      case 'content-delta': {
        const content = cohereStreamContentSchema.safeParse(message?.content).data;
        if (content?.thinking) return this.emit({ reasoning_content: content.thinking });
        return content?.text ? this.emit({ content: content.text }) : [];
      }
      case 'tool-call-start': {
        const call = cohereStreamToolCallSchema.safeParse(message?.tool_calls).data;
        const toolIndex = this.toolCount++;
        this.tools.set(parsed.index ?? toolIndex, toolIndex);
        return this.emit(toolCallStartDelta(toolIndex, call?.id ?? `call_${toolIndex}`, call?.function?.name ?? '', call?.function?.arguments ?? ''));
      }
      case 'tool-call-delta': {
        const fragment = cohereStreamToolCallSchema.safeParse(message?.tool_calls).data?.function?.arguments;
        const toolIndex = this.tools.get(parsed.index ?? this.toolCount - 1) ?? this.toolCount - 1;
        return fragment ? this.emit(toolCallArgumentsDelta(toolIndex, fragment)) : [];
      }
      case 'message-end':
        return this.messageEnd(parsed);
      default:
        return [];
    }
  }

  private messageEnd(event: CohereStreamEvent): ChatCompletionChunk[] {
    this.finished = true;
    const raw = event.delta?.finish_reason ?? 'COMPLETE';
    const finish = mapCohereFinishReason(raw);
    if (finish.unified === undefined) throw cohereGenerationFailed(this.input.provider, raw);
    const usage = convertCohereUsage(event.delta?.usage);
    if (!usage.estimated) this.reported = usage;
    const chunks = finishChunks(this.source(), this.roleSent, { finish_reason: finish.unified, native_finish_reason: raw });
    this.roleSent = true;
    return chunks;
  }

  private parse(event: WireEvent): CohereStreamEvent {
    let data: unknown;
    try {
      data = JSON.parse(event.data) as unknown;
    } catch {
      throw this.invalid(`an event that is not JSON: ${event.data.slice(0, 200)}`);
    }
    const parsed = cohereStreamEventSchema.safeParse(data);
    if (!parsed.success) throw this.invalid(`an unexpected event: ${event.data.slice(0, 200)}`);
    return parsed.data;
  }

  private invalid(detail: string): ProviderError {
    return new ProviderError({ provider: this.input.provider, status: 502, code: 'invalid_provider_response', message: `Cohere streamed ${detail}`, retryable: true });
  }

  private emit(delta: Delta): ChatCompletionChunk[] {
    const chunks = deltaChunks(this.source(), delta, this.roleSent);
    this.roleSent = true;
    return chunks;
  }

  private source(): ChunkSource {
    return { id: this.id, created: this.input.created, model: this.input.upstreamModel };
  }
}
