import type { ChatCompletion, TokenUsage } from '../providers/chat-completion-schemas.ts';
import type { ChatCompletionChunk } from '../providers/chat-stream.ts';
import type { CallContext, ProviderClient } from '../providers/provider-client.ts';
import type { CapabilityProblem } from './chat/check-capabilities.ts';
import type { ModelDefinition } from '../routing/model-catalogue/index.ts';
import type { EmbeddingsVectors } from '../providers/embeddings-schemas.ts';
import type { TokenCounting } from '../tokens/token-families.ts';

/**
 * The operations the gateway serves. Each is one OpenAI path (the API route, a batch's `endpoint` and
 * its lines' `url`) and runs through the same pipeline: queue, limits, retries, fallback, breakers,
 * cache, records, usage, metrics, webhooks.
 */
export type OperationName = 'chat' | 'embeddings';

/** A provider's answer to any operation, in the gateway's (OpenAI's) shape. */
export type OperationResponse = ChatCompletion | EmbeddingsVectors;

/** One provider call's outcome, whatever the operation: the answer, its usage, dropped settings. */
export interface ProviderResult<Response extends OperationResponse = OperationResponse> {
  response: Response;
  usage: TokenUsage;
  /** Settings of the request the provider could not honour (logged and stored with the record). */
  warnings?: string[];
}

/**
 * The settings a request sends the model, as a trace records them (the request attributes of
 * OpenTelemetry's GenAI semantic conventions); each only when the request sets it.
 */
export interface RequestTraits {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  seed?: number;
  /** Candidate answers asked for (`n`), when not 1. */
  choiceCount?: number;
  stopSequences?: string[];
  stream?: boolean;
  /** Embeddings: the vector size asked for. */
  dimensions?: number;
}

/** What an answer says of itself, as a trace records it (the GenAI response attributes). */
export interface ResponseTraits {
  /** The model that answered, as the provider names it. */
  model?: string;
  id?: string;
  /** One per choice (chat). */
  finishReasons?: string[];
}

/** What routing rules read of a request's content (the token count and headers come from elsewhere). */
export interface RuleTraits {
  images: boolean;
  tools: boolean;
  jsonSchema: boolean;
  metadata: Readonly<Record<string, string>>;
  /** System and developer messages' text (the complexity score reads it). */
  system: string;
  /** Every other message's text, or an embeddings request's texts. */
  conversation: string;
}

/** Streamed chunks of a chat call as they arrive; other operations do not stream. */
export type ChunkSink = (chunks: ChatCompletionChunk[]) => void;

/**
 * What the pipeline needs to know about an operation, per request: every method is pure except
 * `call`, which goes to the provider through the client's capability for the operation.
 */
export interface Operation<Request extends { model: string }, Response extends OperationResponse> {
  readonly name: OperationName;
  /** The OpenAI path: the API route, a batch's `endpoint` and each line's `url`. */
  readonly path: string;
  /** Whether a provider client can serve it (the capability is a member of the client). */
  servedBy(client: ProviderClient): boolean;
  /** Whether a catalogued model can take the request; undefined: it can (or the catalogue does not know it). */
  checkModel(request: Request, model: ModelDefinition | undefined): CapabilityProblem | undefined;
  /**
   * Everything `checkModel` reads of a request, as a string: requests with equal needs get one routing
   * answer (a batch's lines are checked once per distinct model and needs).
   */
  capabilityKey(request: Request): string;
  /**
   * Input tokens before the call (TPM limits, budgets, the context-window check), counted with the
   * tokenizer of the upstream model's family (`tokenCountingFor`).
   */
  estimateInputTokens(request: Request, counting: TokenCounting): number;
  /** An upper bound of `estimateInputTokens` that encodes nothing (the context-window check's shortcut). */
  maxInputTokens(request: Request, counting: TokenCounting): number;
  /** The most output tokens the request asks for (`max_completion_tokens`, `max_tokens`); undefined: not set. */
  maxOutputTokens(request: Request): number | undefined;
  /** Whether the request streams its answer. */
  streams(request: Request): boolean;
  /** What routing rules' conditions read of the request. */
  ruleTraits(request: Request): RuleTraits;
  /** The provider call. `onChunks` is only used by operations that stream. */
  call(input: { client: ProviderClient; request: Request; context: CallContext; onChunks?: ChunkSink | undefined }): Promise<ProviderResult<Response>>;
  /** Whether an answer is complete enough to serve again from the response cache. */
  isCacheable(response: Response): boolean;
  /** The request's settings for a provider call's span. */
  describeRequest(request: Request): RequestTraits;
  /** The answer's model, id and finish reasons for a provider call's span. */
  describeResponse(response: Response): ResponseTraits;
}
