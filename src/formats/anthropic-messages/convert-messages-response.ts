import { signedThinkingBlocks, type ChatCompletion, type TokenUsage } from '../../providers/chat-completion-schemas.ts';
import { convertOpenAIUsage } from '../../providers/openai/chat/convert-openai-response.ts';
import { convertToMessageUsage } from './convert-to-message-usage.ts';
import { mapFinishReason } from './map-finish-reason.ts';
import type { AnthropicMessage, MessageContentBlock } from './message-response-schemas.ts';

export interface ConvertToMessageInput {
  /** The model the client asked for (Anthropic answers with the model of the request). */
  model: string;
  /** The gateway request id (`req_…`); the message id is `msg_` and the same suffix. */
  requestId: string;
  /**
   * The call's usage in the gateway's terms, when the caller has it: exact, cache writes included.
   * Without it the completion's own `usage` is read, where cache writes count as input.
   */
  usage?: TokenUsage | undefined;
  /** Receives a line for each thing of the completion the Message could not carry. */
  warnings?: string[] | undefined;
}

/**
 * The internal `chat.completion` → an Anthropic Message: the thinking first, then the text (and a
 * refusal, as text) as a `text` block, then each tool call as a `tool_use` block with its arguments
 * parsed. Only the first choice is read: Anthropic has no `n`.
 *
 * Claude's thinking (`message.thinking_blocks`, from an Anthropic provider) comes back block by block as
 * Anthropic sent it, signatures and redacted_thinking blocks included, so a client can send it back on
 * the next turn. Other reasoning (`message.reasoning_content`) is one `thinking` block with an empty
 * `signature`: there is none to give. Arguments that are not a JSON object (a provider's malformed
 * output) become `{}`, with a warning, rather than failing the answer.
 * @see https://docs.anthropic.com/en/api/messages#response
 */
export function convertToMessage(completion: ChatCompletion, input: ConvertToMessageInput): AnthropicMessage {
  const choice = completion.choices[0];
  const content: MessageContentBlock[] = [];
  const message = choice?.message;
  const thinkingBlocks = signedThinkingBlocks(message?.thinking_blocks);
  const reasoning = message?.['reasoning_content'];
  if (thinkingBlocks) content.push(...thinkingBlocks);
  else if (typeof reasoning === 'string' && reasoning !== '') content.push({ type: 'thinking', thinking: reasoning, signature: '' });
  const text = [message?.content, message?.refusal].filter((part): part is string => typeof part === 'string' && part !== '').join('\n\n');
  if (text !== '') content.push({ type: 'text', text });
  (message?.tool_calls ?? []).forEach((call, index) => {
    if (!call.function) {
      input.warnings?.push(`choices[0].message.tool_calls[${index}]: a "${call.type}" tool call has no Anthropic counterpart and was left out`);
      return;
    }
    content.push({ type: 'tool_use', id: call.id, name: call.function.name, input: toolInput(call.function.arguments, index, input.warnings) });
  });
  return {
    id: messageIdFor(input.requestId),
    type: 'message',
    role: 'assistant',
    model: input.model,
    content,
    stop_reason: mapFinishReason({
      finishReason: choice?.finish_reason,
      nativeFinishReason: choice?.['native_finish_reason'],
      hasToolCalls: content.some((block) => block.type === 'tool_use'),
    }),
    // Which stop sequence matched is not carried by the internal format.
    stop_sequence: null,
    usage: convertToMessageUsage(input.usage ?? convertOpenAIUsage(completion.usage)),
  };
}

/** `req_abc…` → `msg_abc…`: the answer's id names the request it answers. */
export function messageIdFor(requestId: string): string {
  return `msg_${requestId.replace(/^req_/, '')}`;
}

function toolInput(text: string, index: number, warnings: string[] | undefined): Record<string, unknown> {
  if (text.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // Reported below, as for a value that is not an object.
  }
  warnings?.push(`choices[0].message.tool_calls[${index}].function.arguments are not a JSON object; the tool_use input was sent as {}`);
  return {};
}
