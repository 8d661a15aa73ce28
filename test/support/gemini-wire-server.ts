import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RecordedRequest, ScriptedResponse, ScriptedStream } from './openai-wire-server.ts';

export type { RecordedRequest, ScriptedResponse, ScriptedStream };

type Responder = (request: RecordedRequest) => ScriptedResponse;
type StreamResponder = (request: RecordedRequest) => ScriptedStream;

/** One scripted answer: a JSON response or a stream, taken in the order they were queued. */
type Scripted = { kind: 'response'; responder: Responder } | { kind: 'stream'; stream: ScriptedStream };

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
export class GeminiWireServer {
  readonly requests: RecordedRequest[] = [];
  /** Streamed responses whose socket the client closed before the server ended them. */
  streamsClosedByClient = 0;
  private readonly scripted: Scripted[] = [];
  private server: Server | undefined;
  private stopping = false;

  constructor(
    private readonly apiKey: string,
    private readonly fallback: Responder = echoGenerateContent,
    private readonly streamFallback: StreamResponder = echoStreamGenerateContent,
  ) {}

  async start(): Promise<string> {
    this.stopping = false;
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text) as unknown;
        } catch {
          // keep the raw text; answered as INVALID_ARGUMENT below
        }
        const recorded: RecordedRequest = { method: request.method ?? '', path: request.url ?? '', headers: request.headers, body };
        this.requests.push(recorded);
        const refused = this.protocolError(recorded);
        if (refused) return sendJson(response, refused);
        const next = this.scripted.shift();
        if (next?.kind === 'stream') return this.sendStream(response, next.stream);
        if (next) return sendJson(response, next.responder(recorded));
        if (isStreamed(recorded)) return this.sendStream(response, this.streamFallback(recorded));
        return sendJson(response, this.fallback(recorded));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/v1beta`;
  }

  /** The next answers, in order; afterwards the default echo resumes. */
  enqueue(...responses: Array<ScriptedResponse | Responder>): void {
    for (const response of responses) this.scripted.push({ kind: 'response', responder: typeof response === 'function' ? response : () => response });
  }

  /** The next answers as streams, queued after (and before) those of {@link enqueue}, in call order. */
  enqueueStream(...streams: ScriptedStream[]): void {
    for (const stream of streams) this.scripted.push({ kind: 'stream', stream });
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.stopping = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
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
      return geminiError(403, 'PERMISSION_DENIED', "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.");
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

  /** Writes the frames as they are, one `frameDelayMs` apart, then ends (or cuts) the response. */
  private sendStream(response: ServerResponse, stream: ScriptedStream): void {
    let cutByServer = false;
    let timer: NodeJS.Timeout | undefined;
    response.on('close', () => {
      clearTimeout(timer);
      if (!response.writableEnded && !cutByServer && !this.stopping) this.streamsClosedByClient += 1;
    });
    response.writeHead(stream.status ?? 200, { 'content-type': 'text/event-stream', 'content-disposition': 'attachment', ...stream.headers });
    const delayMs = stream.frameDelayMs ?? 0;
    const writeFrom = (position: number): void => {
      for (let next = position; next < stream.frames.length; next += 1) {
        // The client may have gone while the timer ran; then there is no one left to write to.
        if (response.destroyed) return;
        response.write(stream.frames[next]);
        if (delayMs > 0 && next + 1 < stream.frames.length) {
          timer = setTimeout(() => writeFrom(next + 1), delayMs);
          return;
        }
      }
      if (response.destroyed) return;
      if (stream.cut) {
        // Ending the socket (not the response) flushes the frames still corked in it, then closes the
        // connection without the chunked body's terminator: the client sees a cut stream.
        cutByServer = true;
        response.flushHeaders();
        const socket = response.socket;
        socket?.end(() => socket.destroy());
      } else {
        response.end();
      }
    };
    writeFrom(0);
  }
}

function isStreamed(request: RecordedRequest): boolean {
  return request.path.includes(':streamGenerateContent');
}

function sendJson(response: ServerResponse, answer: ScriptedResponse): void {
  response.writeHead(answer.status, { 'content-type': 'application/json; charset=UTF-8', ...answer.headers });
  response.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
}

interface GeminiBody {
  contents?: Array<{ role?: string; parts?: Array<{ text?: string }> }>;
}

/** A `GenerateContentResponse` with the given parts, in the API reference's shape. */
export function generateContentResponse(
  parts: unknown[],
  options: { finishReason?: string; usage?: Record<string, number>; modelVersion?: string; responseId?: string } = {},
): ScriptedResponse {
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
