import { OpenAIWireServer, splitText, type RecordedRequest, type ScriptedResponse, type ScriptedStream } from './openai-wire-server.ts';

/**
 * A local HTTP server speaking Cohere's v2 API, for tests: `POST /v2/chat` (server-sent events when the
 * body says `"stream": true`) and `POST /v2/embed`. Like Cohere it wants `Authorization: Bearer <key>`
 * (401 `{"message": …}` otherwise) and answers other paths with 404; by default chat echoes the last
 * user text and embed answers one `[length of the text]` vector per text.
 */
export class CohereWireServer extends OpenAIWireServer {
  protected override readonly basePath = '';

  constructor(private readonly apiKey: string) {
    super(defaultAnswer);
  }

  protected override answer(request: RecordedRequest): ScriptedResponse | ScriptedStream {
    return this.protocolError(request) ?? super.answer(request);
  }

  protected override defaultStream(request: RecordedRequest): ScriptedStream {
    return cohereTextStream(splitText(`echo: ${lastUserText(request)}`, 3));
  }

  private protocolError(request: RecordedRequest): ScriptedResponse | undefined {
    if (request.method !== 'POST' || (request.path !== '/v2/chat' && request.path !== '/v2/embed')) return cohereError(404, `Not Found: ${request.path}`);
    if (request.headers.authorization !== `Bearer ${this.apiKey}`) return cohereError(401, 'invalid api token');
    return undefined;
  }
}

/** Cohere's error body. */
export function cohereError(status: number, message: string, headers?: Record<string, string>): ScriptedResponse {
  return { status, headers, body: { id: 'b5c2e3f4-5d6e-4f70-8a91-0b1c2d3e4f50', message } };
}

/** A v2 chat response in the API reference's shape. */
export function cohereChatResponse(fields: { content?: string; toolCalls?: Array<{ id: string; name: string; arguments: string }>; toolPlan?: string; finishReason?: string }): ScriptedResponse {
  return {
    status: 200,
    body: {
      id: 'c14c80c3-18eb-4519-9460-6c92edd8cfb4',
      finish_reason: fields.finishReason ?? (fields.toolCalls ? 'TOOL_CALL' : 'COMPLETE'),
      message: {
        role: 'assistant',
        ...(fields.content === undefined ? {} : { content: [{ type: 'text', text: fields.content }] }),
        ...(fields.toolPlan === undefined ? {} : { tool_plan: fields.toolPlan }),
        ...(fields.toolCalls ? { tool_calls: fields.toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })) } : {}),
      },
      usage: { billed_units: { input_tokens: 5, output_tokens: 7 }, tokens: { input_tokens: 71, output_tokens: 7 } },
    },
  };
}

function frame(data: { type: string } & Record<string, unknown>): string {
  return `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A streamed text answer as Cohere frames it: message-start, one text content block in the given deltas, message-end with usage. */
export function cohereTextStream(deltas: string[], finishReason = 'COMPLETE'): ScriptedStream {
  return {
    frames: [
      frame({ id: '29f14a5a-11de-4cae-9800-25e4747408ea', type: 'message-start', delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } } }),
      frame({ type: 'content-start', index: 0, delta: { message: { content: { type: 'text', text: '' } } } }),
      ...deltas.map((text) => frame({ type: 'content-delta', index: 0, delta: { message: { content: { text } } } })),
      frame({ type: 'content-end', index: 0 }),
      frame({ type: 'message-end', delta: { finish_reason: finishReason, usage: { billed_units: { input_tokens: 3, output_tokens: 9 }, tokens: { input_tokens: 69, output_tokens: 9 } } } }),
    ],
  };
}

function lastUserText(request: RecordedRequest): string {
  const body = request.body as { messages?: Array<{ role?: string; content?: unknown }> };
  const lastUser = [...(body.messages ?? [])].reverse().find((message) => message.role === 'user');
  if (typeof lastUser?.content === 'string') return lastUser.content;
  return Array.isArray(lastUser?.content) ? (lastUser.content as Array<{ text?: string }>).map((part) => part.text ?? '').join('') : '';
}

function defaultAnswer(request: RecordedRequest): ScriptedResponse {
  if (request.path === '/v2/embed') {
    const texts = (request.body as { texts?: string[] }).texts ?? [];
    return {
      status: 200,
      body: {
        id: 'da6e531f-54c6-4a73-bf92-f60566d8d753',
        embeddings: { float: texts.map((text) => [text.length, 0.25]) },
        texts,
        meta: { api_version: { version: '2' }, billed_units: { input_tokens: texts.length * 2 } },
        response_type: 'embeddings_by_type',
      },
    };
  }
  return cohereChatResponse({ content: `echo: ${lastUserText(request)}` });
}
