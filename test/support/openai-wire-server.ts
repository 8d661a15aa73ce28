import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface ScriptedResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Delay before answering. */
  delayMs?: number;
}

type Responder = (request: RecordedRequest) => ScriptedResponse;

/**
 * A local HTTP server speaking OpenAI's Chat Completions wire format, for tests and benchmarks.
 * By default it answers a `chat.completion` echoing the last user message (in the shape of the
 * recorded fixture); `enqueue` scripts the next answers (errors, odd bodies) one by one.
 */
export class OpenAIWireServer {
  readonly requests: RecordedRequest[] = [];
  private readonly scripted: Responder[] = [];
  private server: Server | undefined;
  /** Keep request bodies (off in benchmarks, to measure the gateway, not the recorder). */
  record = true;

  constructor(private readonly fallback: Responder = echoCompletion) {}

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
          // keep the raw text
        }
        const recorded: RecordedRequest = { method: request.method ?? '', path: request.url ?? '', headers: request.headers, body };
        if (this.record) this.requests.push(recorded);
        const answer = (this.scripted.shift() ?? this.fallback)(recorded);
        const send = () => {
          const payload = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
          response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
          response.end(payload);
        };
        if (answer.delayMs) setTimeout(send, answer.delayMs);
        else send();
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/v1`;
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
}

interface ChatBody {
  model?: string;
  messages?: Array<{ role?: string; content?: unknown }>;
}

/** OpenAI's documented `chat.completion` shape, echoing the last user message. */
export function echoCompletion(request: RecordedRequest): ScriptedResponse {
  const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as ChatBody;
  const lastUser = [...(body.messages ?? [])].reverse().find((message) => message.role === 'user');
  const content = typeof lastUser?.content === 'string' ? lastUser.content : '';
  return {
    status: 200,
    headers: { 'x-request-id': 'req_upstream_1' },
    body: {
      id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
      object: 'chat.completion',
      created: 1741569952,
      model: `${body.model ?? 'gpt-4o-mini'}-2024-07-18`,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: `echo: ${content}`, refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: 19,
        completion_tokens: 10,
        total_tokens: 29,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      },
      service_tier: 'default',
      system_fingerprint: 'fp_06737a9306',
    },
  };
}

/** OpenAI's documented error body. */
export function openaiError(status: number, error: { message: string; type: string; code?: string | null; param?: string | null }, headers?: Record<string, string>): ScriptedResponse {
  return { status, headers, body: { error: { message: error.message, type: error.type, param: error.param ?? null, code: error.code ?? null } } };
}
