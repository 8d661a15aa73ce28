import type { HttpWireFormat } from '../provider-client.ts';
import { convertGeminiResponse } from './convert-gemini-response.ts';
import { convertToGeminiRequest, type GeminiRequestSettings } from './convert-to-gemini-request.ts';
import { parseGeminiError } from './gemini-error.ts';

/** Google's Gemini API (`models/{model}:generateContent`, key in `x-goog-api-key`). */
export const googleWireFormat: HttpWireFormat<GeminiRequestSettings> = {
  type: 'google',
  buildChatRequest: convertToGeminiRequest,
  parseChatResponse: convertGeminiResponse,
  parseError: parseGeminiError,
};
