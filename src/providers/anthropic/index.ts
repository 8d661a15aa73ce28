import type { HttpWireFormat } from '../provider-client.ts';
import { parseAnthropicError } from './anthropic-error.ts';
import { convertAnthropicResponse } from './convert-anthropic-response.ts';
import { createAnthropicStreamTranslator } from './convert-anthropic-stream.ts';
import { convertToAnthropicRequest, convertToAnthropicStreamRequest, type AnthropicRequestSettings } from './convert-to-anthropic-request.ts';

/** Anthropic's Messages API (`POST {baseUrl}/messages`). @see https://docs.anthropic.com/en/api/messages */
export const anthropicWireFormat: HttpWireFormat<AnthropicRequestSettings> = {
  type: 'anthropic',
  buildChatRequest: convertToAnthropicRequest,
  parseChatResponse: convertAnthropicResponse,
  parseError: parseAnthropicError,
  buildStreamRequest: convertToAnthropicStreamRequest,
  createStreamTranslator: createAnthropicStreamTranslator,
};
