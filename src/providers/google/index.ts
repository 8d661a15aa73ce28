import type { HttpWireFormat } from '../provider-client.ts';
import { convertGeminiResponse } from './chat/convert-gemini-response.ts';
import { createGeminiStreamTranslator } from './chat/convert-gemini-stream.ts';
import { convertToGeminiRequest, convertToGeminiStreamRequest, type GeminiRequestSettings } from './chat/convert-to-gemini-request.ts';
import { parseGeminiError } from './gemini-error.ts';
import { convertGeminiEmbeddingsResponse } from './embeddings/convert-gemini-embeddings-response.ts';
import { convertToGeminiEmbeddingsRequest, maxGeminiEmbeddingInputs } from './embeddings/convert-to-gemini-embeddings-request.ts';

/**
 * Google's Gemini API (`models/{model}:generateContent`, streamed through
 * `:streamGenerateContent?alt=sse`; embeddings through `:embedContent` and `:batchEmbedContents`; key
 * in `x-goog-api-key`).
 */
export const googleWireFormat: HttpWireFormat<GeminiRequestSettings> = {
  type: 'google',
  embeddings: { maxInputsPerCall: maxGeminiEmbeddingInputs, buildRequest: convertToGeminiEmbeddingsRequest, parseResponse: convertGeminiEmbeddingsResponse },
  buildChatRequest: convertToGeminiRequest,
  parseChatResponse: convertGeminiResponse,
  parseError: parseGeminiError,
  buildStreamRequest: convertToGeminiStreamRequest,
  createStreamTranslator: createGeminiStreamTranslator,
};
