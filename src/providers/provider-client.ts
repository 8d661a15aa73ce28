import type { ChatCompletion, ChatCompletionRequest, TokenUsage } from './chat-completion-schemas.ts';

export interface ChatCallContext {
  /** The model name the provider expects (the route's `model`). */
  upstreamModel: string;
  /** The gateway request id, forwarded where the provider accepts one. */
  requestId: string;
  signal?: AbortSignal;
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

/**
 * The pure half of an HTTP adapter: no fetch, Redis or logger inside. Streaming transform and
 * native batch hooks join this interface in their issues.
 */
export interface HttpWireFormat<Config> {
  readonly type: string;
  buildChatRequest(input: { request: ChatCompletionRequest; upstreamModel: string; config: Config; requestId: string }): WireRequest;
  parseChatResponse(input: { provider: string; body: unknown; upstreamModel: string; requestId: string }): ChatResult;
  parseError(input: WireErrorInput): import('./provider-error.ts').ProviderError;
}
