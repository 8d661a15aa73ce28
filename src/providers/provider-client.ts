import type { ChatCompletion, ChatCompletionRequest, TokenUsage } from './chat-completion-schemas.ts';
import type { ChatCompletionChunk, StreamTranslator, StreamTranslatorInput } from './chat-stream.ts';

export interface ChatCallContext {
  /** The model name the provider expects (the route's `model`). */
  upstreamModel: string;
  /** The gateway request id, forwarded where the provider accepts one. */
  requestId: string;
  /** The caller's W3C `traceparent` (validated), sent on as a header by HTTP providers. */
  traceparent?: string;
  signal?: AbortSignal;
}

/** The wire request's headers plus the caller's trace context, unless the provider's config sets its own. */
export function withTraceContext(headers: Record<string, string>, context: Pick<ChatCallContext, 'traceparent'>): Record<string, string> {
  if (context.traceparent === undefined || Object.keys(headers).some((name) => name.toLowerCase() === 'traceparent')) return headers;
  return { ...headers, traceparent: context.traceparent };
}

export interface ChatResult {
  /** OpenAI-shaped, whatever the provider's wire format. */
  completion: ChatCompletion;
  usage: TokenUsage;
  /** Settings of the request the provider could not honour (logged and stored with the job). */
  warnings?: string[];
}

/** One configured provider instance, ready to call. The I/O side of an adapter. */
export interface ProviderClient {
  readonly name: string;
  readonly type: string;
  chat(request: ChatCompletionRequest, context: ChatCallContext): Promise<ChatResult>;
  /**
   * The same call, streamed: `onChunks` receives the OpenAI chunks as they arrive (never usage
   * chunks); the promise resolves with the whole answer assembled from them and the usage, or
   * rejects with a `ProviderError` (also after chunks went out: the caller knows whether any did).
   */
  chatStream(request: ChatCompletionRequest, context: ChatCallContext, onChunks: (chunks: ChatCompletionChunk[]) => void): Promise<ChatResult>;
  close(): Promise<void>;
}

/** An outgoing HTTP call, built by a wire format's pure request converter. */
export interface WireRequest {
  /** Path relative to the provider's baseUrl, e.g. `/chat/completions` (may carry a query string). */
  path: string;
  headers: Record<string, string>;
  body: unknown;
  /** Settings the wire format cannot express: dropped, and reported rather than silently lost. */
  warnings?: string[];
}

export interface WireErrorInput {
  provider: string;
  status: number;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: unknown;
}

export interface BuildChatRequestInput<Config> {
  request: ChatCompletionRequest;
  upstreamModel: string;
  config: Config;
  requestId: string;
}

/**
 * The pure half of an HTTP adapter: no fetch, Redis or logger inside. Native batch hooks join this
 * interface in their issue.
 */
export interface HttpWireFormat<Config> {
  readonly type: string;
  buildChatRequest(input: BuildChatRequestInput<Config>): WireRequest;
  parseChatResponse(input: { provider: string; body: unknown; upstreamModel: string; requestId: string }): ChatResult;
  parseError(input: WireErrorInput): import('./provider-error.ts').ProviderError;
  /**
   * The streamed variant of {@link buildChatRequest}: the provider's streaming endpoint or flag, with
   * usage asked for where the provider only sends it on request (OpenAI `stream_options.include_usage`).
   */
  buildStreamRequest(input: BuildChatRequestInput<Config>): WireRequest;
  createStreamTranslator(input: StreamTranslatorInput): StreamTranslator;
}
