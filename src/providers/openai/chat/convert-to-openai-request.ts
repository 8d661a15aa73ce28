import type { ChatCompletionRequest, ChatMessage } from '../../chat-completion-schemas.ts';
import type { BuildChatRequestInput, WireRequest } from '../../provider-client.ts';

export interface OpenAIRequestSettings {
  apiKey?: string | undefined;
  headers: Record<string, string>;
}

/**
 * The client's body as sent (unknown fields included, every value untouched), with the route's upstream
 * model. `stream` and `stream_options` are dropped: whether the call streams is the gateway's choice
 * (see {@link withStreaming}), not the client's. So is `anthropic`, the Anthropic-only settings of a
 * Messages API request (see {@link anthropicOnlyWarnings}), and so are assistant messages'
 * `thinking_blocks`, Claude's signed thinking, which only Anthropic reads.
 */
export function openAIRequestBody(request: ChatCompletionRequest, upstreamModel: string): Record<string, unknown> {
  const { stream: _stream, stream_options: _streamOptions, anthropic, ...rest } = request;
  // No warning for thinking_blocks: they are an earlier turn's reasoning, which OpenAI's format has no
  // place for and the model does not need to answer; that turn's text and tool calls still go.
  const messages = rest.messages.some((message) => 'thinking_blocks' in message) ? rest.messages.map(withoutThinkingBlocks) : rest.messages;
  if (typeof anthropic === 'object' && anthropic !== null && (anthropic as Record<string, unknown>)['cache_control'] === true) {
    return { ...rest, messages: messages.map(withoutCacheControl), ...(rest.tools ? { tools: rest.tools.map(withoutCacheControl) } : {}), model: upstreamModel };
  }
  return { ...rest, messages, model: upstreamModel };
}

function withoutThinkingBlocks(message: ChatMessage): ChatMessage {
  if (!('thinking_blocks' in message)) return message;
  const { thinking_blocks: _thinkingBlocks, ...rest } = message;
  return rest;
}

/** A message (its content parts) or a tool without Anthropic's `cache_control` breakpoints. */
function withoutCacheControl<Item extends object>(item: Item): Item {
  const { cache_control: _own, ...rest } = item as Item & { cache_control?: unknown };
  const content = (rest as { content?: unknown }).content;
  if (!Array.isArray(content)) return rest as Item;
  return { ...rest, content: content.map((part: unknown) => (typeof part === 'object' && part !== null ? withoutCacheControl(part) : part)) } as Item;
}

/** What is said of an Anthropic-only setting left out, where `<field> … was not sent` would not say it. */
const anthropicOnlyWarningFor: Readonly<Record<string, string>> = {
  betas: 'the anthropic-beta header applies to Anthropic models only and was not forwarded',
};

/** The Anthropic-only settings a Messages API request carried (`thinking`, `top_k`, betas), dropped here: one warning each. */
export function anthropicOnlyWarnings(request: ChatCompletionRequest): string[] | undefined {
  const own = request['anthropic'];
  if (typeof own !== 'object' || own === null) return undefined;
  const fields = Object.keys(own);
  return fields.length > 0 ? fields.map((field) => anthropicOnlyWarningFor[field] ?? `${field} applies to Anthropic models only and was not sent`) : undefined;
}

export interface StreamingSettings {
  /**
   * Ask for the usage chunk with `stream_options.include_usage`. Off for a server that refuses
   * `stream_options` (it then sends no `stream_options` at all, the client's included).
   */
  includeUsage: boolean;
}

/**
 * A body from {@link openAIRequestBody} turned into a streamed call: `stream: true`, and usage always
 * asked for, since the gateway bills every call; whether the client sees a usage chunk is decided by
 * the gateway from the client's own `stream_options`, which therefore cannot switch it off here. The
 * client's other stream options (e.g. `include_obfuscation`) are kept.
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-stream_options
 */
export function withStreaming(body: Readonly<Record<string, unknown>>, request: ChatCompletionRequest, settings: StreamingSettings): Record<string, unknown> {
  if (!settings.includeUsage) return { ...body, stream: true };
  return { ...body, stream: true, stream_options: { ...request.stream_options, include_usage: true } };
}

/** JSON in and out, the gateway request id, the configured extra headers, and Bearer auth when a key is set. */
export function openAIRequestHeaders(config: OpenAIRequestSettings, requestId: string): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    'x-client-request-id': requestId,
    ...config.headers,
  };
  if (config.apiKey) headers['authorization'] = `Bearer ${config.apiKey}`;
  return headers;
}

/** @see https://platform.openai.com/docs/api-reference/chat/create */
export function convertToOpenAIRequest(input: BuildChatRequestInput<OpenAIRequestSettings>): WireRequest {
  const warnings = anthropicOnlyWarnings(input.request);
  return {
    path: '/chat/completions',
    headers: openAIRequestHeaders(input.config, input.requestId),
    body: openAIRequestBody(input.request, input.upstreamModel),
    ...(warnings ? { warnings } : {}),
  };
}

/** The same call, streamed, with the usage chunk asked for. @see https://platform.openai.com/docs/api-reference/chat-streaming */
export function convertToOpenAIStreamRequest(input: BuildChatRequestInput<OpenAIRequestSettings>): WireRequest {
  const body = openAIRequestBody(input.request, input.upstreamModel);
  const warnings = anthropicOnlyWarnings(input.request);
  return {
    path: '/chat/completions',
    headers: openAIRequestHeaders(input.config, input.requestId),
    body: withStreaming(body, input.request, { includeUsage: true }),
    ...(warnings ? { warnings } : {}),
  };
}
