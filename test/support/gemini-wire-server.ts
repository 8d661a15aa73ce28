import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RecordedRequest, ScriptedResponse } from './openai-wire-server.ts';

export type { RecordedRequest, ScriptedResponse };

type Responder = (request: RecordedRequest) => ScriptedResponse;

/**
 * A local HTTP server speaking the Gemini API's `generateContent` wire format, for tests. Like the
 * real API it answers only `POST /v1beta/models/{model}:generateContent`, wants the key in
 * `x-goog-api-key` (403 PERMISSION_DENIED without one, 400 API_KEY_INVALID for a wrong one) and a
 * `contents` list (400 INVALID_ARGUMENT otherwise); by default it echoes the last user text.
 * `enqueue` scripts the next answers one by one.
 */
export class GeminiWireServer {
  readonly requests: RecordedRequest[] = [];
  private readonly scripted: Responder[] = [];
  private server: Server | undefined;

  constructor(
    private readonly apiKey: string,
    private readonly fallback: Responder = echoGenerateContent,
  ) {}

  async start(): Promise<string> {
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
        const answer = this.protocolError(recorded) ?? (this.scripted.shift() ?? this.fallback)(recorded);
        response.writeHead(answer.status, { 'content-type': 'application/json; charset=UTF-8', ...answer.headers });
        response.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/v1beta`;
  }

  /** The next answers, in order; afterwards the default echo resumes. */
  enqueue(...responses: Array<ScriptedResponse | Responder>): void {
    for (const response of responses) this.scripted.push(typeof response === 'function' ? response : () => response);
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** What the real API answers before it looks at the request's content. */
  private protocolError(request: RecordedRequest): ScriptedResponse | undefined {
    const model = /^\/v1beta\/models\/([^/:?]+):generateContent$/.exec(request.path)?.[1];
    if (request.method !== 'POST' || model === undefined) {
      return geminiError(404, 'NOT_FOUND', `Requested entity was not found: ${request.method} ${request.path}`);
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
  const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as GeminiBody;
  const lastUser = [...(body.contents ?? [])].reverse().find((content) => content.role === 'user');
  const text = (lastUser?.parts ?? []).map((part) => part.text ?? '').join('');
  return generateContentResponse([{ text: `echo: ${text}` }]);
}

/** Google's error body (google.rpc.Status). */
export function geminiError(status: number, code: string, message: string, details?: unknown[], headers?: Record<string, string>): ScriptedResponse {
  return { status, headers, body: { error: { code: status, message, status: code, ...(details ? { details } : {}) } } };
}
