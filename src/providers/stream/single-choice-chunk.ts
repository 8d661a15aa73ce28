import type { ChatCompletionChunk, ChatCompletionChunkChoice } from '../chat-stream.ts';

export type ChunkDelta = ChatCompletionChunkChoice['delta'];

/** What every chunk of one streamed answer repeats. */
export interface ChunkSource {
  id: string;
  created: number;
  model: string;
}

/**
 * A `chat.completion.chunk` of one choice (index 0) holding `delta`; with `finish`, the finish chunk
 * (the provider's own reason beside OpenAI's as `native_finish_reason`), else `finish_reason: null`.
 */
export function singleChoiceChunk(source: ChunkSource, delta: ChunkDelta, finish: { finish_reason: string; native_finish_reason: string | null } | undefined = undefined): ChatCompletionChunk {
  return {
    id: source.id,
    object: 'chat.completion.chunk',
    created: source.created,
    model: source.model,
    choices: [{ index: 0, delta, ...(finish ?? { finish_reason: null }) }],
  };
}

/** The chunk for a delta; the first of the stream (`roleSent` false) also carries the role, as OpenAI's does. */
export function deltaChunks(source: ChunkSource, delta: ChunkDelta, roleSent: boolean): ChatCompletionChunk[] {
  return [singleChoiceChunk(source, roleSent ? delta : { role: 'assistant', ...delta })];
}

/** The delta opening a tool call at its OpenAI index: its id and name, arguments to follow. */
export function toolCallStartDelta(index: number, id: string, name: string, arguments_ = ''): ChunkDelta {
  return { tool_calls: [{ index, id, type: 'function', function: { name, arguments: arguments_ } }] };
}

/** The delta carrying a fragment of a tool call's arguments. */
export function toolCallArgumentsDelta(index: number, fragment: string): ChunkDelta {
  return { tool_calls: [{ index, function: { arguments: fragment } }] };
}

/**
 * The chunks that end a stream: the role chunk first if none went out yet (an answer with no content
 * still opens with one), then the finish chunk.
 */
export function finishChunks(source: ChunkSource, roleSent: boolean, finish: { finish_reason: string; native_finish_reason: string | null }): ChatCompletionChunk[] {
  return [...(roleSent ? [] : deltaChunks(source, { content: '' }, false)), singleChoiceChunk(source, {}, finish)];
}
