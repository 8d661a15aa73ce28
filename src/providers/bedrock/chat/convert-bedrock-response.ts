import { assistantCompletion, emptyAssistantParts, invalidProviderResponse } from '../../assistant-completion.ts';
import type { ChatResult } from '../../provider-client.ts';
import { bedrockConverseResponseSchema } from '../bedrock-wire-schemas.ts';
import { convertBedrockUsage } from './convert-bedrock-usage.ts';
import { mapBedrockStopReason } from './map-bedrock-stop-reason.ts';

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
  if (!parsed.success) throw invalidProviderResponse(input.provider, 'Converse answer', parsed.error.issues[0]);
  const answer = parsed.data;
  const warnings: string[] = [];
  const parts = emptyAssistantParts();
  for (const block of answer.output.message.content) {
    if (typeof block.text === 'string') parts.texts.push(block.text);
    else if (block.toolUse) {
      const { toolUseId, name, input: arguments_ } = block.toolUse;
      parts.toolCalls.push({ id: toolUseId, type: 'function', function: { name, arguments: JSON.stringify(arguments_ ?? {}) } });
    } else if (block.reasoningContent?.reasoningText) {
      const { text, signature } = block.reasoningContent.reasoningText;
      parts.reasoning.push(text);
      if (signature) parts.thinkingBlocks.push({ type: 'thinking', thinking: text, signature });
    } else if (block.reasoningContent?.redactedContent) parts.thinkingBlocks.push({ type: 'redacted_thinking', data: block.reasoningContent.redactedContent });
    else warnings.push(`a "${Object.keys(block).join(',')}" content block in Bedrock's answer has no OpenAI counterpart and was left out`);
  }
  const finish = mapBedrockStopReason(answer.stopReason);
  if (!finish.known) warnings.push(`Bedrock's stopReason "${finish.raw}" is unknown to the gateway and was reported as finish_reason "stop"`);
  const usage = convertBedrockUsage(answer.usage);
  const completion = assistantCompletion({ id: `chatcmpl-${input.requestId}`, model: input.upstreamModel, created: Math.floor(now() / 1000), parts, finish, usage });
  return warnings.length > 0 ? { completion, usage, warnings } : { completion, usage };
}
