import { signedThinkingBlocks, type ChatCompletion } from '../chat-completion-schemas.ts';
import type { ChatCompletionChunk } from '../chat-stream.ts';

/**
 * A whole `chat.completion` as the chunks OpenAI would have streamed for it: per choice a role chunk,
 * one content (or refusal) chunk, one start chunk per tool call with its full arguments, then the
 * finish chunk. Used to replay a cached answer to a `stream: true` caller. Pure.
 *
 * A tool call's provider extensions (Gemini's thought signature in `extra_content`, which the client
 * must send back) ride on its delta, and the choice's `logprobs` on its first content, refusal or
 * finish chunk, and reasoning (`message.reasoning_content`) goes first as `delta.reasoning_content`
 * (block by block with each signed block as `delta.thinking_blocks`, when the message has them),
 * so `CompletionAssembler` gives the completion back. Not replayed: `usage` (the
 * gateway writes the usage chunk itself), a null `refusal` or `logprobs`, and message or choice
 * fields OpenAI's stream has no delta for.
 */
export function replayCompletionAsChunks(completion: ChatCompletion): ChatCompletionChunk[] {
  const base = {
    id: completion.id,
    object: 'chat.completion.chunk' as const,
    created: completion.created,
    model: completion.model,
    ...(completion.system_fingerprint === undefined ? {} : { system_fingerprint: completion.system_fingerprint }),
  };
  const chunk = (choice: ChatCompletionChunk['choices'][number]): ChatCompletionChunk => ({ ...base, choices: [choice] });
  const chunks: ChatCompletionChunk[] = [];
  for (const choice of completion.choices) {
    const { message } = choice;
    const toolCalls = message.tool_calls ?? [];
    let logprobs = typeof choice.logprobs === 'object' && choice.logprobs !== null ? choice.logprobs : undefined;
    // The logprobs go out once, on the first chunk that carries answer text (or the finish chunk).
    const takeLogprobs = (): { logprobs?: unknown } => {
      const taken = logprobs;
      logprobs = undefined;
      return taken === undefined ? {} : { logprobs: taken };
    };
    chunks.push(chunk({ index: choice.index, delta: { role: 'assistant', content: toolCalls.length > 0 && !message.content ? null : '' }, finish_reason: null }));
    const reasoning = message['reasoning_content'];
    const blocks = signedThinkingBlocks(message['thinking_blocks']);
    if (blocks) {
      // As an Anthropic stream comes: each thinking block's text (after a blank line between blocks),
      // then the whole block once signed; a redacted block whole.
      let thinking = 0;
      for (const block of blocks) {
        if (block.type === 'thinking') {
          const text = (thinking++ === 0 ? '' : '\n\n') + block.thinking;
          if (text !== '') chunks.push(chunk({ index: choice.index, delta: { reasoning_content: text }, finish_reason: null }));
        }
        chunks.push(chunk({ index: choice.index, delta: { thinking_blocks: [block] }, finish_reason: null }));
      }
    } else if (typeof reasoning === 'string' && reasoning !== '') chunks.push(chunk({ index: choice.index, delta: { reasoning_content: reasoning }, finish_reason: null }));
    if (message.content) chunks.push(chunk({ index: choice.index, delta: { content: message.content }, ...takeLogprobs(), finish_reason: null }));
    if (message.refusal) chunks.push(chunk({ index: choice.index, delta: { refusal: message.refusal }, ...takeLogprobs(), finish_reason: null }));
    toolCalls.forEach((call, index) => {
      const { id, type: _type, function: callFunction, ...extensions } = call;
      chunks.push(
        chunk({
          index: choice.index,
          delta: {
            tool_calls: [{ ...extensions, index, id, type: 'function', function: { name: callFunction?.name ?? '', arguments: callFunction?.arguments ?? '' } }],
          },
          finish_reason: null,
        }),
      );
    });
    chunks.push(chunk({ index: choice.index, delta: {}, ...takeLogprobs(), finish_reason: choice.finish_reason ?? 'stop' }));
  }
  return chunks;
}
