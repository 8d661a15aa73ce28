/**
 * Anthropic's Messages API (`POST /v1/messages`, `POST /v1/messages/count_tokens`) as a format at the
 * API edge: requests converted to the internal chat request, answers and streams converted back.
 */
export { anthropicErrorBody, anthropicErrorType } from './anthropic-errors.ts';
export { AnthropicStreamEncoder, type AnthropicStreamEncoderOptions } from './anthropic-stream-encoder.ts';
export { convertMessagesRequest, type ConvertMessagesResult, type MessagesRequestHeaders } from './convert-messages-request.ts';
export { convertToMessage, messageIdFor, type ConvertToMessageInput } from './convert-messages-response.ts';
export { countMessageTokens, type CountMessageTokensResult } from './count-tokens.ts';
export { messageSchema, type AnthropicErrorBody, type AnthropicMessage, type MessageStreamEvent } from './message-response-schemas.ts';
export { messagesCountTokensRequestSchema, messagesRequestSchema, type MessagesCountTokensRequest, type MessagesRequest } from './messages-schemas.ts';
export { messageStreamEventSchema } from './message-stream-event-schemas.ts';
