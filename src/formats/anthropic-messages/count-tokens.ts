import { countChatRequestTokens } from '../../tokens/count-request-tokens.ts';
import type { TokenCounting } from '../../tokens/token-families.ts';
import { convertMessagesRequest } from './convert-messages-request.ts';
import type { MessagesCountTokensRequest } from './messages-schemas.ts';

export type CountMessageTokensResult = { ok: true; input_tokens: number } | { ok: false; message: string; param: string };

/**
 * `POST /v1/messages/count_tokens`: the input tokens of a Messages request, as the gateway counts them
 * before a call (`countChatRequestTokens`): the request is converted as for a call (so what the call
 * would refuse is refused here too), then its messages, tool definitions and earlier tool calls are
 * counted with the tokenizer of the model's family (`counting`: for Claude, `o200k_base` times the
 * family's factor), images at a fixed estimate. An approximation of the provider's own count.
 * @see https://docs.anthropic.com/en/api/messages-count-tokens
 */
export function countMessageTokens(request: MessagesCountTokensRequest, counting: TokenCounting): CountMessageTokensResult {
  // The count takes no max_tokens; any value converts the prompt the same.
  const converted = convertMessagesRequest({ ...request, max_tokens: 1 });
  if (!converted.ok) return converted;
  return { ok: true, input_tokens: countChatRequestTokens(converted.request, counting) };
}
