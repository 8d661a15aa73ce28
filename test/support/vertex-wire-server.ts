import { echoMessage, echoMessageStream } from './anthropic-wire-server.ts';
import { echoGenerateContent, echoStreamGenerateContent, geminiError } from './gemini-wire-server.ts';
import { OpenAIWireServer, type RecordedRequest, type ScriptedResponse, type ScriptedStream } from './openai-wire-server.ts';

const modelPath = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/(google|anthropic)\/models\/([^/:?]+):(\w+)(\?.*)?$/;

const methods: Record<string, readonly string[]> = {
  google: ['generateContent', 'streamGenerateContent', 'predict'],
  anthropic: ['rawPredict', 'streamRawPredict'],
};

/**
 * A local HTTP server speaking Vertex AI's publisher-model endpoints, for tests: Gemini's
 * `:generateContent` / `:streamGenerateContent?alt=sse` / `:predict` (embeddings) and Claude's
 * `:rawPredict` / `:streamRawPredict`. Like Vertex AI it wants `Authorization: Bearer <access token>`
 * (401 UNAUTHENTICATED unless `isAuthorized` accepts the token) and answers an unknown path with 404;
 * by default Gemini requests get the Gemini echo, embeddings one vector per instance
 * (`[length of the text]`, `token_count` = words) and Claude requests Anthropic's echo message.
 */
export class VertexWireServer extends OpenAIWireServer {
  protected override readonly basePath = '';

  constructor(private readonly isAuthorized: (token: string | undefined) => boolean) {
    super(defaultAnswer);
  }

  protected override answer(request: RecordedRequest): ScriptedResponse | ScriptedStream {
    return this.protocolError(request) ?? super.answer(request);
  }

  protected override isStreamRequest(request: RecordedRequest): boolean {
    return /:stream(GenerateContent|RawPredict)/.test(request.path);
  }

  protected override defaultStream(request: RecordedRequest): ScriptedStream {
    return request.path.includes(':streamRawPredict') ? echoMessageStream(request) : echoStreamGenerateContent(request);
  }

  private protocolError(request: RecordedRequest): ScriptedResponse | undefined {
    const [, , , publisher, , method, query] = modelPath.exec(request.path) ?? [];
    if (request.method !== 'POST' || publisher === undefined || method === undefined || !methods[publisher]?.includes(method)) {
      return geminiError(404, 'NOT_FOUND', `The requested URL ${request.path} was not found on this server.`);
    }
    if (method === 'streamGenerateContent' && !new URLSearchParams(query?.slice(1)).getAll('alt').includes('sse')) {
      return geminiError(400, 'INVALID_ARGUMENT', 'This test server streams only server-sent events: add alt=sse.');
    }
    const authorization = request.headers.authorization;
    const token = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : undefined;
    if (!this.isAuthorized(token)) {
      return geminiError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.');
    }
    if (publisher === 'anthropic') {
      const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>;
      if ('model' in body) return anthropicInvalid('model: Extra inputs are not permitted');
      if (body['anthropic_version'] !== 'vertex-2023-10-16') return anthropicInvalid('anthropic_version: Input should be vertex-2023-10-16');
    }
    return undefined;
  }
}

function anthropicInvalid(message: string): ScriptedResponse {
  return { status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message } } };
}

function defaultAnswer(request: RecordedRequest): ScriptedResponse {
  if (request.path.includes(':rawPredict')) return echoMessage(request);
  if (request.path.includes(':predict')) return predictAnswer(request);
  return echoGenerateContent(request);
}

/** Vertex AI's text-embeddings answer: one prediction per instance, in order. */
export function predictAnswer(request: RecordedRequest): ScriptedResponse {
  const body = request.body as { instances?: Array<{ content?: string }> };
  return {
    status: 200,
    body: {
      predictions: (body.instances ?? []).map((instance) => ({
        embeddings: { statistics: { truncated: false, token_count: (instance.content ?? '').split(/\s+/).filter(Boolean).length }, values: [(instance.content ?? '').length, 0.5] },
      })),
      metadata: { billableCharacterCount: (body.instances ?? []).reduce((sum, instance) => sum + (instance.content ?? '').length, 0) },
    },
  };
}
