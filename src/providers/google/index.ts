import type { HttpWireFormat } from '../provider-client.ts';
import { convertGeminiResponse } from './convert-gemini-response.ts';
import { createGeminiStreamTranslator } from './convert-gemini-stream.ts';
import { convertToGeminiRequest, convertToGeminiStreamRequest, type GeminiRequestSettings } from './convert-to-gemini-request.ts';
import { parseGeminiError } from './gemini-error.ts';

/**
 * Google's Gemini API (`models/{model}:generateContent`, streamed through
 * `:streamGenerateContent?alt=sse`; key in `x-goog-api-key`).
 */
export const googleWireFormat: HttpWireFormat<GeminiRequestSettings> = {
  type: 'google',
  buildChatRequest: convertToGeminiRequest,
  parseChatResponse: convertGeminiResponse,
  parseError: parseGeminiError,
  buildStreamRequest: convertToGeminiStreamRequest,
  createStreamTranslator: createGeminiStreamTranslator,
};
