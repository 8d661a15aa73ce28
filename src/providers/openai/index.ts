import type { HttpWireFormat } from '../provider-client.ts';
import { convertOpenAIResponse } from './chat/convert-openai-response.ts';
import { createOpenAIStreamTranslator } from './chat/convert-openai-stream.ts';
import { convertToOpenAIRequest, convertToOpenAIStreamRequest, type OpenAIRequestSettings } from './chat/convert-to-openai-request.ts';
import { parseOpenAIError } from './openai-error.ts';
import { convertOpenAIEmbeddingsResponse } from './embeddings/convert-openai-embeddings-response.ts';
import { convertToOpenAIEmbeddingsRequest } from './embeddings/convert-to-openai-embeddings-request.ts';

/** OpenAI's Chat Completions and Embeddings wire format; every OpenAI-compatible vendor reuses it. */
export const openaiWireFormat: HttpWireFormat<OpenAIRequestSettings> = {
  type: 'openai',
  embeddings: { buildRequest: convertToOpenAIEmbeddingsRequest, parseResponse: convertOpenAIEmbeddingsResponse },
  buildChatRequest: convertToOpenAIRequest,
  parseChatResponse: convertOpenAIResponse,
  parseError: parseOpenAIError,
  buildStreamRequest: convertToOpenAIStreamRequest,
  createStreamTranslator: (input) => createOpenAIStreamTranslator(input),
};
