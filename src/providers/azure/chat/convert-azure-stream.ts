import type { StreamTranslatorInput } from '../../chat-stream.ts';
import { createOpenAIStreamTranslator, type OpenAIStreamTranslator } from '../../openai/chat/convert-openai-stream.ts';
import { parseAzureError } from '../azure-error.ts';

/**
 * Azure streams OpenAI's chunks with its content filter results, which reach the client as the
 * non-streamed answer's do: each choice's `content_filter_results` (and the asynchronous filter's
 * `content_filter_offsets`) pass through; a block is the choice's `finish_reason: "content_filter"`,
 * kept as is. What differs from OpenAI is handled by OpenAI's translator: the prompt's verdict comes
 * first in a chunk without choices and without id (`prompt_filter_results`, `prompt_annotations` in
 * older api-versions) and rides on the first chunk passed on; the asynchronous filter's annotation
 * chunks have no delta and empty `id`, `model` and `object`, and take the stream's own. An in-stream
 * error is read by Azure's error parser (a `content_filter` error is never retried).
 * @see https://learn.microsoft.com/azure/ai-foundry/openai/concepts/content-streaming
 */
export function createAzureStreamTranslator(input: StreamTranslatorInput): OpenAIStreamTranslator {
  return createOpenAIStreamTranslator(input, { parseError: parseAzureError, carriedFields: ['prompt_filter_results', 'prompt_annotations'] });
}
