/**
 * OpenAI's Responses API (`POST /v1/responses`) as a format at the edge: a request is translated to
 * the gateway's chat completion request, runs on any provider, and the answer is translated back to
 * a Response object or the Responses stream events.
 * @see https://platform.openai.com/docs/api-reference/responses
 */
export { convertResponsesRequest, type ConvertResponsesRequestOptions, type ResponsesRequestConversion } from './convert-responses-request.ts';
export { convertResponsesUsage } from './convert-responses-usage.ts';
export { cancelledResponse, convertToResponse, failedResponse, inProgressResponse, queuedResponse, responseObject, type ConvertToResponseInput, type ResponseContext } from './convert-to-response.ts';
export { failureOf, responseErrorOf, type ResponseError, type ResponseFailure } from './openai-responses-errors.ts';
export { newResponseId } from './response-ids.ts';
export {
  responseItemSchema,
  responseObjectSchema,
  responsesRequestSchema,
  type ResponseInputItem,
  type ResponseItem,
  type ResponseObject,
  type ResponseOutputItem,
  type ResponsesRequest,
} from './responses-schemas.ts';
export { encodeResponseEvents, ResponsesStreamEncoder, type ResponsesStreamEncoderOptions } from './responses-stream-encoder.ts';
export { responseStreamEventSchema } from './response-stream-event-schemas.ts';
