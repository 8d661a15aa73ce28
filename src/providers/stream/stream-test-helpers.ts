import type { ChatCompletionChunk, ChatCompletionChunkChoice } from '../chat-stream.ts';
import { CompletionAssembler } from './assemble-completion.ts';

export const fallback = { id: 'chatcmpl-fallback', model: 'fallback-model', created: 1 };

/** One chunk of the stream `chatcmpl-1` with one choice. */
export function chunk(choice: Partial<ChatCompletionChunkChoice> & Pick<ChatCompletionChunkChoice, 'delta'>, extra: Partial<ChatCompletionChunk> = {}): ChatCompletionChunk {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, finish_reason: null, ...choice }],
    ...extra,
  };
}

export function assemble(chunks: ChatCompletionChunk[]): CompletionAssembler {
  const assembler = new CompletionAssembler();
  assembler.push(chunks);
  return assembler;
}

export const tokenLogprob = (token: string, logprob: number) => ({ token, logprob, bytes: [...Buffer.from(token, 'utf8')], top_logprobs: [] });
