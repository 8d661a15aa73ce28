import type { HttpWireFormat } from '../provider-client.ts';
import { convertOpenAIResponse } from './convert-openai-response.ts';
import { createOpenAIStreamTranslator } from './convert-openai-stream.ts';
import { convertToOpenAIRequest, convertToOpenAIStreamRequest, type OpenAIRequestSettings } from './convert-to-openai-request.ts';
import { parseOpenAIError } from './openai-error.ts';

/** OpenAI's Chat Completions wire format; every OpenAI-compatible vendor reuses it. */
export const openaiWireFormat: HttpWireFormat<OpenAIRequestSettings> = {
  type: 'openai',
  buildChatRequest: convertToOpenAIRequest,
  parseChatResponse: convertOpenAIResponse,
  parseError: parseOpenAIError,
  buildStreamRequest: convertToOpenAIStreamRequest,
  createStreamTranslator: (input) => createOpenAIStreamTranslator(input),
};
