import { estimateRequestTokens, estimateTokens } from '../../providers/estimate-usage.ts';
import { convertMessagesRequest } from './convert-messages-request.ts';
import type { MessagesCountTokensRequest } from './messages-schemas.ts';

export type CountMessageTokensResult = { ok: true; input_tokens: number } | { ok: false; message: string; param: string };

/**
 * `POST /v1/messages/count_tokens`: the input tokens of a Messages request. An ESTIMATE, not a
 * tokenizer's count: the request is converted as for a call (so what the call would refuse is refused
 * here too), its text counted by the gateway's rule of about four characters a token
 * (`estimateRequestTokens`), plus the tools' definitions and earlier tool calls' arguments by the same
 * rule. Images and documents add nothing. The provider, which is chosen only when a call is routed,
 * may count differently.
 * @see https://docs.anthropic.com/en/api/messages-count-tokens
 */
export function countMessageTokens(request: MessagesCountTokensRequest): CountMessageTokensResult {
  // The count takes no max_tokens; any value converts the prompt the same.
  const converted = convertMessagesRequest({ ...request, max_tokens: 1 });
  if (!converted.ok) return converted;
  const chat = converted.request;
  const tools = chat.tools && chat.tools.length > 0 ? estimateTokens(JSON.stringify(chat.tools)) : 0;
  const toolCalls = chat.messages.reduce((sum, message) => sum + (message.role === 'assistant' && message.tool_calls ? estimateTokens(JSON.stringify(message.tool_calls)) : 0), 0);
  return { ok: true, input_tokens: estimateRequestTokens(chat) + tools + toolCalls };
}
