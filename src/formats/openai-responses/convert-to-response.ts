import type { ChatCompletion, TokenUsage } from '../../providers/chat-completion-schemas.ts';
import { isFunctionTool } from './convert-responses-tools.ts';
import { convertResponsesUsage, reasoningTokensOf } from './convert-responses-usage.ts';
import { mapResponsesStatus, type IncompleteDetails } from './map-responses-status.ts';
import { responseErrorOf, type ResponseError, type ResponseFailure } from './openai-responses-errors.ts';
import { outputItemId } from './response-ids.ts';
import type { ResponseObject, ResponseOutputItem, ResponseOutputMessage, ResponsesFunctionTool, ResponseStatus, ResponsesRequest, ResponsesUsage } from './responses-schemas.ts';

/** What every Response of a request shows: its id, model, creation time and the request's settings. */
export interface ResponseContext {
  /** `resp_…` */
  id: string;
  /** The model as the client named it. */
  model: string;
  /** Epoch seconds. */
  createdAt: number;
  request: ResponsesRequest;
}

/** Where a Response stands: what changes between `queued` and `completed`. */
export interface ResponseState {
  status: ResponseStatus;
  output: ResponseOutputItem[];
  usage?: ResponsesUsage | null;
  error?: ResponseError | null;
  incompleteDetails?: IncompleteDetails | null;
  /** Epoch seconds; only a completed response has it. */
  completedAt?: number | null;
}

/** Function tools as the Response echoes them: every field present, `strict` as the gateway applied it. */
function echoedTools(request: ResponsesRequest): ResponsesFunctionTool[] {
  return (request.tools ?? []).filter(isFunctionTool).map((tool) => ({ ...tool, description: tool.description ?? null, parameters: tool.parameters ?? null, strict: tool.strict === true }));
}

/**
 * A Response: the state given, and the request's settings echoed as OpenAI echoes them (defaults
 * filled in; `temperature` and `top_p` stay null when unset, since the provider's default applies).
 * `output_text` is left out: it is not on the wire, the OpenAI SDKs compute it from `output`.
 * @see https://platform.openai.com/docs/api-reference/responses/object
 */
export function responseObject(context: ResponseContext, state: ResponseState): ResponseObject {
  const { request } = context;
  return {
    id: context.id,
    object: 'response',
    created_at: context.createdAt,
    status: state.status,
    background: request.background ?? false,
    completed_at: state.completedAt ?? null,
    error: state.error ?? null,
    incomplete_details: state.incompleteDetails ?? null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    metadata: request.metadata ?? {},
    model: context.model,
    output: state.output,
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: request.previous_response_id ?? null,
    reasoning: { effort: request.reasoning?.effort ?? null, summary: request.reasoning?.summary ?? null },
    store: request.store ?? true,
    temperature: request.temperature ?? null,
    text: { ...request.text, format: request.text?.format ?? { type: 'text' } },
    tool_choice: request.tool_choice ?? 'auto',
    tools: echoedTools(request),
    top_p: request.top_p ?? null,
    truncation: request.truncation ?? 'disabled',
    usage: state.usage ?? null,
    user: request.user ?? null,
  };
}

/** A background response accepted and waiting for a worker. */
export function queuedResponse(context: ResponseContext): ResponseObject {
  return responseObject(context, { status: 'queued', output: [] });
}

/** A response being generated (a background one picked up, or a stream's first events). */
export function inProgressResponse(context: ResponseContext): ResponseObject {
  return responseObject(context, { status: 'in_progress', output: [] });
}

/** A background response cancelled before it settled: no output, no usage. */
export function cancelledResponse(context: ResponseContext): ResponseObject {
  return responseObject(context, { status: 'cancelled', output: [] });
}

/** A response that failed: `error` with OpenAI's code for the failure; the output produced so far, if any. */
export function failedResponse(context: ResponseContext, failure: ResponseFailure, output: ResponseOutputItem[] = []): ResponseObject {
  return responseObject(context, { status: 'failed', output, error: responseErrorOf(failure) });
}

/** Marks the last output item incomplete (the one the answer stopped in), when it has a status. */
export function markLastIncomplete(output: ResponseOutputItem[]): void {
  const last = output.at(-1);
  if (last && last.type !== 'reasoning') last.status = 'incomplete';
}

/**
 * The output items of a chat completion's first choice, in the order a stream announces them:
 * reasoning (`message.reasoning_content` as summary text), the message (text and refusal), then a
 * function call per tool call. Item ids derive from the response id and position.
 */
export function convertOutputItems(completion: ChatCompletion, responseId: string): ResponseOutputItem[] {
  const message = completion.choices[0]?.message;
  if (!message) return [];
  const output: ResponseOutputItem[] = [];
  const reasoning = message['reasoning_content'];
  if (typeof reasoning === 'string' && reasoning !== '') {
    output.push({ id: outputItemId('rs', responseId, output.length), type: 'reasoning', summary: [{ type: 'summary_text', text: reasoning }] });
  }
  const content: ResponseOutputMessage['content'] = [];
  if (message.content) content.push({ type: 'output_text', text: message.content, annotations: [] });
  if (message.refusal) content.push({ type: 'refusal', refusal: message.refusal });
  if (content.length > 0) output.push({ id: outputItemId('msg', responseId, output.length), type: 'message', role: 'assistant', status: 'completed', content });
  for (const call of message.tool_calls ?? []) {
    if (!call.function) continue;
    output.push({ id: outputItemId('fc', responseId, output.length), type: 'function_call', call_id: call.id, name: call.function.name, arguments: call.function.arguments, status: 'completed' });
  }
  return output;
}

export interface ConvertToResponseInput extends ResponseContext {
  usage: TokenUsage;
  /** USD, exact decimal: `usage.cost`, as on chat completions. */
  cost?: string | undefined;
  /** Epoch seconds. @defaultValue `createdAt` */
  completedAt?: number | undefined;
}

/**
 * A chat completion → a Response. `finish_reason` `length` or `content_filter` makes it `incomplete`
 * (with the reason, and the last item incomplete); otherwise it is `completed`.
 */
export function convertToResponse(completion: ChatCompletion, input: ConvertToResponseInput): ResponseObject {
  const output = convertOutputItems(completion, input.id);
  const { status, incompleteDetails } = mapResponsesStatus(completion.choices[0]?.finish_reason);
  if (status === 'incomplete') markLastIncomplete(output);
  const usage = convertResponsesUsage(input.usage, { reasoningTokens: reasoningTokensOf(completion.usage), cost: input.cost });
  return responseObject(input, { status, output, usage, incompleteDetails, completedAt: status === 'completed' ? (input.completedAt ?? input.createdAt) : null });
}
