import { anthropicOnlySettingsSchema, type ChatCompletionRequest } from '../chat-completion-schemas.ts';
import { droppedFields } from '../dropped-settings.ts';
import type { BuildChatRequestInput, WireRequest } from '../provider-client.ts';
import { anthropicRequestError } from './anthropic-request-error.ts';
import type { AnthropicMessagesRequest, AnthropicTextBlock } from './anthropic-wire-schemas.ts';
import { convertToAnthropicMessages } from './convert-to-anthropic-messages.ts';
import { convertToAnthropicTools } from './convert-to-anthropic-tools.ts';
import { emulateJsonMode } from './emulate-json-mode.ts';

/** The part of an `anthropic` provider's config the request needs (see `anthropicProviderSchema`). */
export interface AnthropicRequestSettings {
  apiKey?: string | undefined;
  headers: Record<string, string>;
  /** The `anthropic-version` header. */
  anthropicVersion: string;
  /** `max_tokens` when the client sends neither `max_completion_tokens` nor `max_tokens`. */
  defaultMaxTokens: number;
}

/** Fields this converter translates (or, for `stream`, that the API has already dealt with). */
const translatedFields = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'n',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'user',
  'safety_identifier',
  // Anthropic's own sampling and thinking settings, passed through when a client sends them.
  'top_k',
  'thinking',
  // The same, as the Messages API format at the edge carries them (every other adapter drops this key).
  'anthropic',
]);

/**
 * An OpenAI chat request → `POST /messages` in Anthropic's Messages format; the Anthropic-only settings
 * of a Messages API request (`anthropic`) are sent too, its betas in the `anthropic-beta` header.
 * Settings Anthropic cannot honour are dropped and reported in `warnings`; a request it cannot carry out as asked (`n` > 1,
 * audio input) is refused with a 400 before any call.
 * @see https://docs.anthropic.com/en/api/messages
 */
export function convertToAnthropicRequest(input: { request: ChatCompletionRequest; upstreamModel: string; config: AnthropicRequestSettings; requestId: string }): WireRequest {
  const { request, config } = input;
  if (typeof request.n === 'number' && request.n > 1) {
    throw anthropicRequestError({
      param: 'n',
      code: 'unsupported_parameter',
      message: `n = ${request.n} is not supported by Anthropic, which returns one choice per request; send ${request.n} requests instead.`,
    });
  }
  const conversation = convertToAnthropicMessages(request.messages);
  const warnings = [...conversation.warnings];
  const jsonMode = emulateJsonMode(request.response_format);
  const system: AnthropicTextBlock[] = [...conversation.system, ...(jsonMode ? [{ type: 'text' as const, text: jsonMode.instruction }] : [])];
  if (jsonMode) warnings.push(jsonMode.warning);
  const tools = convertToAnthropicTools(request);
  warnings.push(...tools.warnings);

  const body: AnthropicMessagesRequest = {
    model: input.upstreamModel,
    max_tokens: request.max_completion_tokens ?? request.max_tokens ?? config.defaultMaxTokens,
    messages: conversation.messages,
  };
  if (system.length > 0) body.system = system.some((block) => block.cache_control) ? system : system.map((block) => block.text).join('\n\n');
  if (typeof request.temperature === 'number') {
    if (request.temperature > 1) warnings.push(`temperature ${request.temperature} was clamped to 1, the top of Anthropic's range (0–1)`);
    body.temperature = Math.min(request.temperature, 1);
  }
  if (typeof request.top_p === 'number') body.top_p = request.top_p;
  const stop = typeof request.stop === 'string' ? [request.stop] : (request.stop ?? []);
  if (stop.length > 0) body.stop_sequences = stop;
  if (tools.tools) body.tools = tools.tools;
  if (tools.toolChoice) body.tool_choice = tools.toolChoice;
  const userId = request.user ?? (typeof request['safety_identifier'] === 'string' ? request['safety_identifier'] : undefined);
  if (userId) body.metadata = { user_id: userId };
  const own = typeof request['anthropic'] === 'object' && request['anthropic'] !== null ? (request['anthropic'] as Record<string, unknown>) : {};
  const topK = own['top_k'] ?? request['top_k'];
  if (typeof topK === 'number') body.top_k = topK;
  else if (topK !== undefined && topK !== null) warnings.push('top_k must be a number and was dropped');
  const thinking = own['thinking'] ?? request['thinking'];
  if (thinking !== undefined && thinking !== null) body.thinking = thinking;

  for (const field of droppedFields(request, translatedFields)) warnings.push(`${field} is not supported by Anthropic and was dropped`);

  const betas = anthropicOnlySettingsSchema.shape.betas.safeParse(own['betas']);
  if (!betas.success) warnings.push('anthropic.betas must be a list of beta names (letters, digits, ".", "_", "-") and were not sent');
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    'anthropic-version': config.anthropicVersion,
    ...withBetas(config.headers, betas.success ? (betas.data ?? []) : []),
  };
  if (config.apiKey) headers['x-api-key'] = config.apiKey;
  return { path: '/messages', headers, body, ...(warnings.length > 0 ? { warnings } : {}) };
}

/**
 * The configured headers with the client's betas (its `anthropic-beta` header, through the Messages API)
 * added to the configured `anthropic-beta`, whatever its case: one comma-separated header, each beta once.
 * @see https://docs.anthropic.com/en/api/beta-headers
 */
function withBetas(configured: Readonly<Record<string, string>>, betas: readonly string[]): Record<string, string> {
  if (betas.length === 0) return { ...configured };
  const headers: Record<string, string> = {};
  const merged: string[] = [];
  for (const [name, value] of Object.entries(configured)) {
    if (name.toLowerCase() === 'anthropic-beta') merged.push(...value.split(',').map((beta) => beta.trim()));
    else headers[name] = value;
  }
  headers['anthropic-beta'] = [...new Set([...merged, ...betas].filter((beta) => beta !== ''))].join(',');
  return headers;
}

/**
 * The streamed variant: the same request with `"stream": true`, which Anthropic answers with
 * server-sent events (see `convert-anthropic-stream.ts`).
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */
export function convertToAnthropicStreamRequest(input: BuildChatRequestInput<AnthropicRequestSettings>): WireRequest {
  const wire = convertToAnthropicRequest(input);
  const body: AnthropicMessagesRequest = { ...(wire.body as AnthropicMessagesRequest), stream: true };
  return { ...wire, headers: { ...wire.headers, accept: 'text/event-stream' }, body };
}
