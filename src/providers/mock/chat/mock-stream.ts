import { messageText, type ChatCompletion, type ChatCompletionRequest } from '../../chat-completion-schemas.ts';
import type { ChatCompletionChunk } from '../../chat-stream.ts';

const cutDirective = /mock:cut-stream\b/;

/**
 * The mock's answer as OpenAI would stream it: a role chunk, then the content a word at a time, then
 * the finish chunk, per choice. A last user message containing `mock:cut-stream` breaks off after the
 * first content chunk (`failAfter`), so clients can exercise a failure mid-stream.
 */
export function splitMockStream(completion: ChatCompletion, request: ChatCompletionRequest): { chunks: ChatCompletionChunk[]; failAfter?: number } {
  const base = { id: completion.id, object: 'chat.completion.chunk' as const, created: completion.created, model: completion.model, system_fingerprint: completion.system_fingerprint };
  const chunks: ChatCompletionChunk[] = [];
  for (const choice of completion.choices) {
    chunks.push({ ...base, choices: [{ index: choice.index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] });
    for (const word of (choice.message.content ?? '').match(/\S+\s*|\s+/g) ?? []) {
      chunks.push({ ...base, choices: [{ index: choice.index, delta: { content: word }, logprobs: null, finish_reason: null }] });
    }
    chunks.push({ ...base, choices: [{ index: choice.index, delta: {}, logprobs: null, finish_reason: choice.finish_reason }] });
  }
  const lastUser = [...request.messages].reverse().find((message) => message.role === 'user');
  return cutDirective.test(lastUser ? messageText(lastUser.content) : '') ? { chunks, failAfter: 2 } : { chunks };
}
