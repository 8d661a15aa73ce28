import { embeddingInputs, type EmbeddingsRequest } from '../providers/embeddings-schemas.ts';
import type { ChatCompletion, ChatCompletionRequest, ChatMessage } from '../providers/chat-completion-schemas.ts';
import { countTextTokens } from './token-encoders.ts';
import type { TokenCounting } from './token-families.ts';

/**
 * OpenAI's accounting of a chat prompt (the cookbook's `num_tokens_from_messages`): each message costs
 * 3 tokens of framing plus its role and content, a `name` 1 more, and the answer is primed with 3.
 * @see https://cookbook.openai.com/examples/how_to_count_tokens_with_tiktoken
 */
export const chatTokenOverhead = { perMessage: 3, perName: 1, priming: 3 } as const;

/**
 * An image whose size the gateway does not know (it never downloads one): OpenAI's tile formula for a
 * 1024×1024 image at `high`/`auto` detail (85 + 4 tiles × 170), and the flat 85 at `low`.
 * @see https://platform.openai.com/docs/guides/images-vision#calculating-costs
 */
export const imageTokenEstimate = { high: 765, low: 85 } as const;

/** The text and images of a chat request's input, counted once per vocabulary and then scaled. */
export interface ChatInputTokens {
  /** Tokens of the text (messages, names, tool definitions and calls, a JSON schema) before the family factor. */
  text: number;
  /** Framing tokens (per message, per name, priming): not scaled. */
  framing: number;
  images: number;
}

/** The parts of a chat request's input in one vocabulary: see `chatTokenOverhead` and `imageTokenEstimate`. */
export function countChatInput(request: ChatCompletionRequest, encoding: TokenCounting['encoding']): ChatInputTokens {
  let text = 0;
  let framing: number = chatTokenOverhead.priming;
  let images = 0;
  for (const message of request.messages) {
    framing += chatTokenOverhead.perMessage;
    text += countTextTokens(message.role, encoding);
    if ('name' in message && typeof message.name === 'string') {
      framing += chatTokenOverhead.perName;
      text += countTextTokens(message.name, encoding);
    }
    const content = countContent(message.content, encoding);
    text += content.text;
    images += content.images;
    if (message.role === 'assistant' && message.tool_calls && message.tool_calls.length > 0) text += countTextTokens(JSON.stringify(message.tool_calls), encoding);
  }
  if (request.tools && request.tools.length > 0) text += countTextTokens(JSON.stringify(request.tools), encoding);
  const functions = request['functions'];
  if (Array.isArray(functions) && functions.length > 0) text += countTextTokens(JSON.stringify(functions), encoding);
  if (request.response_format?.type === 'json_schema') text += countTextTokens(JSON.stringify(request.response_format['json_schema'] ?? {}), encoding);
  return { text, framing, images };
}

function countContent(content: ChatMessage['content'], encoding: TokenCounting['encoding']): { text: number; images: number } {
  if (content === null || content === undefined) return { text: 0, images: 0 };
  if (typeof content === 'string') return { text: countTextTokens(content, encoding), images: 0 };
  let text = 0;
  let images = 0;
  for (const part of content) {
    if (part.type === 'text' && typeof part['text'] === 'string') text += countTextTokens(part['text'], encoding);
    else if (part.type === 'image_url') images += imageDetailOf(part) === 'low' ? imageTokenEstimate.low : imageTokenEstimate.high;
  }
  return { text, images };
}

function imageDetailOf(part: Record<string, unknown>): string | undefined {
  const image = part['image_url'];
  return typeof image === 'object' && image !== null && 'detail' in image && typeof image.detail === 'string' ? image.detail : undefined;
}

/** A chat request's input tokens for a model's family: text scaled by the family factor, framing and images as counted. */
export function totalChatInput(parts: ChatInputTokens, counting: TokenCounting): number {
  return Math.ceil(parts.text * counting.factor) + parts.framing + parts.images;
}

/** Input tokens of a chat request for a model's family. */
export function countChatRequestTokens(request: ChatCompletionRequest, counting: TokenCounting): number {
  return totalChatInput(countChatInput(request, counting.encoding), counting);
}

/** Output tokens of a chat answer: its choices' text and tool calls. */
export function countChatCompletionTokens(completion: ChatCompletion, counting: TokenCounting): number {
  const text = completion.choices.reduce(
    (sum, choice) =>
      sum + countTextTokens(choice.message.content ?? '', counting.encoding) + (choice.message.tool_calls ? countTextTokens(JSON.stringify(choice.message.tool_calls), counting.encoding) : 0),
    0,
  );
  return Math.ceil(text * counting.factor);
}

/** Input tokens of an embeddings request: token arrays count exactly, texts by the tokenizer. */
export function countEmbeddingTokens(request: Pick<EmbeddingsRequest, 'input'>, counting: TokenCounting): number {
  return embeddingInputs(request).reduce((sum, input) => sum + (typeof input === 'string' ? Math.ceil(countTextTokens(input, counting.encoding) * counting.factor) : input.length), 0);
}
