import { OpenAIWireServer, type RecordedRequest, type ScriptedResponse } from './openai-wire-server.ts';

type Responder = (request: RecordedRequest) => ScriptedResponse;

/**
 * A local HTTP server speaking Anthropic's Messages wire format, for tests. It records every request
 * (the HTTP side is the OpenAI-wire server's), checks each the way Anthropic does (auth and version
 * headers, required and unknown fields, role alternation, tool_result placement) and answers
 * Anthropic's own 4xx when one is wrong; otherwise a scripted answer (`enqueue`) or a message echoing
 * the last user text. @see https://docs.anthropic.com/en/api/messages
 */
export class AnthropicWireServer extends OpenAIWireServer {
  constructor(fallback: Responder = echoMessage) {
    super((request) => refusal(request) ?? fallback(request));
  }

  override enqueue(...responses: Array<ScriptedResponse | Responder>): void {
    super.enqueue(...responses.map((response): Responder => (request) => refusal(request) ?? (typeof response === 'function' ? response(request) : response)));
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
type Block = { type?: unknown; text?: unknown; id?: unknown; tool_use_id?: unknown };

export function echoMessage(request: RecordedRequest): ScriptedResponse {
  const body = request.body as MessagesBody;
  const lastUser = [...(body.messages ?? [])].reverse().find((message) => message.role === 'user');
  const blocks = Array.isArray(lastUser?.content) ? (lastUser.content as Block[]) : [];
  const text = blocks.map((block) => (block.type === 'text' && typeof block.text === 'string' ? block.text : '')).join('');
  return anthropicMessage({ content: [{ type: 'text', text: `echo: ${text}` }] });
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
  return undefined;
}
