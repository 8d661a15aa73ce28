import { countTextTokens } from './token-encoders.ts';
import type { TokenCounting } from './token-families.ts';

/**
 * What the counts read of a chat request, typed structurally so that this folder depends on no
 * other (the provider adapters count with it): OpenAI's Chat Completions request is one.
 */
export interface CountableChatRequest {
  messages: ReadonlyArray<{ role: string; content?: unknown; name?: unknown; tool_calls?: unknown }>;
  tools?: readonly unknown[] | undefined;
  functions?: unknown;
  response_format?: { type: string; json_schema?: unknown } | undefined;
}

/** What the counts read of a chat answer. */
export interface CountableChatCompletion {
  choices: ReadonlyArray<{ message: { content?: string | null | undefined; tool_calls?: unknown } }>;
}

/** An embeddings request's `input`: a text, texts, a token array or token arrays. */
export type CountableEmbeddingsInput = string | readonly string[] | readonly number[] | ReadonlyArray<readonly number[]>;

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

/**
 * A count times the family factor, rounded up; rounded to a thousandth first so that float error
 * (100 × 1.1 = 110.00000000000001) does not add a token.
 */
function scaled(tokens: number, counting: TokenCounting): number {
  return Math.ceil(Math.round(tokens * counting.factor * 1000) / 1000);
}

/** Counts a text's tokens: the tokenizer, or an upper bound. */
type TextCounter = (text: string) => number;

/**
 * No tokenizer yields more tokens than the text has UTF-8 bytes, and a UTF-16 code unit is at most 3
 * of them: a bound that costs no encoding (the context-window check counts only requests that could
 * exceed a window at this bound).
 */
const upperBoundCounter: TextCounter = (text) => 3 * text.length;

/** The parts of a chat request's input in one vocabulary: see `chatTokenOverhead` and `imageTokenEstimate`. */
export function countChatInput(request: CountableChatRequest, encoding: TokenCounting['encoding']): ChatInputTokens {
  return countChatInputWith(request, (text) => countTextTokens(text, encoding));
}

function countChatInputWith(request: CountableChatRequest, countText: TextCounter): ChatInputTokens {
  let text = 0;
  let framing: number = chatTokenOverhead.priming;
  let images = 0;
  for (const message of request.messages) {
    framing += chatTokenOverhead.perMessage;
    text += countText(message.role);
    if (typeof message.name === 'string') {
      framing += chatTokenOverhead.perName;
      text += countText(message.name);
    }
    const content = countContent(message.content, countText);
    text += content.text;
    images += content.images;
    if (message.role === 'assistant' && Array.isArray(message.tool_calls) && message.tool_calls.length > 0) text += countText(JSON.stringify(message.tool_calls));
  }
  if (request.tools && request.tools.length > 0) text += countText(JSON.stringify(request.tools));
  const functions = request.functions;
  if (Array.isArray(functions) && functions.length > 0) text += countText(JSON.stringify(functions));
  if (request.response_format?.type === 'json_schema') text += countText(JSON.stringify(request.response_format.json_schema ?? {}));
  return { text, framing, images };
}

function countContent(content: unknown, countText: TextCounter): { text: number; images: number } {
  if (typeof content === 'string') return { text: countText(content), images: 0 };
  if (!Array.isArray(content)) return { text: 0, images: 0 };
  let text = 0;
  let images = 0;
  for (const part of content as unknown[]) {
    if (typeof part !== 'object' || part === null || !('type' in part)) continue;
    if (part.type === 'text' && 'text' in part && typeof part.text === 'string') text += countText(part.text);
    else if (part.type === 'image_url') images += imageDetailOf(part) === 'low' ? imageTokenEstimate.low : imageTokenEstimate.high;
  }
  return { text, images };
}

function imageDetailOf(part: object): string | undefined {
  const image = 'image_url' in part ? part.image_url : undefined;
  return typeof image === 'object' && image !== null && 'detail' in image && typeof image.detail === 'string' ? image.detail : undefined;
}

/** A chat request's input tokens for a model's family: text scaled by the family factor, framing and images as counted. */
export function totalChatInput(parts: ChatInputTokens, counting: TokenCounting): number {
  return scaled(parts.text, counting) + parts.framing + parts.images;
}

/** The most input tokens a chat request can be for a model's family, without encoding it (see `upperBoundCounter`). */
export function maxChatRequestTokens(request: CountableChatRequest, counting: TokenCounting): number {
  return totalChatInput(countChatInputWith(request, upperBoundCounter), counting);
}

/** The most input tokens an embeddings request can be, without encoding it. */
export function maxEmbeddingTokens(request: { input: CountableEmbeddingsInput }, counting: TokenCounting): number {
  const { input } = request;
  if (typeof input === 'string') return scaled(upperBoundCounter(input), counting);
  let total = 0;
  for (const item of input) {
    if (typeof item === 'number') return input.length;
    total += typeof item === 'string' ? scaled(upperBoundCounter(item), counting) : item.length;
  }
  return total;
}

/** Input tokens of a chat request for a model's family. */
export function countChatRequestTokens(request: CountableChatRequest, counting: TokenCounting): number {
  return totalChatInput(countChatInput(request, counting.encoding), counting);
}

/** Output tokens of a chat answer: its choices' text and tool calls. */
export function countChatCompletionTokens(completion: CountableChatCompletion, counting: TokenCounting): number {
  const text = completion.choices.reduce(
    (sum, choice) =>
      sum + countTextTokens(choice.message.content ?? '', counting.encoding) + (choice.message.tool_calls ? countTextTokens(JSON.stringify(choice.message.tool_calls), counting.encoding) : 0),
    0,
  );
  return scaled(text, counting);
}

/** Input tokens of an embeddings request: token arrays count exactly, texts by the tokenizer. */
export function countEmbeddingTokens(request: { input: CountableEmbeddingsInput }, counting: TokenCounting): number {
  const { input } = request;
  if (typeof input === 'string') return scaled(countTextTokens(input, counting.encoding), counting);
  let total = 0;
  for (const item of input) {
    if (typeof item === 'number') return input.length; // one token array
    total += typeof item === 'string' ? scaled(countTextTokens(item, counting.encoding), counting) : item.length;
  }
  return total;
}
