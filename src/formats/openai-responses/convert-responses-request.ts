import { randomBytes } from 'node:crypto';
import type { ChatCompletionRequest, ChatMessage } from '../../providers/chat-completion-schemas.ts';
import { convertResponsesInput } from './convert-responses-input.ts';
import { convertResponsesTools } from './convert-responses-tools.ts';
import { UntranslatableResponsesRequest } from './openai-responses-errors.ts';
import { derivedItemId, type ItemIdPrefix } from './response-ids.ts';
import type { ResponseInputItem, ResponseItem, ResponsesInputItemParam, ResponsesRequest } from './responses-schemas.ts';

export type ResponsesRequestConversion = { ok: true; request: ChatCompletionRequest; warnings: string[]; inputItems: ResponseInputItem[] } | { ok: false; message: string; param: string };

export interface ConvertResponsesRequestOptions {
  /**
   * The id the response will have: input items without an id get ids derived from it (stable for
   * the same request). Without it they get random ids.
   */
  responseId?: string;
}

/**
 * Fields the gateway answers for itself rather than passing to the model: `metadata`, `store`,
 * `background` and `previous_response_id` shape the Response and its storage (the caller's part), and
 * `stream` picks the answer's encoding. None of them is a drop.
 */
const gatewayFields = new Set(['metadata', 'store', 'background', 'previous_response_id']);
const translatedFields = new Set([
  'model',
  'input',
  'instructions',
  'tools',
  'tool_choice',
  'text',
  'max_output_tokens',
  'temperature',
  'top_p',
  'reasoning',
  'stream',
  'parallel_tool_calls',
  'user',
  'safety_identifier',
  'prompt_cache_key',
  'service_tier',
]);

/** Fields that need state or features only OpenAI's platform has: refused, since dropping them changes the answer. */
function refuseUnsupportedState(request: ResponsesRequest): void {
  if (request['conversation'] != null) {
    throw new UntranslatableResponsesRequest('Conversations are not supported: chain responses with previous_response_id, or send the earlier items in input.', 'conversation');
  }
  if (request['prompt'] != null) {
    throw new UntranslatableResponsesRequest('Prompt templates are stored at OpenAI and cannot be resolved by the gateway: send instructions and input instead.', 'prompt');
  }
}

/** A warning for every field that is set and not carried to the model. */
function droppedFieldWarnings(request: ResponsesRequest): string[] {
  const warnings: string[] = [];
  const reasoning = request.reasoning ?? {};
  if (reasoning.summary != null) warnings.push('reasoning.summary: not carried; the reasoning text the provider returns (if any) is given as the summary');
  for (const [key, value] of Object.entries(reasoning)) {
    if (key !== 'effort' && key !== 'summary' && value != null) warnings.push(`reasoning.${key}: not supported; dropped`);
  }
  if (request.truncation === 'auto') warnings.push('truncation: "auto" is not supported; input longer than the context window fails as with "disabled"');
  if (request.include != null && request.include.length > 0) warnings.push(`include: ${request.include.join(', ')}: not supported; dropped`);
  if (request.top_logprobs != null) warnings.push('top_logprobs: not supported; dropped');
  if (request.stream_options?.include_obfuscation === true) warnings.push('stream_options.include_obfuscation: not supported; dropped');
  const handled = new Set([...gatewayFields, ...translatedFields, 'truncation', 'include', 'top_logprobs', 'stream_options']);
  for (const [key, value] of Object.entries(request)) {
    if (!handled.has(key) && value != null) warnings.push(`${key}: not supported; dropped`);
  }
  return warnings;
}

/** `text.format` as chat's `response_format`; plain text is the default and needs none. */
function responseFormat(format: NonNullable<ResponsesRequest['text']>['format']): ChatCompletionRequest['response_format'] {
  if (format === undefined || format.type === 'text') return undefined;
  if (format.type === 'json_object') return { type: 'json_object' };
  const { name, schema, strict, description } = format;
  return { type: 'json_schema', json_schema: { name, schema, ...(strict == null ? {} : { strict }), ...(description === undefined ? {} : { description }) } };
}

/** The request's settings that chat completions take as they are, or under another name. */
function chatSettings(request: ResponsesRequest): Partial<ChatCompletionRequest> {
  const settings: Partial<ChatCompletionRequest> = {};
  if (request.stream === true) settings.stream = true;
  if (request.temperature != null) settings.temperature = request.temperature;
  if (request.top_p != null) settings.top_p = request.top_p;
  if (request.max_output_tokens != null) settings.max_completion_tokens = request.max_output_tokens;
  if (request.parallel_tool_calls != null) settings.parallel_tool_calls = request.parallel_tool_calls;
  if (request.user != null) settings.user = request.user;
  if (request.safety_identifier != null) settings['safety_identifier'] = request.safety_identifier;
  if (request.prompt_cache_key != null) settings['prompt_cache_key'] = request.prompt_cache_key;
  if (request.service_tier != null) settings['service_tier'] = request.service_tier;
  if (request.reasoning?.effort != null) settings['reasoning_effort'] = request.reasoning.effort;
  if (request.text?.verbosity != null) settings['verbosity'] = request.text.verbosity;
  const format = responseFormat(request.text?.format);
  if (format !== undefined) settings.response_format = format;
  return settings;
}

/** Stored items of the `previous_response_id` chain; an item the gateway stored is one it translated, so a refusal here names the chain. */
function historyMessages(history: readonly ResponseItem[], warnings: string[]): ChatMessage[] {
  try {
    const context = { locate: () => 'previous_response_id', newItemId: (prefix: ItemIdPrefix) => `${prefix}_stored`, warnings };
    return convertResponsesInput(history, context).messages;
  } catch (error) {
    if (error instanceof UntranslatableResponsesRequest) throw new UntranslatableResponsesRequest(`An item of the previous response cannot be continued: ${error.message}`, 'previous_response_id');
    throw error;
  }
}

function convert(request: ResponsesRequest, history: readonly ResponseItem[], options: ConvertResponsesRequestOptions): ResponsesRequestConversion {
  refuseUnsupportedState(request);
  const warnings = droppedFieldWarnings(request);
  const { responseId } = options;
  const newItemId = (prefix: ItemIdPrefix, index: number) => (responseId === undefined ? `${prefix}_${randomBytes(24).toString('hex')}` : derivedItemId(prefix, responseId, `in:${index}`));
  const inputItems: readonly ResponsesInputItemParam[] = typeof request.input === 'string' ? [{ role: 'user', content: request.input }] : (request.input ?? []);
  const input = convertResponsesInput(inputItems, { locate: (index) => `input[${index}]`, newItemId, warnings });
  const messages: ChatMessage[] = [
    // Instructions open the context on every turn; those of a previous response are not carried over (OpenAI's rule too).
    ...(request.instructions ? [{ role: 'system' as const, content: request.instructions }] : []),
    ...historyMessages(history, warnings),
    ...input.messages,
  ];
  if (messages.length === 0) return { ok: false, message: 'input is required: a string, or a list of input items.', param: 'input' };
  const { tools, toolChoice } = convertResponsesTools(request, warnings);
  const chatRequest: ChatCompletionRequest = {
    model: request.model,
    messages,
    ...chatSettings(request),
    ...(tools === undefined ? {} : { tools }),
    ...(toolChoice === undefined ? {} : { tool_choice: toolChoice }),
  };
  return { ok: true, request: chatRequest, warnings: [...new Set(warnings)], inputItems: input.items };
}

/**
 * A Responses API request → the gateway's chat completion request, and its input as stored items.
 * `history` (the stored input and output items of the `previous_response_id` chain, loaded by the
 * caller) comes after `instructions` and before this request's input. `metadata` stays on the
 * Response (chat's `metadata` is OpenAI's stored-completion tag, not the model's business); every
 * other field that is set and not carried comes back as a warning. An item, part, tool or tool
 * choice the gateway cannot translate is refused with the parameter that holds it.
 * @see https://platform.openai.com/docs/api-reference/responses/create
 * @see https://platform.openai.com/docs/guides/conversation-state
 */
export function convertResponsesRequest(request: ResponsesRequest, history: readonly ResponseItem[] = [], options: ConvertResponsesRequestOptions = {}): ResponsesRequestConversion {
  try {
    return convert(request, history, options);
  } catch (error) {
    if (error instanceof UntranslatableResponsesRequest) return { ok: false, message: error.message, param: error.param };
    throw error;
  }
}
