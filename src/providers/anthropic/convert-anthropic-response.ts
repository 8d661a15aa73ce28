import { assistantCompletion, emptyAssistantParts, invalidProviderResponse } from '../assistant-completion.ts';
import { thinkingBlockOf } from '../chat-completion-schemas.ts';
import type { ChatResult } from '../provider-client.ts';
import { anthropicMessageResponseSchema, type AnthropicResponseBlock, type AnthropicResponseTextBlock, type AnthropicResponseToolUseBlock } from './anthropic-wire-schemas.ts';
import { convertAnthropicUsage } from './convert-anthropic-usage.ts';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.ts';

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
  if (!parsed.success) throw invalidProviderResponse(input.provider, 'Anthropic message', parsed.error.issues[0]);
  const answer = parsed.data;
  const warnings: string[] = [];
  const parts = emptyAssistantParts();
  for (const block of answer.content) {
    if (isText(block)) parts.texts.push(block.text);
    else if (isToolUse(block)) {
      parts.toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
    } else if (block.type === 'thinking' || block.type === 'redacted_thinking') {
      if (block.type === 'thinking' && typeof block['thinking'] === 'string') parts.reasoning.push(block['thinking']);
      const own = thinkingBlockOf(block);
      if (own) parts.thinkingBlocks.push(own);
    } else warnings.push(`a "${block.type}" content block in Anthropic's answer has no OpenAI counterpart and was left out`);
  }
  const finish = mapAnthropicStopReason(answer.stop_reason);
  if (!finish.known) warnings.push(`Anthropic's stop_reason "${finish.raw}" is unknown to the gateway and was reported as finish_reason "stop"`);
  const usage = convertAnthropicUsage(answer.usage);
  const completion = assistantCompletion({ id: answer.id, model: answer.model, created: Math.floor(now() / 1000), parts, finish, usage });
  return warnings.length > 0 ? { completion, usage, warnings } : { completion, usage };
}

function isText(block: AnthropicResponseBlock): block is AnthropicResponseTextBlock {
  return block.type === 'text';
}

function isToolUse(block: AnthropicResponseBlock): block is AnthropicResponseToolUseBlock {
  return block.type === 'tool_use';
}
