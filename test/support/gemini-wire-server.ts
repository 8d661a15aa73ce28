import { OpenAIWireServer, type RecordedRequest, type ScriptedResponse, type ScriptedStream } from './openai-wire-server.ts';

export type { RecordedRequest, ScriptedResponse, ScriptedStream };

type Responder = (request: RecordedRequest) => ScriptedResponse;
type StreamResponder = (request: RecordedRequest) => ScriptedStream;

const methodPath = /^\/v1beta\/models\/([^/:?]+):(generateContent|streamGenerateContent)(\?.*)?$/;

/**
 * A local HTTP server speaking the Gemini API's `generateContent` wire format, for tests. Like the
 * real API it answers only `POST /v1beta/models/{model}:generateContent` and
 * `:streamGenerateContent?alt=sse`, wants the key in `x-goog-api-key` (403 PERMISSION_DENIED without
 * one, 400 API_KEY_INVALID for a wrong one) and a `contents` list (400 INVALID_ARGUMENT otherwise); by
 * default it echoes the last user text, as one response or, streamed, as CRLF-framed SSE events.
 * `enqueue` and `enqueueStream` script the next answers one by one, in one queue: a JSON answer to a
 * streamed request is how Gemini fails a stream before it starts.
 */
export class GeminiWireServer extends OpenAIWireServer {
  protected override readonly basePath = '/v1beta';

  constructor(
    private readonly apiKey: string,
    fallback: Responder = echoGenerateContent,
    private readonly streamFallback: StreamResponder = echoStreamGenerateContent,
  ) {
    super(fallback);
  }

  /** Requests the real API refuses are refused first, without using up a scripted answer. */
  protected override answer(request: RecordedRequest): ScriptedResponse | ScriptedStream {
    return this.protocolError(request) ?? super.answer(request);
  }

  protected override isStreamRequest(request: RecordedRequest): boolean {
    return request.path.includes(':streamGenerateContent');
  }

  protected override defaultStream(request: RecordedRequest): ScriptedStream {
    return this.streamFallback(request);
  }

  /** What the real API answers before it looks at the request's content. */
  private protocolError(request: RecordedRequest): ScriptedResponse | undefined {
    const match = methodPath.exec(request.path);
    const [, model, method, query] = match ?? [];
    if (request.method !== 'POST' || model === undefined || (method === 'generateContent' && query !== undefined)) {
      return geminiError(404, 'NOT_FOUND', `Requested entity was not found: ${request.method} ${request.path}`);
    }
    // Without alt=sse Gemini streams one JSON array, which no adapter of the gateway reads.
    if (method === 'streamGenerateContent' && !new URLSearchParams(query?.slice(1)).getAll('alt').includes('sse')) {
      return geminiError(400, 'INVALID_ARGUMENT', 'This test server streams only server-sent events: add alt=sse.');
    }
    const key = request.headers['x-goog-api-key'];
    if (key === undefined) {
      return geminiError(
        403,
        'PERMISSION_DENIED',
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
      );
    }
    if (key !== this.apiKey) {
      return geminiError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
        { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' },
      ]);
    }
    const contents = typeof request.body === 'object' && request.body !== null ? (request.body as { contents?: unknown }).contents : undefined;
    if (!Array.isArray(contents)) return geminiError(400, 'INVALID_ARGUMENT', '* GenerateContentRequest.contents: contents is not specified');
    return undefined;
  }
}

interface GeminiBody {
  contents?: Array<{ role?: string; parts?: Array<{ text?: string }> }>;
}

/** A `GenerateContentResponse` with the given parts, in the API reference's shape. */
export function generateContentResponse(parts: unknown[], options: { finishReason?: string; usage?: Record<string, number>; modelVersion?: string; responseId?: string } = {}): ScriptedResponse {
  return {
    status: 200,
    body: {
      candidates: [{ content: { parts, role: 'model' }, finishReason: options.finishReason ?? 'STOP', index: 0 }],
      usageMetadata: options.usage ?? { promptTokenCount: 12, candidatesTokenCount: 5, totalTokenCount: 17, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 12 }] },
      modelVersion: options.modelVersion ?? 'gemini-2.5-flash',
      responseId: options.responseId ?? 'fakeResponse0001',
    },
  };
}

/** Echoes the last user text part as the model's answer. */
export function echoGenerateContent(request: RecordedRequest): ScriptedResponse {
  return generateContentResponse([{ text: `echo: ${lastUserText(request)}` }]);
}

function lastUserText(request: RecordedRequest): string {
  const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as GeminiBody;
  const lastUser = [...(body.contents ?? [])].reverse().find((content) => content.role === 'user');
  return (lastUser?.parts ?? []).map((part) => part.text ?? '').join('');
}

/** Google's error body (google.rpc.Status). */
export function geminiError(status: number, code: string, message: string, details?: unknown[], headers?: Record<string, string>): ScriptedResponse {
  return { status, headers, body: { error: { code: status, message, status: code, ...(details ? { details } : {}) } } };
}

/** One SSE event as Gemini frames it: a single `data:` line, CRLF line endings. */
export function geminiStreamFrame(data: unknown): string {
  return `data: ${JSON.stringify(data)}\r\n\r\n`;
}

/**
 * A streamed answer in Gemini's shape: one event per text piece, each a whole
 * `GenerateContentResponse` with the usage so far, the last one with the finish reason and the full
 * usage.
 */
export function streamGenerateContent(
  pieces: string[],
  options: { finishReason?: string; usage?: Record<string, number>; modelVersion?: string; responseId?: string; frameDelayMs?: number } = {},
): ScriptedStream {
  const usage = options.usage ?? { promptTokenCount: 12, candidatesTokenCount: 5, totalTokenCount: 17 };
  const promptTokens = usage['promptTokenCount'] ?? 0;
  const candidatesTokens = usage['candidatesTokenCount'] ?? 0;
  const frames = pieces.map((text, position) => {
    const last = position === pieces.length - 1;
    // Gemini reports the prompt from the first event on and the output counted so far.
    const soFar = Math.round((candidatesTokens * (position + 1)) / pieces.length);
    const usageMetadata = last ? usage : { promptTokenCount: promptTokens, candidatesTokenCount: soFar, totalTokenCount: promptTokens + soFar };
    return geminiStreamFrame({
      candidates: [{ content: { parts: [{ text }], role: 'model' }, ...(last ? { finishReason: options.finishReason ?? 'STOP' } : {}), index: 0 }],
      usageMetadata,
      modelVersion: options.modelVersion ?? 'gemini-2.5-flash',
      responseId: options.responseId ?? 'fakeResponse0001',
    });
  });
  return { frames, ...(options.frameDelayMs !== undefined ? { frameDelayMs: options.frameDelayMs } : {}) };
}

/** Echoes the last user text part as a streamed answer, split into three events where it is long enough. */
export function echoStreamGenerateContent(request: RecordedRequest): ScriptedStream {
  const characters = Array.from(`echo: ${lastUserText(request)}`);
  const size = Math.ceil(characters.length / 3);
  const pieces = [0, 1, 2].map((part) => characters.slice(part * size, (part + 1) * size).join('')).filter((piece) => piece.length > 0);
  return streamGenerateContent(pieces);
}
