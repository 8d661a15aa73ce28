import { Pool, errors as undiciErrors } from 'undici';
import type { ChatCompletionRequest } from './chat-completion-schemas.ts';
import {
  withTraceContext,
  type ChatCallContext,
  type ChatResult,
  type EmbeddingsCapability,
  type EmbeddingsResult,
  type HttpWireFormat,
  type OutgoingRequest,
  type ProviderClient,
  type RequestAuthorizer,
  type WireRequest,
} from './provider-client.ts';
import { ProviderError } from '../errors/provider-error.ts';
import { estimateUsage } from './estimate-usage.ts';
import { parseJson, streamChatCall } from './http-stream-call.ts';
import { joinEmbeddingsResults, splitEmbeddingsRequest } from './split-embeddings.ts';
import type { EmbeddingsRequest } from './embeddings-schemas.ts';

export interface HttpProviderSettings {
  name: string;
  baseUrl: string;
  /** Sockets kept open to the provider; matches the provider's concurrency. */
  connections: number;
  timeoutMs: number;
  /**
   * Authorizes each call once its headers and body are final: Bedrock's SigV4 signature, Vertex AI's
   * short-lived OAuth access token. Throws a ProviderError when it cannot. @defaultValue none
   */
  authorize?: RequestAuthorizer | undefined;
}

/**
 * The shared I/O half of every HTTP adapter: a keep-alive undici pool per provider instance,
 * JSON in and out (or SSE, see {@link streamChatCall}), every failure mapped onto {@link ProviderError}.
 */
interface SentRequest {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body: string;
}

export function createHttpProviderClient<Config>(wireFormat: HttpWireFormat<Config>, settings: HttpProviderSettings, config: Config): ProviderClient {
  const base = new URL(settings.baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const pool = new Pool(base.origin, {
    connections: settings.connections,
    keepAliveTimeout: 30_000,
    headersTimeout: settings.timeoutMs,
    bodyTimeout: settings.timeoutMs,
  });

  /** The call as sent: its headers through the settings' authorizer, where there is one (else no await). */
  function authorized(outgoing: OutgoingRequest): SentRequest | Promise<SentRequest> {
    const sent = { method: outgoing.method, path: outgoing.path, headers: outgoing.headers, body: outgoing.body };
    if (!settings.authorize) return sent;
    return settings.authorize(outgoing).then((headers) => ({ ...sent, headers }));
  }

  /** One JSON call: the provider's parsed body on 2xx, else the wire format's ProviderError. */
  async function post(wire: WireRequest, context: ChatCallContext): Promise<unknown> {
    const timeout = AbortSignal.timeout(settings.timeoutMs);
    const signal = context.signal ? AbortSignal.any([context.signal, timeout]) : timeout;
    let status: number;
    let headers: Record<string, string | string[] | undefined>;
    let text: string;
    const outgoing = await authorized({ method: 'POST', host: base.host, path: basePath + wire.path, headers: withTraceContext(wire.headers, context), body: JSON.stringify(wire.body) });
    try {
      const response = await pool.request({ ...outgoing, signal });
      status = response.statusCode;
      headers = response.headers;
      text = await response.body.text();
    } catch (error) {
      throw networkError(settings.name, error, timeout.aborted, settings.timeoutMs);
    }
    const body = parseJson(text);
    if (status >= 400) {
      throw wireFormat.parseError({ provider: settings.name, status, headers, body: body === undefined ? text : body });
    }
    if (body === undefined) {
      throw new ProviderError({
        provider: settings.name,
        status: 502,
        code: 'invalid_provider_response',
        message: `provider answered HTTP ${status} with a body that is not JSON`,
        retryable: true,
      });
    }
    return body;
  }

  async function chat(request: ChatCompletionRequest, context: ChatCallContext): Promise<ChatResult> {
    const wire = wireFormat.buildChatRequest({ request, upstreamModel: context.upstreamModel, config, requestId: context.requestId });
    const body = await post(wire, context);
    const parsed = wireFormat.parseChatResponse({ provider: settings.name, body, upstreamModel: context.upstreamModel, requestId: context.requestId });
    const result = parsed.usage.estimated ? { ...parsed, usage: estimateUsage(request, parsed.completion) } : parsed;
    return withWarnings(result, wire.warnings);
  }

  const embeddingsFormat = wireFormat.embeddings;
  const embeddings: EmbeddingsCapability | undefined = embeddingsFormat && {
    async embed(request, context) {
      const embedPart = async (part: EmbeddingsRequest) => {
        const wire = embeddingsFormat.buildRequest({ request: part, upstreamModel: context.upstreamModel, config, requestId: context.requestId });
        const body = await post(wire, context);
        return withWarnings(embeddingsFormat.parseResponse({ provider: settings.name, body, request: part, upstreamModel: context.upstreamModel }), wire.warnings);
      };
      const { maxInputsPerCall } = embeddingsFormat;
      const parts = splitEmbeddingsRequest(request, typeof maxInputsPerCall === 'function' ? maxInputsPerCall(context.upstreamModel) : maxInputsPerCall);
      if (parts.length === 1) return embedPart(request);
      // In order, one call at a time: the provider's limits see one request's calls as one caller's.
      const results: EmbeddingsResult[] = [];
      for (const part of parts) results.push(await embedPart(part));
      return joinEmbeddingsResults(results);
    },
  };

  return {
    name: settings.name,
    type: wireFormat.type,
    server: { address: base.hostname.replace(/^\[(.*)\]$/, '$1'), port: base.port === '' ? (base.protocol === 'https:' ? 443 : 80) : Number(base.port) },
    ...(embeddings ? { embeddings } : {}),
    chat,
    chatStream: (request, context, onChunks) =>
      streamChatCall({
        wireFormat,
        config,
        pool,
        provider: settings.name,
        basePath,
        host: base.host,
        authorize: settings.authorize,
        request,
        context,
        onChunks,
        networkError: (error) => networkError(settings.name, error, false, settings.timeoutMs),
      }),
    close: () => pool.close(),
  };
}

/** The request's warnings (settings the wire format dropped) ahead of the answer's own. */
function withWarnings<Result extends { warnings?: string[] }>(result: Result, requestWarnings: string[] | undefined): Result {
  const warnings = [...(requestWarnings ?? []), ...(result.warnings ?? [])];
  return warnings.length > 0 ? { ...result, warnings } : result;
}

function networkError(provider: string, error: unknown, timedOut: boolean, timeoutMs: number): ProviderError {
  if (timedOut || error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
    return new ProviderError({ provider, code: 'timeout', message: `provider did not answer within ${timeoutMs} ms`, retryable: true, cause: error });
  }
  const detail = error instanceof Error ? error.message : String(error);
  const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : 'network_error';
  return new ProviderError({ provider, code, message: `cannot reach provider: ${detail}`, retryable: true, cause: error });
}
