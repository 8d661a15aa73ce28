import type { ChatCompletion, ChatCompletionRequest, TokenUsage } from './chat-completion-schemas.ts';
import type { ChatCompletionChunk, StreamFraming, StreamTranslator, StreamTranslatorInput } from './chat-stream.ts';
import type { EmbeddingsRequest, EmbeddingsVectors } from './embeddings-schemas.ts';
import type { NativeBatchCapability } from './native-batch/native-batch-capability.ts';

/** What every provider call carries, whatever its operation. */
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

/** The call context of any operation (the name {@link ChatCallContext} predates the others). */
export type CallContext = ChatCallContext;

export interface EmbeddingsResult {
  /** OpenAI-shaped, vectors as floats in input order, whatever the provider's wire format. */
  vectors: EmbeddingsVectors;
  /** Input tokens only (`completionTokens` 0). */
  usage: TokenUsage;
  warnings?: string[];
}

/** A provider's embeddings capability (a member of the client only where the provider has one). */
export interface EmbeddingsCapability {
  embed(request: EmbeddingsRequest, context: CallContext): Promise<EmbeddingsResult>;
}

/**
 * One configured provider instance, ready to call. The I/O side of an adapter. Each operation is a
 * capability: `chat` every provider has; the others are members only where the provider serves them
 * (in the style of the Vercel AI SDK's per-capability model interfaces), so "can this provider embed?"
 * is `client.embeddings !== undefined`.
 */
export interface ProviderClient {
  readonly name: string;
  readonly type: string;
  /** The host and port it calls (HTTP providers): a provider call's span names them as `server.address` and `server.port`. */
  readonly server?: { address: string; port: number };
  readonly embeddings?: EmbeddingsCapability;
  /** The provider's own batch API, where it has one (see native-batch-capability.ts). */
  readonly nativeBatch?: NativeBatchCapability;
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

export interface BuildEmbeddingsRequestInput<Config> {
  request: EmbeddingsRequest;
  upstreamModel: string;
  config: Config;
  requestId: string;
}

/** The pure embeddings half of an HTTP adapter (see {@link HttpWireFormat}). */
export interface HttpEmbeddingsFormat<Config> {
  /**
   * The most inputs the provider takes in one call (Gemini's `batchEmbedContents`: 100). A request with
   * more is sent as several calls, in order, and their vectors joined; a function where the limit
   * depends on the upstream model (Vertex AI's `gemini-embedding-001` takes one, Bedrock's Titan one,
   * Cohere on Bedrock 96; undefined: no limit). @defaultValue no limit
   */
  readonly maxInputsPerCall?: number | ((upstreamModel: string) => number | undefined);
  buildRequest(input: BuildEmbeddingsRequestInput<Config>): WireRequest;
  /** The provider's answer as OpenAI-shaped float vectors; throws a ProviderError for a malformed body. */
  parseResponse(input: { provider: string; body: unknown; request: EmbeddingsRequest; upstreamModel: string }): EmbeddingsResult;
}

/**
 * The pure half of an HTTP adapter: no fetch, Redis or logger inside. An operation other than chat is
 * an optional member, present where the wire format has it.
 */
export interface HttpWireFormat<Config> {
  readonly type: string;
  readonly embeddings?: HttpEmbeddingsFormat<Config>;
  buildChatRequest(input: BuildChatRequestInput<Config>): WireRequest;
  parseChatResponse(input: { provider: string; body: unknown; upstreamModel: string; requestId: string }): ChatResult;
  parseError(input: WireErrorInput): import('../errors/provider-error.ts').ProviderError;
  /**
   * The streamed variant of {@link buildChatRequest}: the provider's streaming endpoint or flag, with
   * usage asked for where the provider only sends it on request (OpenAI `stream_options.include_usage`).
   */
  buildStreamRequest(input: BuildChatRequestInput<Config>): WireRequest;
  createStreamTranslator(input: StreamTranslatorInput): StreamTranslator;
  /** The stream's framing where it is not server-sent events (Bedrock's AWS event stream). @defaultValue SSE */
  readonly streamFraming?: StreamFraming;
}

/** An outgoing call as it goes on the wire: what a request signer sees and signs. */
export interface OutgoingRequest {
  method: 'POST';
  /** `host[:port]` of the provider's origin, as the HTTP client sends it in `Host`. */
  host: string;
  /** The full path, base path and query string included. */
  path: string;
  headers: Record<string, string>;
  /** The exact body bytes sent (JSON text). */
  body: string;
}

/**
 * Authorizes one outgoing call once its headers and body are final (AWS SigV4 signs both): resolves
 * with the headers to send. The I/O half's hook; the pure wire format never sees credentials' clock.
 */
export type RequestAuthorizer = (request: OutgoingRequest) => Promise<Record<string, string>>;
