import { invalidProviderResponse } from '../../assistant-completion.ts';
import type { ChatCompletion } from '../../chat-completion-schemas.ts';
import type { ChatResult } from '../../provider-client.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import { cohereChatResponseSchema } from '../cohere-schemas.ts';
import { convertCohereUsage } from '../convert-cohere-usage.ts';
import { mapCohereFinishReason } from './map-cohere-finish-reason.ts';

/** Cohere ended the generation with `ERROR` or `TIMEOUT`: a provider failure, worth another try. */
export function cohereGenerationFailed(provider: string, finishReason: string): ProviderError {
  return new ProviderError({ provider, status: 502, code: `finish_reason_${finishReason.toLowerCase()}`, message: `Cohere ended the generation with finish_reason ${finishReason}`, retryable: true });
}

/**
 * Cohere's chat response → OpenAI's `chat.completion`: the text parts joined as `content`, thinking
 * parts as `reasoning_content`, `tool_calls` as they are, `tool_plan` kept on the message (sent back,
 * it returns to Cohere), the raw finish reason as `native_finish_reason`, usage from billed units.
 * @see https://docs.cohere.com/reference/chat#response
 */
export function convertCohereResponse(input: { provider: string; body: unknown; upstreamModel: string }, now: () => number = Date.now): ChatResult {
  const parsed = cohereChatResponseSchema.safeParse(input.body);
  if (!parsed.success) throw invalidProviderResponse(input.provider, 'Cohere chat response', parsed.error.issues[0]);
  const answer = parsed.data;
  const finish = mapCohereFinishReason(answer.finish_reason);
  if (finish.unified === undefined) throw cohereGenerationFailed(input.provider, finish.raw);
  const parts = answer.message.content ?? [];
  const text = parts.flatMap((part) => (part.type === 'text' && part.text !== undefined ? [part.text] : [])).join('');
  const thinking = parts.flatMap((part) => (part.type === 'thinking' && part.thinking !== undefined ? [part.thinking] : [])).join('\n\n');
  const toolCalls = (answer.message.tool_calls ?? []).map((call) => ({ id: call.id, type: 'function' as const, function: { name: call.function.name, arguments: call.function.arguments ?? '{}' } }));
  const usage = convertCohereUsage(answer.usage);
  const completion: ChatCompletion = {
    id: answer.id,
    object: 'chat.completion',
    created: Math.floor(now() / 1000),
    model: input.upstreamModel,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text === '' && toolCalls.length > 0 ? null : text,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          ...(answer.message.tool_plan ? { tool_plan: answer.message.tool_plan } : {}),
          ...(thinking !== '' ? { reasoning_content: thinking } : {}),
        },
        logprobs: null,
        finish_reason: finish.unified,
        native_finish_reason: finish.raw,
      },
    ],
    ...(usage.estimated ? {} : { usage: { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.totalTokens } }),
  };
  return { completion, usage };
}
