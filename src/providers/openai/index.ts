import type { OpenAIProviderConfig } from '../../config/gateway-config.ts';
import type { HttpWireFormat } from '../provider-client.ts';
import { convertOpenAIResponse } from './convert-openai-response.ts';
import { convertToOpenAIRequest } from './convert-to-openai-request.ts';
import { parseOpenAIError } from './openai-error.ts';

/** OpenAI's Chat Completions wire format; every OpenAI-compatible vendor reuses it. */
export const openaiWireFormat: HttpWireFormat<OpenAIProviderConfig> = {
  type: 'openai',
  buildChatRequest: convertToOpenAIRequest,
  parseChatResponse: convertOpenAIResponse,
  parseError: parseOpenAIError,
};
