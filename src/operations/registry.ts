import type { z } from 'zod';
import { chatCompletionRequestSchema, type ChatCompletionRequest } from '../providers/chat-completion-schemas.ts';
import type { CallContext, ProviderClient } from '../providers/provider-client.ts';
import type { CapabilityProblem } from './chat/check-capabilities.ts';
import type { ModelDefinition } from '../routing/model-catalogue/index.ts';
import { chatCompletionsPath, chatOperation } from './chat/chat-operation.ts';
import { embeddingsRequestSchema, type EmbeddingsRequest } from '../providers/embeddings-schemas.ts';
import { embeddingsOperation, embeddingsPath } from './embeddings/embeddings-operation.ts';
import { tokenCountingFor } from '../tokens/token-families.ts';
import type { ChunkSink, Operation, OperationName, OperationResponse, ProviderResult, RequestTraits, ResponseTraits, RuleTraits } from './operation.ts';

export type { ChunkSink, Operation, OperationName, OperationResponse, ProviderResult, RequestTraits, ResponseTraits } from './operation.ts';

/** Every operation, by name: what a new operation registers to join the pipeline. */
export const operations = { chat: chatOperation, embeddings: embeddingsOperation } as const;

/**
 * A request with the operation it is for: what a job carries, and what a batch line becomes. Jobs
 * queued by an older gateway carry no `operation`: they are chat.
 */
export type OperationPayload = { operation?: 'chat'; request: ChatCompletionRequest } | { operation: 'embeddings'; request: EmbeddingsRequest };

/** The OpenAI paths the gateway serves, by operation: a batch's `endpoint` is one of them. */
export const operationPaths = [chatCompletionsPath, embeddingsPath] as const;

export type OperationPath = (typeof operationPaths)[number];

/**
 * A request body checked against its operation's schema: the payload, or the first problem (its path
 * and message) for an error line or a 400.
 */
export function parseOperationRequest(operation: OperationName, body: unknown): { ok: true; payload: OperationPayload } | { ok: false; issue: z.core.$ZodIssue | undefined } {
  if (operation === 'embeddings') {
    const parsed = embeddingsRequestSchema.safeParse(body);
    return parsed.success ? { ok: true, payload: { operation, request: parsed.data } } : { ok: false, issue: parsed.error.issues[0] };
  }
  const parsed = chatCompletionRequestSchema.safeParse(body);
  return parsed.success ? { ok: true, payload: { operation: 'chat', request: parsed.data } } : { ok: false, issue: parsed.error.issues[0] };
}

export function operationNameOf(payload: Pick<OperationPayload, 'operation'>): OperationName {
  return payload.operation ?? 'chat';
}

/** The operation whose path this is (a batch endpoint, a line's url); undefined for any other path. */
export function operationForPath(path: string): OperationName | undefined {
  return (Object.keys(operations) as OperationName[]).find((name) => operations[name].path === path);
}

/**
 * One request bound to its operation: the pipeline's handle on it, with no operation-specific types
 * left. Built once per job or line by a single switch, so the rest of the pipeline stays generic.
 */
export interface BoundRequest {
  readonly operation: OperationName;
  readonly model: string;
  servedBy(client: ProviderClient): boolean;
  checkModel(model: ModelDefinition | undefined): CapabilityProblem | undefined;
  capabilityKey(): string;
  /**
   * Input tokens, counted for an upstream model's family (`tokenCountingFor`); without one, for the
   * requested model's name. Counted once per vocabulary and factor, however often asked.
   */
  estimateInputTokens(upstreamModel?: string): number;
  /** An upper bound of `estimateInputTokens` that encodes nothing. */
  maxInputTokens(upstreamModel?: string): number;
  /** The most output tokens the request asks for; undefined when it does not say. */
  maxOutputTokens(): number | undefined;
  streams(): boolean;
  ruleTraits(): RuleTraits;
  call(client: ProviderClient, context: CallContext, onChunks?: ChunkSink): Promise<ProviderResult>;
  isCacheable(response: OperationResponse): boolean;
  /** The request's settings, for a provider call's span. */
  describe(): RequestTraits;
  /** An answer's model, id and finish reasons, for a provider call's span. */
  describeResponse(response: OperationResponse): ResponseTraits;
}

export function bindRequest(payload: OperationPayload): BoundRequest {
  return payload.operation === 'embeddings' ? bind(embeddingsOperation, payload.request) : bind(chatOperation, payload.request);
}

function bind<Request extends { model: string }, Response extends OperationResponse>(operation: Operation<Request, Response>, request: Request): BoundRequest {
  const counted = new Map<string, number>();
  return {
    operation: operation.name,
    model: request.model,
    servedBy: (client) => operation.servedBy(client),
    checkModel: (model) => operation.checkModel(request, model),
    capabilityKey: () => operation.capabilityKey(request),
    estimateInputTokens: (upstreamModel) => {
      const counting = tokenCountingFor(upstreamModel ?? request.model);
      const key = `${counting.encoding}:${counting.factor}`;
      let tokens = counted.get(key);
      if (tokens === undefined) {
        tokens = operation.estimateInputTokens(request, counting);
        counted.set(key, tokens);
      }
      return tokens;
    },
    maxInputTokens: (upstreamModel) => operation.maxInputTokens(request, tokenCountingFor(upstreamModel ?? request.model)),
    maxOutputTokens: () => operation.maxOutputTokens(request),
    streams: () => operation.streams(request),
    ruleTraits: () => operation.ruleTraits(request),
    call: (client, context, onChunks) => operation.call({ client, request, context, onChunks }),
    // Responses are checked where they are made (converters, the cache's schema): the name is trusted here.
    isCacheable: (response) => operation.isCacheable(response as Response),
    describe: () => operation.describeRequest(request),
    describeResponse: (response) => operation.describeResponse(response as Response),
  };
}
