import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createParser } from 'eventsource-parser';
import type { WireEvent } from '../../src/providers/chat-stream.ts';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** The client's address (which host sent it, on a test network). */
  remoteAddress?: string | undefined;
}

export interface ScriptedResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Delay before answering. */
  delayMs?: number;
  /** Called once the answer is written (to count what is in flight). */
  onSent?: () => void;
}

/** A streamed answer, written frame by frame as a provider sends it. */
export interface ScriptedStream {
  /** Raw SSE text frames, each written as-is in order (e.g. `data: {...}\n\n`). */
  frames: string[];
  /** Delay before each frame after the first. @defaultValue 0 */
  frameDelayMs?: number;
  /** Destroy the socket after the frames instead of ending the response (a cut stream). */
  cut?: boolean;
  /** @defaultValue 200 */
  status?: number;
  headers?: Record<string, string>;
}

type Responder = (request: RecordedRequest) => ScriptedResponse;

type Scripted = { kind: 'response'; respond: Responder } | { kind: 'stream'; stream: ScriptedStream };

/**
 * A local HTTP server speaking OpenAI's Chat Completions wire format, for tests and benchmarks.
 * By default it answers a `chat.completion` echoing the last user message (in the shape of the
 * recorded fixture), or for a streamed request the same echo as `chat.completion.chunk`s; `enqueue`
 * and `enqueueStream` script the next answers (errors, odd bodies, cut streams) one by one, in one queue.
 *
 * Subclasses speaking another format reuse the streaming: {@link isStreamRequest} says which requests
 * stream, {@link defaultStream} what they get when nothing is scripted, and {@link answer} picks every
 * answer (wrap it to refuse bad requests first).
 */
export class OpenAIWireServer {
  readonly requests: RecordedRequest[] = [];
  private readonly scripted: Scripted[] = [];
  private server: Server | undefined;
  private stopping = false;
  /** Keep request bodies (off in benchmarks, to measure the gateway, not the recorder). */
  record = true;
  /** Streamed responses whose socket the client closed before the server ended them. */
  streamsClosedByClient = 0;

  /** The API's path prefix, in the URL `start` answers. */
  protected readonly basePath: string = '/v1';

  constructor(private readonly fallback: Responder = echoCompletion) {}

  /** Listens on `host` (127.0.0.1 unless given, e.g. a test network's bridge address); returns the API's base URL. */
  async start(host = '127.0.0.1'): Promise<string> {
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
          // keep the raw text
        }
        const recorded: RecordedRequest = { method: request.method ?? '', path: request.url ?? '', headers: request.headers, body, remoteAddress: request.socket.remoteAddress };
        if (this.record) this.requests.push(recorded);
        const answer = this.answer(recorded);
        if ('frames' in answer) {
          this.writeStream(response, answer);
          return;
        }
        const send = () => {
          const payload = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
          response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
          response.end(payload);
          answer.onSent?.();
        };
        if (answer.delayMs) setTimeout(send, answer.delayMs);
        else send();
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server?.listen(0, host, resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://${host}:${port}${this.basePath}`;
  }

  /** The next answers, in order; afterwards the default echo resumes. A JSON answer to a streamed request is how a provider fails it before streaming. */
  enqueue(...responses: Array<ScriptedResponse | Responder>): void {
    for (const response of responses) this.scripted.push({ kind: 'response', respond: typeof response === 'function' ? response : () => response });
  }

  /** The next answers as streams, queued with {@link enqueue}'s in call order. */
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

  /** The answer to a request: the next scripted one, else the default stream for a streamed request, else the fallback. */
  protected answer(request: RecordedRequest): ScriptedResponse | ScriptedStream {
    const next = this.scripted.shift();
    if (next) return next.kind === 'stream' ? next.stream : next.respond(request);
    return this.isStreamRequest(request) ? this.defaultStream(request) : this.fallback(request);
  }

  /** OpenAI streams when the body says `stream: true`. */
  protected isStreamRequest(request: RecordedRequest): boolean {
    return typeof request.body === 'object' && request.body !== null && (request.body as { stream?: unknown }).stream === true;
  }

  /** What a streamed request gets when nothing is scripted: the echo, streamed (or a JSON refusal). */
  protected defaultStream(request: RecordedRequest): ScriptedStream | ScriptedResponse {
    return echoStream(request);
  }

  private writeStream(response: ServerResponse, stream: ScriptedStream): void {
    let ended = false;
    let timer: NodeJS.Timeout | undefined;
    response.on('close', () => {
      clearTimeout(timer);
      // Streams the server itself closes when it stops are not the client's doing.
      if (!ended && !this.stopping) this.streamsClosedByClient += 1;
    });
    response.writeHead(stream.status ?? 200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...stream.headers });
    const writeFrom = (first: number): void => {
      for (let index = first; index < stream.frames.length; index += 1) {
        if (response.destroyed) return;
        if (index > first && stream.frameDelayMs) {
          timer = setTimeout(() => writeFrom(index), stream.frameDelayMs);
          return;
        }
        response.write(stream.frames[index]);
      }
      if (response.destroyed) return;
      ended = true;
      // A cut ends the connection mid-body (no terminating chunk), once the frames are flushed.
      if (stream.cut) response.socket?.destroySoon();
      else response.end();
    };
    writeFrom(0);
  }
}

interface ChatBody {
  model?: string;
  messages?: Array<{ role?: string; content?: unknown }>;
  stream_options?: { include_usage?: unknown } | null;
}

function chatBody(request: RecordedRequest): ChatBody {
  return (typeof request.body === 'object' && request.body !== null ? request.body : {}) as ChatBody;
}

function lastUserText(body: ChatBody): string {
  const lastUser = [...(body.messages ?? [])].reverse().find((message) => message.role === 'user');
  return typeof lastUser?.content === 'string' ? lastUser.content : '';
}

const echoUsage = {
  prompt_tokens: 19,
  completion_tokens: 10,
  total_tokens: 29,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
};

/** OpenAI's documented `chat.completion` shape, echoing the last user message. */
export function echoCompletion(request: RecordedRequest): ScriptedResponse {
  const body = chatBody(request);
  const content = lastUserText(body);
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
      usage: echoUsage,
      service_tier: 'default',
      system_fingerprint: 'fp_06737a9306',
    },
  };
}

/** OpenAI's documented error body. */
export function openaiError(status: number, error: { message: string; type: string; code?: string | null; param?: string | null }, headers?: Record<string, string>): ScriptedResponse {
  return { status, headers, body: { error: { message: error.message, type: error.type, param: error.param ?? null, code: error.code ?? null } } };
}

/**
 * {@link echoCompletion} as OpenAI streams it: a role chunk, the text in three deltas, a `stop` chunk,
 * with `stream_options.include_usage` a usage chunk (`choices: []`, every other chunk `usage: null`),
 * then `data: [DONE]`.
 */
export function echoStream(request: RecordedRequest): ScriptedStream {
  const body = chatBody(request);
  const includeUsage = body.stream_options?.include_usage === true;
  const envelope = {
    id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
    object: 'chat.completion.chunk',
    created: 1741569952,
    model: `${body.model ?? 'gpt-4o-mini'}-2024-07-18`,
    service_tier: 'default',
    system_fingerprint: 'fp_06737a9306',
  };
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) => ({
    ...envelope,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(includeUsage ? { usage: null } : {}),
  });
  const chunks: unknown[] = [chunk({ role: 'assistant', content: '', refusal: null }), ...splitText(`echo: ${lastUserText(body)}`, 3).map((content) => chunk({ content })), chunk({}, 'stop')];
  if (includeUsage) chunks.push({ ...envelope, choices: [], usage: echoUsage });
  return { headers: { 'x-request-id': 'req_upstream_1' }, frames: [...chunks.map(sseData), 'data: [DONE]\n\n'] };
}

/** One `data:` frame of a JSON value, as OpenAI writes it. */
export function sseData(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`;
}

/** Splits SSE text into the events a client's parser yields (for feeding stream translators in tests). */
export function readWireEvents(text: string): WireEvent[] {
  const events: WireEvent[] = [];
  const parser = createParser({ onEvent: (event) => events.push({ event: event.event, data: event.data }) });
  parser.feed(text);
  return events;
}

/** At most `parts` non-empty pieces of about equal length, split between code points. */
export function splitText(text: string, parts: number): string[] {
  const characters = Array.from(text);
  const size = Math.ceil(characters.length / parts);
  const pieces: string[] = [];
  for (let start = 0; start < characters.length; start += size) pieces.push(characters.slice(start, start + size).join(''));
  return pieces;
}
