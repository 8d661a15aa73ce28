import type { ChatCompletionRequest } from '../../chat-completion-schemas.ts';
import type { BuildChatRequestInput, WireRequest } from '../../provider-client.ts';
import { cohereInvalidRequest } from '../cohere-error.ts';
import type { CohereChatRequest } from '../cohere-schemas.ts';
import { convertToCohereMessages } from './convert-to-cohere-messages.ts';

export interface CohereRequestSettings {
  apiKey?: string | undefined;
  headers: Record<string, string>;
}

/** Request fields this converter translates (or, for `stream`, that the gateway handles itself). */
const translatedFields = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'n',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'top_k',
  'stop',
  'seed',
  'frequency_penalty',
  'presence_penalty',
  'tools',
  'tool_choice',
  'response_format',
]);

/** A number held to Cohere's documented range, with a warning when it had to move. */
function within(field: string, cohereField: string, value: number, min: number, max: number, warnings: string[]): number {
  if (value >= min && value <= max) return value;
  const clamped = Math.min(Math.max(value, min), max);
  warnings.push(`${field}: Cohere takes "${cohereField}" from ${min} to ${max}; ${value} was sent as ${clamped}`);
  return clamped;
}

function tools(request: ChatCompletionRequest, warnings: string[]): Pick<CohereChatRequest, 'tools' | 'tool_choice'> {
  const functions = (request.tools ?? []).flatMap((tool, index) => {
    if (tool.type !== 'function' || !tool.function) {
      warnings.push(`tools[${index}]: Cohere takes function tools only; a "${tool.type}" tool was dropped`);
      return [];
    }
    const { name, description, parameters } = tool.function as { name: string; description?: unknown; parameters?: unknown };
    return [{ type: 'function' as const, function: { name, ...(typeof description === 'string' ? { description } : {}), ...(parameters === undefined ? {} : { parameters }) } }];
  });
  if (request.parallel_tool_calls === false) warnings.push('parallel_tool_calls: Cohere has no setting for it; dropped');
  const choice = request.tool_choice;
  if (functions.length === 0 || choice === undefined || choice === 'auto') return functions.length > 0 ? { tools: functions } : {};
  if (choice === 'none') return { tools: functions, tool_choice: 'NONE' };
  if (choice === 'required') return { tools: functions, tool_choice: 'REQUIRED' };
  // A named function: Cohere cannot name one, so it is offered alone and a call required.
  const named = typeof choice['function'] === 'object' && choice['function'] !== null ? (choice['function'] as { name?: unknown }).name : undefined;
  const only = functions.filter((tool) => tool.function.name === named);
  if (only.length === 0) throw cohereInvalidRequest(`tool_choice names "${String(named)}", which is not among the tools`, 'tool_choice');
  return { tools: only, tool_choice: 'REQUIRED' };
}

function responseFormat(request: ChatCompletionRequest): Pick<CohereChatRequest, 'response_format'> {
  const format = request.response_format;
  if (!format || format.type === 'text') return {};
  if (format.type === 'json_object') return { response_format: { type: 'json_object' } };
  const jsonSchema = format['json_schema'];
  const schema = typeof jsonSchema === 'object' && jsonSchema !== null ? (jsonSchema as { schema?: unknown }).schema : undefined;
  return { response_format: { type: 'json_object', ...(schema === undefined ? {} : { json_schema: schema }) } };
}

function buildBody(input: BuildChatRequestInput<CohereRequestSettings>, warnings: string[]): CohereChatRequest {
  const { request } = input;
  const body: CohereChatRequest = { model: input.upstreamModel, messages: convertToCohereMessages(request.messages), ...tools(request, warnings), ...responseFormat(request) };
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (typeof maxTokens === 'number') body.max_tokens = maxTokens;
  if (typeof request.temperature === 'number') body.temperature = request.temperature;
  if (typeof request.top_p === 'number') body.p = within('top_p', 'p', request.top_p, 0.01, 0.99, warnings);
  const topK = request['top_k'];
  if (typeof topK === 'number') body.k = within('top_k', 'k', topK, 0, 500, warnings);
  const stop = typeof request.stop === 'string' ? [request.stop] : (request.stop ?? []);
  if (stop.length > 0) body.stop_sequences = stop;
  if (typeof request.seed === 'number') body.seed = request.seed;
  if (typeof request.frequency_penalty === 'number') body.frequency_penalty = within('frequency_penalty', 'frequency_penalty', request.frequency_penalty, 0, 1, warnings);
  if (typeof request.presence_penalty === 'number') body.presence_penalty = within('presence_penalty', 'presence_penalty', request.presence_penalty, 0, 1, warnings);
  if (typeof request.n === 'number' && request.n > 1) warnings.push(`n: Cohere returns one choice; n = ${request.n} was not sent`);
  for (const [field, value] of Object.entries(request)) {
    if (!translatedFields.has(field) && field !== 'parallel_tool_calls' && value !== null && value !== undefined && value !== false) {
      warnings.push(`${field}: not supported by Cohere; dropped`);
    }
  }
  return body;
}

function build(input: BuildChatRequestInput<CohereRequestSettings>, stream: boolean): WireRequest {
  const warnings: string[] = [];
  const body = buildBody(input, warnings);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: stream ? 'text/event-stream' : 'application/json', ...input.config.headers };
  if (input.config.apiKey) headers['authorization'] = `Bearer ${input.config.apiKey}`;
  return { path: '/v2/chat', headers, body: stream ? { ...body, stream: true } : body, ...(warnings.length > 0 ? { warnings } : {}) };
}

/**
 * An OpenAI chat request → Cohere's `POST /v2/chat` (pure): `top_p` → `p`, `top_k` → `k`, `stop` →
 * `stop_sequences`, `max_completion_tokens` (else `max_tokens`) → `max_tokens`; `tool_choice`
 * `required` / `none` → `REQUIRED` / `NONE`; `response_format` `json_schema` → `json_object` with its
 * `json_schema`. Values outside Cohere's ranges are clamped and settings it lacks (`n` > 1, `logprobs`,
 * `logit_bias`, `user`, …) dropped, each with a warning.
 * @see https://docs.cohere.com/reference/chat
 */
export function convertToCohereRequest(input: BuildChatRequestInput<CohereRequestSettings>): WireRequest {
  return build(input, false);
}

/** The same request with `"stream": true`, which Cohere answers as server-sent events. @see https://docs.cohere.com/reference/chat-stream */
export function convertToCohereStreamRequest(input: BuildChatRequestInput<CohereRequestSettings>): WireRequest {
  return build(input, true);
}
