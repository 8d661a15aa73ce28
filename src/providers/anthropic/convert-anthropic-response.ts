import { thinkingBlockOf, type ChatCompletion, type ThinkingBlock } from '../chat-completion-schemas.ts';
import type { ChatResult } from '../provider-client.ts';
import { ProviderError } from '../../errors/provider-error.ts';
import { anthropicMessageResponseSchema, type AnthropicResponseBlock, type AnthropicResponseTextBlock, type AnthropicResponseToolUseBlock } from './anthropic-wire-schemas.ts';
import { convertAnthropicUsage } from './convert-anthropic-usage.ts';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.ts';

type ToolCall = NonNullable<ChatCompletion['choices'][number]['message']['tool_calls']>[number];

/**
 * An Anthropic message → OpenAI's `chat.completion`: one choice whose content is the text blocks
 * joined, `tool_use` blocks as `tool_calls`, Anthropic's `msg_…` id and model kept. The choice also
 * carries `native_finish_reason`, Anthropic's own `stop_reason` (as OpenRouter does), because the
 * mapping onto OpenAI's four reasons loses detail. Extended thinking, when the client turned it on,
 * is returned as `message.reasoning_content` (the texts joined) and block by block, signatures and
 * redacted_thinking blocks included, as `message.thinking_blocks`, for the client to send back.
 * @see https://docs.anthropic.com/en/api/messages#response
 */
export function convertAnthropicResponse(input: { provider: string; body: unknown }, now: () => number = Date.now): ChatResult {
  const parsed = anthropicMessageResponseSchema.safeParse(input.body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ProviderError({
      provider: input.provider,
      status: 502,
      code: 'invalid_provider_response',
      message: `provider returned an unexpected Anthropic message: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`,
      retryable: false,
    });
  }
  const answer = parsed.data;
  const warnings: string[] = [];
  const texts: string[] = [];
  const thinking: string[] = [];
  const thinkingBlocks: ThinkingBlock[] = [];
  const toolCalls: ToolCall[] = [];
  for (const block of answer.content) {
    if (isText(block)) texts.push(block.text);
    else if (isToolUse(block)) {
      toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
    } else if (block.type === 'thinking' || block.type === 'redacted_thinking') {
      if (block.type === 'thinking' && typeof block['thinking'] === 'string') thinking.push(block['thinking']);
      const own = thinkingBlockOf(block);
      if (own) thinkingBlocks.push(own);
    } else warnings.push(`a "${block.type}" content block in Anthropic's answer has no OpenAI counterpart and was left out`);
  }
  const finish = mapAnthropicStopReason(answer.stop_reason);
  if (!finish.known) warnings.push(`Anthropic's stop_reason "${finish.raw}" is unknown to the gateway and was reported as finish_reason "stop"`);
  const usage = convertAnthropicUsage(answer.usage);

  const completion: ChatCompletion = {
    id: answer.id,
    object: 'chat.completion',
    created: Math.floor(now() / 1000),
    model: answer.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: texts.length > 0 ? texts.join('') : null,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          ...(thinking.length > 0 ? { reasoning_content: thinking.join('\n\n') } : {}),
          ...(thinkingBlocks.length > 0 ? { thinking_blocks: thinkingBlocks } : {}),
        },
        logprobs: null,
        finish_reason: finish.unified,
        native_finish_reason: finish.raw,
      },
    ],
    ...(usage.estimated
      ? {}
      : {
          usage: {
            prompt_tokens: usage.promptTokens,
            completion_tokens: usage.completionTokens,
            total_tokens: usage.totalTokens,
            prompt_tokens_details: { cached_tokens: usage.cachedPromptTokens ?? 0 },
          },
        }),
  };
  return warnings.length > 0 ? { completion, usage, warnings } : { completion, usage };
}

function isText(block: AnthropicResponseBlock): block is AnthropicResponseTextBlock {
  return block.type === 'text';
}

function isToolUse(block: AnthropicResponseBlock): block is AnthropicResponseToolUseBlock {
  return block.type === 'tool_use';
}
