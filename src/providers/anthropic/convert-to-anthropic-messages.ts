import { thinkingBlockOf, type ChatMessage } from '../chat-completion-schemas.ts';
import {
  appendTurn,
  assistantTexts,
  filePartSchema,
  imagePartSchema,
  parseBase64DataUrl,
  parsePart,
  parseToolArguments,
  textPartSchema,
  toolResultsFirst,
  type ContentPart,
} from '../chat-message-parts.ts';
import { anthropicRequestError } from './anthropic-request-error.ts';
import { anthropicCacheControlSchema, type AnthropicMessage, type AnthropicRequestBlock, type AnthropicTextBlock, type AnthropicToolResultBlock } from './anthropic-wire-schemas.ts';

export interface AnthropicConversation {
  /** Every system and developer message, in order, for the top-level `system`. */
  system: AnthropicTextBlock[];
  /** Alternating user/assistant turns; consecutive same-role messages merged into one turn. */
  messages: AnthropicMessage[];
  warnings: string[];
}

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
  return { system, messages: turns.map((turn) => toolResultsFirst(turn, (block) => block.type === 'tool_result')), warnings };
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
      return textBlock(parsePart(textPartSchema, part, at, anthropicRequestError).text, part['cache_control']);
    case 'image_url': {
      const { image_url: image } = parsePart(imagePartSchema, part, at, anthropicRequestError);
      if (image.detail && image.detail !== 'auto') warnings.push(`${at}.image_url.detail "${image.detail}" is not supported by Anthropic and was ignored`);
      return [imageBlock(image.url, `${at}.image_url.url`)];
    }
    case 'file': {
      const { file } = parsePart(filePartSchema, part, at, anthropicRequestError);
      if (file.file_data === undefined) {
        throw anthropicRequestError({ param: `${at}.file`, message: 'Only inline files (file_data) can be sent to Anthropic; OpenAI file ids mean nothing there.' });
      }
      const { mediaType, data } = parseBase64DataUrl(file.file_data, `${at}.file.file_data`, anthropicRequestError);
      return [{ type: 'document', source: { type: 'base64', media_type: mediaType, data }, ...(file.filename ? { title: file.filename } : {}) }];
    }
    default:
      throw anthropicRequestError({ param: `${at}.type`, message: `Content parts of type "${part.type}" are not supported by Anthropic.` });
  }
}

function imageBlock(url: string, at: string): AnthropicRequestBlock {
  if (url.startsWith('data:')) {
    const { mediaType, data } = parseBase64DataUrl(url, at, anthropicRequestError);
    return { type: 'image', source: { type: 'base64', media_type: mediaType, data } };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  throw anthropicRequestError({ param: at, code: 'invalid_value', message: 'An image URL must be an http(s) URL or a base64 data: URL.' });
}

function assistantTextBlocks(message: Extract<ChatMessage, { role: 'assistant' }>, at: string): AnthropicRequestBlock[] {
  return assistantTexts(message, at, 'Anthropic', anthropicRequestError).flatMap(({ text, cacheControl }) => textBlock(text, cacheControl));
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
    return { type: 'tool_use', id: call.id, name: call.function.name, input: parseToolArguments(call.function.arguments, `${callAt}.function.arguments`, 'Anthropic', anthropicRequestError) };
  });
}

function toolResultBlock(toolUseId: string, content: string | readonly ContentPart[], at: string, warnings: string[]): AnthropicToolResultBlock {
  if (typeof content === 'string') return content === '' ? { type: 'tool_result', tool_use_id: toolUseId } : { type: 'tool_result', tool_use_id: toolUseId, content };
  const blocks = contentBlocks(content, `${at}.content`, warnings).map((block, index) => {
    if (block.type === 'text' || block.type === 'image') return block;
    throw anthropicRequestError({ param: `${at}.content[${index}]`, message: `Tool results cannot carry "${block.type}" content on Anthropic.` });
  });
  return blocks.length === 0 ? { type: 'tool_result', tool_use_id: toolUseId } : { type: 'tool_result', tool_use_id: toolUseId, content: blocks };
}
