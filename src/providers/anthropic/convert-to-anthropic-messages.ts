import { z } from 'zod';
import { thinkingBlockOf, type ChatMessage } from '../chat-completion-schemas.ts';
import { anthropicRequestError } from './anthropic-request-error.ts';
import { anthropicCacheControlSchema, type AnthropicMessage, type AnthropicRequestBlock, type AnthropicTextBlock, type AnthropicToolResultBlock } from './anthropic-wire-schemas.ts';

export interface AnthropicConversation {
  /** Every system and developer message, in order, for the top-level `system`. */
  system: AnthropicTextBlock[];
  /** Alternating user/assistant turns; consecutive same-role messages merged into one turn. */
  messages: AnthropicMessage[];
  warnings: string[];
}

type ContentPart = { type: string; [key: string]: unknown };

const textPartSchema = z.looseObject({ type: z.literal('text'), text: z.string() });
const refusalPartSchema = z.looseObject({ type: z.literal('refusal'), refusal: z.string() });
const imagePartSchema = z.looseObject({
  type: z.literal('image_url'),
  image_url: z.looseObject({ url: z.string(), detail: z.string().nullish() }),
});
const filePartSchema = z.looseObject({
  type: z.literal('file'),
  file: z.looseObject({ file_data: z.string().optional(), file_id: z.string().optional(), filename: z.string().optional() }),
});

/**
 * OpenAI chat messages → Anthropic's `system` plus alternating turns. System and developer messages
 * move to the top-level `system` (Anthropic has no such role in `messages`); `tool` messages become
 * `tool_result` blocks of a user turn; assistant `tool_calls` become `tool_use` blocks, and an assistant
 * message's `thinking_blocks` (Claude's signed thinking of that turn) go first in its turn, verbatim, as
 * Anthropic requires of a tool-use loop with thinking on. Anthropic requires alternation, so consecutive
 * same-role messages are merged into one turn.
 * @see https://docs.anthropic.com/en/api/messages#body-messages
 */
export function convertToAnthropicMessages(messages: readonly ChatMessage[]): AnthropicConversation {
  const system: AnthropicTextBlock[] = [];
  const turns: AnthropicMessage[] = [];
  const warnings: string[] = [];
  messages.forEach((message, index) => {
    const at = `messages[${index}]`;
    if (message.role !== 'function' && message.role !== 'tool' && message.name) warnings.push(`${at}.name is not supported by Anthropic and was dropped`);
    switch (message.role) {
      case 'system':
      case 'developer':
        if (turns.length > 0) warnings.push(`${at}: a ${message.role} message after the conversation started was moved to Anthropic's top-level system prompt`);
        system.push(...textBlocks(message.content));
        return;
      case 'user':
        appendTurn(turns, 'user', contentBlocks(message.content, `${at}.content`, warnings));
        return;
      case 'assistant':
        appendTurn(turns, 'assistant', [...thinkingBlocks(message.thinking_blocks ?? [], at), ...assistantTextBlocks(message, at), ...toolUseBlocks(message.tool_calls ?? [], at)]);
        return;
      case 'tool':
        appendTurn(turns, 'user', [toolResultBlock(message.tool_call_id, message.content, at, warnings)]);
        return;
      case 'function':
        throw anthropicRequestError({
          param: `${at}.role`,
          message: 'The deprecated "function" role is not supported by Anthropic; send tools and "tool" messages instead.',
        });
    }
  });
  return { system, messages: turns.map(toolResultsFirst), warnings };
}

function appendTurn(turns: AnthropicMessage[], role: AnthropicMessage['role'], blocks: AnthropicRequestBlock[]): void {
  if (blocks.length === 0) return;
  const last = turns.at(-1);
  if (last?.role === role) last.content.push(...blocks);
  else turns.push({ role, content: [...blocks] });
}

/** Anthropic wants a user turn's `tool_result` blocks before anything else in it. */
function toolResultsFirst(turn: AnthropicMessage): AnthropicMessage {
  if (turn.role !== 'user') return turn;
  const results = turn.content.filter((block) => block.type === 'tool_result');
  if (results.length === 0) return turn;
  return { ...turn, content: [...results, ...turn.content.filter((block) => block.type !== 'tool_result')] };
}

function textBlock(text: string, cacheControl?: unknown): AnthropicTextBlock[] {
  if (text === '') return []; // Anthropic refuses empty text blocks
  const cache = anthropicCacheControlSchema.safeParse(cacheControl);
  return [cache.success ? { type: 'text', text, cache_control: cache.data } : { type: 'text', text }];
}

function textBlocks(content: string | ReadonlyArray<{ text: string; [key: string]: unknown }>): AnthropicTextBlock[] {
  if (typeof content === 'string') return textBlock(content);
  return content.flatMap((part) => textBlock(part.text, part['cache_control']));
}

function contentBlocks(content: string | readonly ContentPart[], at: string, warnings: string[]): AnthropicRequestBlock[] {
  if (typeof content === 'string') return textBlock(content);
  return content.flatMap((part, index) => contentPartBlocks(part, `${at}[${index}]`, warnings));
}

function contentPartBlocks(part: ContentPart, at: string, warnings: string[]): AnthropicRequestBlock[] {
  switch (part.type) {
    case 'text':
      return textBlock(parsePart(textPartSchema, part, at).text, part['cache_control']);
    case 'image_url': {
      const { image_url: image } = parsePart(imagePartSchema, part, at);
      if (image.detail && image.detail !== 'auto') warnings.push(`${at}.image_url.detail "${image.detail}" is not supported by Anthropic and was ignored`);
      return [imageBlock(image.url, `${at}.image_url.url`)];
    }
    case 'file': {
      const { file } = parsePart(filePartSchema, part, at);
      if (file.file_data === undefined) {
        throw anthropicRequestError({ param: `${at}.file`, message: 'Only inline files (file_data) can be sent to Anthropic; OpenAI file ids mean nothing there.' });
      }
      const { mediaType, data } = parseBase64DataUrl(file.file_data, `${at}.file.file_data`);
      return [{ type: 'document', source: { type: 'base64', media_type: mediaType, data }, ...(file.filename ? { title: file.filename } : {}) }];
    }
    default:
      throw anthropicRequestError({ param: `${at}.type`, message: `Content parts of type "${part.type}" are not supported by Anthropic.` });
  }
}

function imageBlock(url: string, at: string): AnthropicRequestBlock {
  if (url.startsWith('data:')) {
    const { mediaType, data } = parseBase64DataUrl(url, at);
    return { type: 'image', source: { type: 'base64', media_type: mediaType, data } };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  throw anthropicRequestError({ param: at, code: 'invalid_value', message: 'An image URL must be an http(s) URL or a base64 data: URL.' });
}

function parseBase64DataUrl(url: string, at: string): { mediaType: string; data: string } {
  const match = /^data:([^;,]+)(?:;[^;,]*)*;base64,(.+)$/s.exec(url);
  if (!match?.[1] || !match[2]) {
    throw anthropicRequestError({ param: at, code: 'invalid_value', message: 'Expected a base64 data: URL (data:<media type>;base64,<data>).' });
  }
  return { mediaType: match[1], data: match[2] };
}

function assistantTextBlocks(message: Extract<ChatMessage, { role: 'assistant' }>, at: string): AnthropicRequestBlock[] {
  const { content } = message;
  if (content === null || content === undefined || (Array.isArray(content) && content.length === 0)) {
    // An earlier refusal, replayed as history, is what the assistant said.
    return typeof message.refusal === 'string' ? textBlock(message.refusal) : [];
  }
  if (typeof content === 'string') return textBlock(content);
  return content.flatMap((part, index) => {
    const partAt = `${at}.content[${index}]`;
    if (part.type === 'refusal') return textBlock(parsePart(refusalPartSchema, part, partAt).refusal);
    if (part.type === 'text') return textBlock(parsePart(textPartSchema, part, partAt).text, part['cache_control']);
    throw anthropicRequestError({ param: `${partAt}.type`, message: `Assistant content parts of type "${part.type}" are not supported by Anthropic.` });
  });
}

type ToolCall = NonNullable<Extract<ChatMessage, { role: 'assistant' }>['tool_calls']>[number];

/** Each block with only its own fields: Anthropic checks the signature against exactly these. */
function thinkingBlocks(blocks: readonly unknown[], at: string): AnthropicRequestBlock[] {
  return blocks.map((block, index) => {
    const own = thinkingBlockOf(block);
    if (own) return own;
    throw anthropicRequestError({
      param: `${at}.thinking_blocks[${index}]`,
      code: 'invalid_value',
      message: 'A thinking block must be {type: "thinking", thinking, signature} or {type: "redacted_thinking", data}, as Anthropic answered it.',
    });
  });
}

function toolUseBlocks(calls: readonly ToolCall[], at: string): AnthropicRequestBlock[] {
  return calls.map((call, index) => {
    const callAt = `${at}.tool_calls[${index}]`;
    if (call.type !== 'function' || !call.function) {
      throw anthropicRequestError({ param: `${callAt}.type`, message: `Tool calls of type "${call.type}" are not supported by Anthropic.` });
    }
    return { type: 'tool_use', id: call.id, name: call.function.name, input: parseArguments(call.function.arguments, `${callAt}.function.arguments`) };
  });
}

/** Anthropic takes the arguments as an object; an empty string means no arguments. */
function parseArguments(text: string, at: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    throw anthropicRequestError({ param: at, code: 'invalid_value', message: 'Tool call arguments must be a JSON object; Anthropic takes them parsed.' });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw anthropicRequestError({ param: at, code: 'invalid_value', message: 'Tool call arguments must be a JSON object; Anthropic takes them parsed.' });
  }
  return parsed as Record<string, unknown>;
}

function toolResultBlock(toolUseId: string, content: string | readonly ContentPart[], at: string, warnings: string[]): AnthropicToolResultBlock {
  if (typeof content === 'string') return content === '' ? { type: 'tool_result', tool_use_id: toolUseId } : { type: 'tool_result', tool_use_id: toolUseId, content };
  const blocks = contentBlocks(content, `${at}.content`, warnings).map((block, index) => {
    if (block.type === 'text' || block.type === 'image') return block;
    throw anthropicRequestError({ param: `${at}.content[${index}]`, message: `Tool results cannot carry "${block.type}" content on Anthropic.` });
  });
  return blocks.length === 0 ? { type: 'tool_result', tool_use_id: toolUseId } : { type: 'tool_result', tool_use_id: toolUseId, content: blocks };
}

function parsePart<Schema extends z.ZodType>(schema: Schema, part: ContentPart, at: string): z.infer<Schema> {
  const parsed = schema.safeParse(part);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue ? [at, ...issue.path.map(String)].join('.') : at;
  throw anthropicRequestError({ param: path, code: 'invalid_value', message: `Invalid ${part.type} content part: ${issue?.message ?? 'invalid'}` });
}
