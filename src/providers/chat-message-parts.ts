import { z } from 'zod';
import type { ChatMessage } from './chat-completion-schemas.ts';

/**
 * Pieces of turning OpenAI chat messages into a turn-based wire format (Anthropic's Messages, Bedrock's
 * Converse): what each format builds from them stays with its converter. A request a format cannot
 * carry out is refused through the converter's own error (`RequestErrorOf`), which names the provider.
 */

export type ContentPart = { type: string; [key: string]: unknown };

export type RequestErrorOf = (options: { param: string; message: string; code?: 'unsupported_parameter' | 'unsupported_value' | 'invalid_value' }) => Error;

export const textPartSchema = z.looseObject({ type: z.literal('text'), text: z.string() });
export const refusalPartSchema = z.looseObject({ type: z.literal('refusal'), refusal: z.string() });
export const imagePartSchema = z.looseObject({ type: z.literal('image_url'), image_url: z.looseObject({ url: z.string(), detail: z.string().nullish() }) });
export const filePartSchema = z.looseObject({
  type: z.literal('file'),
  file: z.looseObject({ file_data: z.string().optional(), file_id: z.string().optional(), filename: z.string().optional() }),
});

/** A content part by its schema, or the converter's error naming the part's path and the first issue. */
export function parsePart<Schema extends z.ZodType>(schema: Schema, part: ContentPart, at: string, requestError: RequestErrorOf): z.infer<Schema> {
  const parsed = schema.safeParse(part);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue ? [at, ...issue.path.map(String)].join('.') : at;
  throw requestError({ param: path, code: 'invalid_value', message: `Invalid ${part.type} content part: ${issue?.message ?? 'invalid'}` });
}

/**
 * Adds blocks to the conversation as a turn of `role`, merged into the last turn when that has the same
 * role (these formats require alternating turns); nothing is added for no blocks.
 */
export function appendTurn<Role extends string, Block>(turns: Array<{ role: Role; content: Block[] }>, role: Role, blocks: readonly Block[]): void {
  if (blocks.length === 0) return;
  const last = turns.at(-1);
  if (last?.role === role) last.content.push(...blocks);
  else turns.push({ role, content: [...blocks] });
}

/** A user turn with its tool results moved before anything else in it, as these formats want them. */
export function toolResultsFirst<Role extends string, Block>(turn: { role: Role; content: Block[] }, isToolResult: (block: Block) => boolean): { role: Role; content: Block[] } {
  if (turn.role !== 'user') return turn;
  const results = turn.content.filter(isToolResult);
  if (results.length === 0) return turn;
  return { ...turn, content: [...results, ...turn.content.filter((block) => !isToolResult(block))] };
}

/** `data:<media type>[;…];base64,<data>` → its media type and data; a URL of any other form → the converter's error. */
export function parseBase64DataUrl(url: string, at: string, requestError: RequestErrorOf): { mediaType: string; data: string } {
  const match = /^data:([^;,]+)(?:;[^;,]*)*;base64,(.+)$/s.exec(url);
  if (!match?.[1] || !match[2]) throw requestError({ param: at, code: 'invalid_value', message: 'Expected a base64 data: URL (data:<media type>;base64,<data>).' });
  return { mediaType: match[1], data: match[2] };
}

/**
 * A tool call's arguments as the JSON object these formats take parsed; an empty string means no
 * arguments. Anything else than a JSON object → the converter's error.
 */
export function parseToolArguments(text: string, at: string, provider: string, requestError: RequestErrorOf): Record<string, unknown> {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw requestError({ param: at, code: 'invalid_value', message: `Tool call arguments must be a JSON object; ${provider} takes them parsed.` });
  }
  return parsed as Record<string, unknown>;
}

/**
 * An assistant message's texts, in order, each with the `cache_control` its part carried: the content
 * (a string, or text and refusal parts), or, when there is none, an earlier refusal replayed as
 * history (it is what the assistant said). Parts of other types → the converter's error.
 */
export function assistantTexts(message: Extract<ChatMessage, { role: 'assistant' }>, at: string, provider: string, requestError: RequestErrorOf): Array<{ text: string; cacheControl?: unknown }> {
  const { content } = message;
  if (content === null || content === undefined || (Array.isArray(content) && content.length === 0)) {
    return typeof message.refusal === 'string' ? [{ text: message.refusal }] : [];
  }
  if (typeof content === 'string') return [{ text: content }];
  return content.map((part, index) => {
    const partAt = `${at}.content[${index}]`;
    if (part.type === 'refusal') return { text: parsePart(refusalPartSchema, part, partAt, requestError).refusal };
    if (part.type === 'text') return { text: parsePart(textPartSchema, part, partAt, requestError).text, cacheControl: part['cache_control'] };
    throw requestError({ param: `${partAt}.type`, message: `Assistant content parts of type "${part.type}" are not supported by ${provider}.` });
  });
}
