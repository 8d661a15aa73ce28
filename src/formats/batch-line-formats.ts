import { z } from 'zod';
import type { ChatCompletion } from '../providers/chat-completion-schemas.ts';
import { operationForPath, operationPaths, parseOperationRequest, type OperationName, type OperationPayload } from '../operations/registry.ts';
import { convertMessagesRequest, convertToMessage, messagesRequestSchema } from './anthropic-messages/index.ts';
import { convertOpenAIUsage } from '../providers/openai/chat/convert-openai-response.ts';
import { convertResponsesRequest, convertToResponse, responsesRequestSchema } from './openai-responses/index.ts';

/** OpenAI's Responses API: a batch line may call it (`url: "/v1/responses"`), as on OpenAI's Batch API. */
export const responsesPath = '/v1/responses';
/** Anthropic's Messages API: the endpoint of a batch made through the Message Batches API. */
export const messagesPath = '/v1/messages';

/** The paths a batch (and each of its lines) may call: one per operation, and the translated formats. */
export const batchEndpoints = [...operationPaths, responsesPath, messagesPath] as const;
export type BatchEndpoint = (typeof batchEndpoints)[number];

export function isBatchEndpoint(path: string): path is BatchEndpoint {
  return (batchEndpoints as readonly string[]).includes(path);
}

/** What an answer is rendered from: the line's request row and its body as written. */
export interface LineAnswerContext {
  /** The line's request id (`batch_req_…`): the answer's own id is derived from it. */
  requestId: string;
  /** The model the line asked for. */
  model: string;
  /** The line's body as the caller wrote it (the Response echoes its settings). */
  body: unknown;
  createdAt: Date;
  completedAt: Date | null;
}

export type LineBodyProblem = { path: ReadonlyArray<PropertyKey>; message: string };
export type LineBodyParse = { ok: true; payload: OperationPayload; warnings: string[] } | { ok: false; issue: LineBodyProblem | undefined };

/**
 * A client format a batch line may be written in: how its body becomes the internal request (the
 * sync route's converter), and how the stored answer (always the internal chat completion, as for a
 * sync call) is rendered back in that format when results are read.
 */
interface BatchLineFormat {
  /** The least a body must have to be stored at all (the rest is checked when the batch is created). */
  outline: z.ZodType;
  parse(body: unknown): LineBodyParse;
  renderAnswer(answer: ChatCompletion, context: LineAnswerContext): unknown;
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** `batch_req_…` → `resp_…`: a line's Response id names the line, so every read of it is the same. */
export function responseIdOfLine(requestId: string): string {
  return `resp_${requestId.replace(/^batch_req_/, '')}`;
}

const responsesLineFormat: BatchLineFormat = {
  outline: z.looseObject({}),
  parse(body) {
    const parsed = responsesRequestSchema.safeParse(body);
    if (!parsed.success) return { ok: false, issue: parsed.error.issues[0] };
    const request = parsed.data;
    // A batch line stands alone: it has no stored conversation to continue and is already in the background.
    if (request.previous_response_id)
      return { ok: false, issue: { path: ['previous_response_id'], message: 'previous_response_id is not supported in batch lines: each line carries its whole input' } };
    if (request.background) return { ok: false, issue: { path: ['background'], message: 'background does not apply to a batch line (a batch already runs in the background)' } };
    const converted = convertResponsesRequest(request);
    if (!converted.ok) return { ok: false, issue: { path: [converted.param], message: converted.message } };
    // Kept, so the line checker refuses a streamed line as for any other endpoint.
    const chat = request.stream === true ? { ...converted.request, stream: true } : converted.request;
    return { ok: true, payload: { operation: 'chat', request: chat }, warnings: converted.warnings };
  },
  renderAnswer(answer, context) {
    const request = responsesRequestSchema.safeParse(context.body);
    return convertToResponse(answer, {
      id: responseIdOfLine(context.requestId),
      model: context.model,
      createdAt: seconds(context.createdAt),
      request: request.success ? request.data : { model: context.model },
      usage: convertOpenAIUsage(answer.usage),
      completedAt: context.completedAt ? seconds(context.completedAt) : undefined,
    });
  },
};

const messagesLineFormat: BatchLineFormat = {
  outline: z.looseObject({ messages: z.array(z.unknown(), { error: (issue) => (issue.input === undefined ? 'body.messages is missing' : 'body.messages must be an array') }) }),
  parse(body) {
    const parsed = messagesRequestSchema.safeParse(body);
    if (!parsed.success) return { ok: false, issue: parsed.error.issues[0] };
    const converted = convertMessagesRequest(parsed.data);
    if (!converted.ok) return { ok: false, issue: { path: [converted.param], message: converted.message } };
    return { ok: true, payload: { operation: 'chat', request: converted.request }, warnings: converted.warnings };
  },
  renderAnswer(answer, context) {
    return convertToMessage(answer, { model: context.model, requestId: context.requestId });
  },
};

const lineFormats: Readonly<Record<string, BatchLineFormat>> = { [responsesPath]: responsesLineFormat, [messagesPath]: messagesLineFormat };

/** The operation a batch endpoint runs: its own, or chat for a translated format. */
export function operationOfEndpoint(endpoint: string): OperationName {
  return operationForPath(endpoint) ?? 'chat';
}

/** The outline a line's body must have to be stored, per translated format. */
export const formatOutlines = { [responsesPath]: responsesLineFormat.outline, [messagesPath]: messagesLineFormat.outline } as const;

/**
 * A line's body → the internal request: checked against its operation's schema, or translated from
 * its format (with what the translation could not carry as warnings, as on the sync route).
 */
export function parseLineBody(endpoint: string, body: unknown): LineBodyParse {
  const format = Object.hasOwn(lineFormats, endpoint) ? lineFormats[endpoint] : undefined;
  if (format) return format.parse(body);
  const parsed = parseOperationRequest(operationOfEndpoint(endpoint), body);
  return parsed.ok ? { ok: true, payload: parsed.payload, warnings: [] } : { ok: false, issue: parsed.issue };
}

/**
 * The renderer of stored answers for a batch of this endpoint, or undefined when answers are returned
 * as stored (chat completions, embeddings). Renderers read the line's body (`LineAnswerContext.body`).
 */
export function answerRendererFor(endpoint: string): ((answer: ChatCompletion, context: LineAnswerContext) => unknown) | undefined {
  return Object.hasOwn(lineFormats, endpoint) ? lineFormats[endpoint]!.renderAnswer : undefined;
}
