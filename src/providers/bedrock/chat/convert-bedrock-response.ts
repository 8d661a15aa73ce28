import type { ChatCompletion, ThinkingBlock } from '../../chat-completion-schemas.ts';
import type { ChatResult } from '../../provider-client.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import { bedrockConverseResponseSchema } from '../bedrock-wire-schemas.ts';
import { convertBedrockUsage } from './convert-bedrock-usage.ts';
import { mapBedrockStopReason } from './map-bedrock-stop-reason.ts';

type ToolCall = NonNullable<ChatCompletion['choices'][number]['message']['tool_calls']>[number];

/**
 * A Converse answer → OpenAI's `chat.completion`: one choice whose content is the text blocks joined,
 * `toolUse` blocks as `tool_calls`, Converse's `stopReason` kept beside the finish reason as
 * `native_finish_reason`. Reasoning (Claude's thinking on Bedrock) comes back as
 * `message.reasoning_content`, and block by block, signed, as `message.thinking_blocks`, for the client
 * to send back. Converse answers carry no id: the completion's is the gateway request's.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_ResponseSyntax
 */
export function convertBedrockResponse(input: { provider: string; body: unknown; upstreamModel: string; requestId: string }, now: () => number = Date.now): ChatResult {
  const parsed = bedrockConverseResponseSchema.safeParse(input.body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ProviderError({
      provider: input.provider,
      status: 502,
      code: 'invalid_provider_response',
      message: `provider returned an unexpected Converse answer: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`,
      retryable: false,
    });
  }
  const answer = parsed.data;
  const warnings: string[] = [];
  const texts: string[] = [];
  const reasoning: string[] = [];
  const thinkingBlocks: ThinkingBlock[] = [];
  const toolCalls: ToolCall[] = [];
  for (const block of answer.output.message.content) {
    if (typeof block.text === 'string') texts.push(block.text);
    else if (block.toolUse) {
      const { toolUseId, name, input: arguments_ } = block.toolUse;
      toolCalls.push({ id: toolUseId, type: 'function', function: { name, arguments: JSON.stringify(arguments_ ?? {}) } });
    } else if (block.reasoningContent?.reasoningText) {
      const { text, signature } = block.reasoningContent.reasoningText;
      reasoning.push(text);
      if (signature) thinkingBlocks.push({ type: 'thinking', thinking: text, signature });
    } else if (block.reasoningContent?.redactedContent) thinkingBlocks.push({ type: 'redacted_thinking', data: block.reasoningContent.redactedContent });
    else warnings.push(`a "${Object.keys(block).join(',')}" content block in Bedrock's answer has no OpenAI counterpart and was left out`);
  }
  const finish = mapBedrockStopReason(answer.stopReason);
  if (!finish.known) warnings.push(`Bedrock's stopReason "${finish.raw}" is unknown to the gateway and was reported as finish_reason "stop"`);
  const usage = convertBedrockUsage(answer.usage);
  const completion: ChatCompletion = {
    id: `chatcmpl-${input.requestId}`,
    object: 'chat.completion',
    created: Math.floor(now() / 1000),
    model: input.upstreamModel,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: texts.length > 0 ? texts.join('') : null,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          ...(reasoning.length > 0 ? { reasoning_content: reasoning.join('\n\n') } : {}),
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
