import { convertOpenAIResponse } from '../../openai/chat/convert-openai-response.ts';
import type { ChatResult } from '../../provider-client.ts';

/**
 * Azure answers OpenAI's `chat.completion` plus its content filter results (`prompt_filter_results` on
 * the completion, `content_filter_results` on each choice), which reach the client untouched. A choice
 * whose output was filtered (`finish_reason: "content_filter"`) may come without `content`; it is read as
 * `null`, as OpenAI would send it, instead of failing the whole answer.
 * @see https://learn.microsoft.com/azure/ai-services/openai/concepts/content-filter
 */
export function convertAzureResponse(input: { provider: string; body: unknown; upstreamModel: string }): ChatResult {
  return convertOpenAIResponse({ provider: input.provider, body: withDefaults(input.body, input.upstreamModel) });
}

function withDefaults(body: unknown, upstreamModel: string): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const completion: Record<string, unknown> = { object: 'chat.completion', model: upstreamModel, ...body };
  const choices = completion['choices'];
  if (Array.isArray(choices)) {
    completion['choices'] = choices.map((choice: unknown) => {
      if (typeof choice !== 'object' || choice === null || !('message' in choice)) return choice;
      const message = choice.message;
      if (typeof message !== 'object' || message === null || 'content' in message) return choice;
      return { ...choice, message: { ...message, content: null } };
    });
  }
  return completion;
}
