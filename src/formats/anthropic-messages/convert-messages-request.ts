import type { AnthropicOnlySettings, ChatCompletionRequest } from '../../providers/chat-completion-schemas.ts';
import { convertMessagesConversation } from './convert-messages-content.ts';
import { convertMessagesTools } from './convert-messages-tools.ts';
import { MessagesConversionRefusal } from './messages-conversion-refusal.ts';
import type { MessagesRequest, MessagesThinking } from './messages-schemas.ts';

/** The request headers the conversion reads, as the HTTP layer has them. */
export interface MessagesRequestHeaders {
  /** `anthropic-beta`: comma-separated betas; a repeated header arrives joined or as a list. */
  anthropicBeta?: string | readonly string[] | undefined;
}

export type ConvertMessagesResult = { ok: true; request: ChatCompletionRequest; warnings: string[] } | { ok: false; message: string; param: string };

/** Request fields this converter carries (or reports on itself); any other one set is reported as dropped. */
const handledFields = new Set([
  'model',
  'max_tokens',
  'messages',
  'system',
  'tools',
  'tool_choice',
  'stop_sequences',
  'temperature',
  'top_p',
  'top_k',
  'metadata',
  'stream',
  'thinking',
  'service_tier',
]);

/** OpenAI's limit on `stop`, which the gateway's chat schema holds every provider to. */
const maxStopSequences = 4;

/**
 * An Anthropic Messages request → the gateway's internal chat request, to run through the same pipeline
 * on any provider. `max_tokens` becomes `max_completion_tokens` (the field every adapter reads, and the
 * only one OpenAI's reasoning models take); `stop_sequences` → `stop`; `metadata.user_id` → `user`.
 *
 * `top_k`, `thinking` and the betas of the `anthropic-beta` header go under the request's `anthropic` key:
 * the Anthropic adapter sends them on as they are, every other adapter leaves the key out with a warning
 * (an OpenAI endpoint would refuse fields it does not know). `thinking` also
 * sets OpenAI's `reasoning_effort` from its budget, for providers that reason by effort rather than by
 * budget. Every field or block part not carried becomes a warning; what cannot be carried out as asked
 * is refused with the param at fault.
 * @see https://docs.anthropic.com/en/api/messages
 */
export function convertMessagesRequest(request: MessagesRequest, headers: MessagesRequestHeaders = {}): ConvertMessagesResult {
  try {
    const warnings: string[] = [];
    return { ok: true, request: convert(request, anthropicBetasOf(headers.anthropicBeta), warnings), warnings };
  } catch (error) {
    if (error instanceof MessagesConversionRefusal) return { ok: false, message: error.message, param: error.param };
    throw error;
  }
}

function convert(request: MessagesRequest, betas: string[], warnings: string[]): ChatCompletionRequest {
  const messages = convertMessagesConversation({ system: request.system, messages: request.messages }, warnings);
  if (!messages.some((message) => message.role !== 'system')) {
    throw new MessagesConversionRefusal('messages', 'The request has no message left to send once thinking history is set aside.');
  }
  const chat: ChatCompletionRequest = { model: request.model, messages, max_completion_tokens: request.max_tokens };
  if (request.stream === true) chat.stream = true;
  if (request.temperature !== undefined) chat.temperature = request.temperature;
  if (request.top_p !== undefined) chat.top_p = request.top_p;
  // Anthropic's own settings go under `anthropic`: the Anthropic adapter reads them, every other drops the key.
  const anthropic: AnthropicOnlySettings = {};
  if (request.top_k !== undefined) anthropic.top_k = request.top_k;

  const stop = request.stop_sequences ?? [];
  if (stop.length > maxStopSequences) {
    throw new MessagesConversionRefusal('stop_sequences', `At most ${maxStopSequences} stop_sequences are supported by the gateway (${stop.length} were sent).`);
  }
  if (stop.length > 0) chat.stop = [...stop];

  if (request.metadata) {
    const { user_id: userId, ...otherMetadata } = request.metadata;
    if (typeof userId === 'string' && userId !== '') chat.user = userId;
    for (const field of Object.keys(otherMetadata)) warnings.push(`metadata.${field} is not supported by the gateway and was dropped`);
  }

  Object.assign(chat, convertMessagesTools({ tools: request.tools, toolChoice: request.tool_choice }, warnings));

  if (request.thinking) {
    anthropic.thinking = request.thinking;
    const effort = reasoningEffortFor(request.thinking);
    if (effort) chat['reasoning_effort'] = effort;
  }

  // Prompt-caching breakpoints kept on text parts and tools: other adapters take them out.
  if (JSON.stringify([chat.messages, chat.tools ?? null]).includes('"cache_control"')) anthropic.cache_control = true;
  if (betas.length > 0) anthropic.betas = betas;
  if (Object.keys(anthropic).length > 0) chat['anthropic'] = anthropic;
  if (request.service_tier !== undefined) warnings.push('service_tier is not carried by the gateway and was dropped; the provider uses its default tier');
  for (const [field, value] of Object.entries(request)) {
    if (!handledFields.has(field) && value !== undefined && value !== null) warnings.push(`${field} is not supported by the gateway and was dropped`);
  }
  return chat;
}

/**
 * A thinking budget as OpenAI's `reasoning_effort`: 16,000 tokens or more is `high`, 4,000 or more
 * `medium`, less `low`. Disabled thinking sets none (reasoning models then use their default), and so
 * does adaptive thinking, which leaves the amount to the model.
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-reasoning_effort
 */
export function reasoningEffortFor(thinking: MessagesThinking): 'low' | 'medium' | 'high' | undefined {
  if (thinking.type !== 'enabled') return undefined;
  if (thinking.budget_tokens >= 16_000) return 'high';
  if (thinking.budget_tokens >= 4_000) return 'medium';
  return 'low';
}

/**
 * The betas an `anthropic-beta` header names, each once, in order: the header is a comma-separated list
 * and may be repeated (Node joins repeated headers with ", ").
 * @see https://docs.anthropic.com/en/api/beta-headers
 */
export function anthropicBetasOf(header: string | readonly string[] | undefined): string[] {
  const values = header === undefined ? [] : typeof header === 'string' ? [header] : header;
  const betas = values.flatMap((value) => value.split(',')).map((beta) => beta.trim());
  return [...new Set(betas.filter((beta) => beta !== ''))];
}
