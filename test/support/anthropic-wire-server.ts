import { OpenAIWireServer, splitText, type RecordedRequest, type ScriptedResponse, type ScriptedStream } from './openai-wire-server.ts';

type Responder = (request: RecordedRequest) => ScriptedResponse;

/**
 * A local HTTP server speaking Anthropic's Messages wire format, for tests. It records every request
 * (the HTTP side is the OpenAI-wire server's), checks each the way Anthropic does (auth and version
 * headers, required and unknown fields, role alternation, tool_result placement) and answers
 * Anthropic's own 4xx when one is wrong (thinking included: with it on, the assistant turn a tool_result
 * answers must start with its signed thinking block); otherwise a scripted answer (`enqueue`, `enqueueStream`) or
 * a message echoing the last user text, streamed as Anthropic's events when the body says
 * `"stream": true`. A refused request still uses up the next scripted answer.
 * @see https://docs.anthropic.com/en/api/messages
 */
export class AnthropicWireServer extends OpenAIWireServer {
  constructor(fallback: Responder = echoMessage) {
    super(fallback);
  }

  protected override answer(request: RecordedRequest): ScriptedResponse | ScriptedStream {
    const answer = super.answer(request);
    return refusal(request) ?? answer;
  }

  protected override defaultStream(request: RecordedRequest): ScriptedStream {
    return echoMessageStream(request);
  }
}

/** Anthropic's documented error body. */
export function anthropicError(status: number, type: string, message: string, headers?: Record<string, string>): ScriptedResponse {
  return { status, headers: { 'request-id': 'req_011CSHoEeqs5C35K2UUqR7Fy', ...headers }, body: { type: 'error', error: { type, message }, request_id: 'req_011CSHoEeqs5C35K2UUqR7Fy' } };
}

/** A 200 with an Anthropic message in the shape of the API reference's example. */
export function anthropicMessage(fields: { content: unknown[]; stop_reason?: string; usage?: Record<string, number>; model?: string }): ScriptedResponse {
  return {
    status: 200,
    headers: { 'request-id': 'req_018EeWyXxfu5pfWkrYcMdjWG' },
    body: {
      id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
      type: 'message',
      role: 'assistant',
      content: fields.content,
      model: fields.model ?? 'claude-sonnet-4-5-20250929',
      stop_reason: fields.stop_reason ?? 'end_turn',
      stop_sequence: null,
      usage: fields.usage ?? { input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 6 },
    },
  };
}

interface MessagesBody {
  messages?: Array<{ role?: unknown; content?: unknown }>;
  [field: string]: unknown;
}
type Block = { type?: unknown; text?: unknown; id?: unknown; tool_use_id?: unknown; signature?: unknown };

function lastUserText(request: RecordedRequest): string {
  // Also reached for a request about to be refused (a body that is not even an object).
  const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as MessagesBody;
  const lastUser = [...(body.messages ?? [])].reverse().find((message) => message.role === 'user');
  const blocks = Array.isArray(lastUser?.content) ? (lastUser.content as Block[]) : [];
  return blocks.map((block) => (block.type === 'text' && typeof block.text === 'string' ? block.text : '')).join('');
}

export function echoMessage(request: RecordedRequest): ScriptedResponse {
  return anthropicMessage({ content: [{ type: 'text', text: `echo: ${lastUserText(request)}` }] });
}

/** One server-sent event as Anthropic frames it: the event name is the data's `type`. */
export function anthropicEvent(data: { type: string } & Record<string, unknown>): string {
  return `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * The frames of a streamed text answer, in the shape of Anthropic's streaming guide: `message_start`
 * (input usage), one text block whose text arrives in the given deltas (a `ping` after its start),
 * `message_delta` (stop reason, cumulative output tokens), `message_stop`.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */
export function anthropicTextStreamFrames(fields: { deltas: string[]; stop_reason?: string; usage?: { input_tokens: number; output_tokens: number }; model?: string }): string[] {
  const usage = fields.usage ?? { input_tokens: 12, output_tokens: 6 };
  return [
    anthropicEvent({
      type: 'message_start',
      message: {
        id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
        type: 'message',
        role: 'assistant',
        content: [],
        model: fields.model ?? 'claude-sonnet-4-5-20250929',
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: usage.input_tokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 },
      },
    }),
    anthropicEvent({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    anthropicEvent({ type: 'ping' }),
    ...fields.deltas.map((text) => anthropicEvent({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })),
    anthropicEvent({ type: 'content_block_stop', index: 0 }),
    anthropicEvent({ type: 'message_delta', delta: { stop_reason: fields.stop_reason ?? 'end_turn', stop_sequence: null }, usage: { output_tokens: usage.output_tokens } }),
    anthropicEvent({ type: 'message_stop' }),
  ];
}

/** An `event: error` frame, as Anthropic sends one mid-stream (e.g. `overloaded_error`). */
export function anthropicErrorEvent(type: string, message: string): string {
  return anthropicEvent({ type: 'error', error: { type, message } });
}

/** {@link echoMessage} as Anthropic streams it: the echo text in three deltas, usage in message_start and message_delta. */
export function echoMessageStream(request: RecordedRequest): ScriptedStream {
  return { headers: { 'request-id': 'req_018EeWyXxfu5pfWkrYcMdjWG' }, frames: anthropicTextStreamFrames({ deltas: splitText(`echo: ${lastUserText(request)}`, 3) }) };
}

const topLevelFields = new Set(['model', 'max_tokens', 'messages', 'system', 'temperature', 'top_p', 'top_k', 'stop_sequences', 'tools', 'tool_choice', 'metadata', 'thinking', 'stream']);

/** What Anthropic would refuse, as its own error answer; undefined for a request it takes. */
function refusal(request: RecordedRequest): ScriptedResponse | undefined {
  const invalid = (message: string) => anthropicError(400, 'invalid_request_error', message);
  if (request.method !== 'POST' || request.path !== '/v1/messages') return anthropicError(404, 'not_found_error', 'Not Found');
  if (!request.headers['x-api-key']) return anthropicError(401, 'authentication_error', 'x-api-key header is required');
  if (!request.headers['anthropic-version']) return invalid('anthropic-version: header is required');
  if (!String(request.headers['content-type']).startsWith('application/json')) return invalid('content-type must be application/json');
  if (typeof request.body !== 'object' || request.body === null) return invalid('There was an error parsing the body of your request');
  const body = request.body as MessagesBody;
  const extra = Object.keys(body).find((field) => !topLevelFields.has(field));
  if (extra) return invalid(`${extra}: Extra inputs are not permitted`);
  if (typeof body['model'] !== 'string') return invalid('model: Field required');
  if (!Number.isInteger(body['max_tokens']) || (body['max_tokens'] as number) < 1) return invalid('max_tokens: Field required');
  const temperature = body['temperature'];
  if (temperature !== undefined && (typeof temperature !== 'number' || temperature < 0 || temperature > 1)) return invalid('temperature: range: 0..1');
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return invalid('messages: at least one message is required');
  for (const [index, message] of messages.entries()) {
    if (message.role !== 'user' && message.role !== 'assistant') return invalid(`messages.${index}.role: Input should be 'user' or 'assistant'`);
    if (index > 0 && messages[index - 1]?.role === message.role) return invalid('messages: roles must alternate between "user" and "assistant"');
    const blocks: Block[] = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : Array.isArray(message.content) ? (message.content as Block[]) : [];
    if (blocks.length === 0) return invalid(`messages.${index}: all messages must have non-empty content`);
    if (blocks.some((block) => block.type === 'text' && block.text === '')) return invalid(`messages.${index}: text content blocks must be non-empty`);
    const firstOther = blocks.findIndex((block) => block.type !== 'tool_result');
    if (firstOther >= 0 && blocks.slice(firstOther).some((block) => block.type === 'tool_result')) {
      return invalid(`messages.${index}: tool_result blocks must come first in the user message content`);
    }
    const next = messages[index + 1];
    const answered = new Set((Array.isArray(next?.content) ? (next.content as Block[]) : []).map((block) => block.tool_use_id));
    const unanswered = blocks.filter((block) => block.type === 'tool_use' && !answered.has(block.id));
    if (next && unanswered.length > 0) return invalid(`messages.${index}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after`);
  }
  if (messages.some((message) => Array.isArray(message.content) && (message.content as Block[]).some((block) => block.type === 'tool_use')) && !Array.isArray(body['tools'])) {
    return invalid('Requests which include `tool_use` or `tool_result` blocks must define tools.');
  }
  return thinkingRefusal(body, messages);
}

/**
 * Anthropic's checks of thinking history: a thinking block carries its signature, and with thinking on the
 * assistant turn that the last tool_result answers starts with a thinking (or redacted_thinking) block.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#preserving-thinking-blocks
 */
function thinkingRefusal(body: MessagesBody, messages: NonNullable<MessagesBody['messages']>): ScriptedResponse | undefined {
  const blocksOf = (message: { content?: unknown } | undefined): Block[] => (Array.isArray(message?.content) ? (message.content as Block[]) : []);
  for (const [index, message] of messages.entries()) {
    const unsigned = blocksOf(message).findIndex((block) => block.type === 'thinking' && typeof block.signature !== 'string');
    if (unsigned >= 0) return anthropicError(400, 'invalid_request_error', `messages.${index}.content.${unsigned}.thinking.signature: Field required`);
  }
  const thinking = body['thinking'];
  const enabled = typeof thinking === 'object' && thinking !== null && (thinking as { type?: unknown }).type !== 'disabled';
  if (!enabled || !blocksOf(messages.at(-1)).some((block) => block.type === 'tool_result')) return undefined;
  const index = messages.length - 2;
  const first = blocksOf(messages[index])[0]?.type;
  if (first === 'thinking' || first === 'redacted_thinking') return undefined;
  return anthropicError(
    400,
    'invalid_request_error',
    `messages.${index}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${String(first)}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks).`,
  );
}
