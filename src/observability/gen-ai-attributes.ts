import { ProviderError } from '../errors/provider-error.ts';
import type { ProviderResult } from '../operations/registry.ts';
import { genAiProviderName } from '../providers/gen-ai-provider-names.ts';
import type { RouteAttempt } from '../routing/route-attempts.ts';
import type { ProviderCallStart, TraceAttributes } from './tracing.ts';

/**
 * A provider call's span as OpenTelemetry's GenAI semantic conventions describe an inference (or
 * embeddings) client span: named `{gen_ai.operation.name} {gen_ai.request.model}`, kind CLIENT, with
 * the request's settings, and the gateway's own `gateway.*` attributes for the attempt and the hop.
 * @see https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/
 */
export function providerCallSpanName(call: Pick<ProviderCallStart, 'request' | 'route'>): string {
  return `${call.request.operation} ${call.route.upstreamModel}`;
}

export function providerCallAttributes(call: ProviderCallStart): TraceAttributes {
  const traits = call.request.describe();
  return {
    'gen_ai.operation.name': call.request.operation,
    'gen_ai.provider.name': genAiProviderName(call.client.type),
    'gen_ai.request.model': call.route.upstreamModel,
    'gen_ai.request.max_tokens': traits.maxTokens,
    'gen_ai.request.temperature': traits.temperature,
    'gen_ai.request.top_p': traits.topP,
    'gen_ai.request.frequency_penalty': traits.frequencyPenalty,
    'gen_ai.request.presence_penalty': traits.presencePenalty,
    'gen_ai.request.seed': traits.seed,
    'gen_ai.request.choice.count': traits.choiceCount,
    'gen_ai.request.stop_sequences': traits.stopSequences,
    'gen_ai.request.stream': traits.stream,
    'gen_ai.embeddings.dimension.count': traits.dimensions,
    'server.address': call.client.server?.address,
    'server.port': call.client.server?.port,
    'gateway.provider': call.route.provider,
    'gateway.model': call.request.model,
    'gateway.attempt': call.attempt,
    'gateway.route.index': call.hop,
    'gateway.limit_wait_ms': Math.round(call.limitWaitMs),
  };
}

/** What the answer adds: the model that answered, its finish reasons, the tokens. */
export function providerResultAttributes(call: Pick<ProviderCallStart, 'request'>, result: ProviderResult): TraceAttributes {
  const traits = call.request.describeResponse(result.response);
  return {
    'gen_ai.response.model': traits.model,
    'gen_ai.response.id': traits.id,
    'gen_ai.response.finish_reasons': traits.finishReasons,
    'gen_ai.usage.input_tokens': result.usage.promptTokens,
    'gen_ai.usage.output_tokens': result.usage.completionTokens,
    'gen_ai.usage.cache_read.input_tokens': result.usage.cachedPromptTokens || undefined,
    'gen_ai.usage.cache_creation.input_tokens': result.usage.cacheCreationTokens || undefined,
  };
}

/**
 * A failed call: `error.type` is the provider's code, else its HTTP status, else the error's name
 * (a network failure's code), as the conventions' error recording asks; whether the gateway would
 * try again is `gateway.retryable`.
 */
export function providerErrorAttributes(error: ProviderError): TraceAttributes {
  return {
    'error.type': errorType(error),
    'http.response.status_code': error.status,
    'gateway.retryable': error.retryable,
  };
}

/** The `error.type` of anything thrown: a ProviderError's code or status, an error's name. */
export function errorType(error: unknown): string {
  if (ProviderError.is(error)) return error.code ?? (error.status === undefined ? 'provider_error' : String(error.status));
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? code : error.name;
  }
  return '_OTHER';
}

/** One attempt of a trail (a failed batch line traced after the fact) as an event's attributes. */
export function routeAttemptAttributes(attempt: RouteAttempt): TraceAttributes {
  return {
    'gateway.provider': attempt.provider,
    'gen_ai.request.model': attempt.model,
    'gateway.outcome': attempt.outcome,
    'error.type': attempt.code ?? undefined,
    'http.response.status_code': attempt.status ?? undefined,
    'gateway.latency_ms': attempt.latencyMs,
  };
}
